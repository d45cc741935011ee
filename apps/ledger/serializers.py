"""Output shapes of the wallet API."""

from __future__ import annotations

from rest_framework import serializers


class WalletEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Fen; positive credits the wallet.")
    balance_after = serializers.IntegerField(help_text="The balance right after this entry, fen.")
    kind = serializers.CharField(help_text="What moved the money: reward, reward_refund, …")
    description = serializers.CharField()
    reference = serializers.CharField(help_text='What it is about, e.g. "reward:42".')
    created_at = serializers.DateTimeField()


class WalletOutputSerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Fen.")
    currency = serializers.CharField()
    results = WalletEntryOutputSerializer(many=True, help_text="Entries, newest first.")
    next = serializers.CharField(allow_null=True)


def entries_represent(entries: list) -> list[dict]:
    return [
        {
            "id": entry.pk,
            "amount": entry.amount,
            "balance_after": entry.balance_after,
            "kind": entry.transaction.kind,
            "description": entry.transaction.description,
            "reference": entry.transaction.reference,
            "created_at": serializers.DateTimeField().to_representation(entry.created_at),
        }
        for entry in entries
    ]
