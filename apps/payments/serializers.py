"""Serializers of the payments API (the WeChat notify endpoint)."""

from __future__ import annotations

from rest_framework import serializers


class WeChatNotifyResourceSerializer(serializers.Serializer):
    algorithm = serializers.CharField()
    ciphertext = serializers.CharField()
    associated_data = serializers.CharField(required=False)
    original_type = serializers.CharField()
    nonce = serializers.CharField()


class WeChatNotifyInputSerializer(serializers.Serializer):
    """WeChat Pay API v3's notification envelope (documented here; the SDK parses it)."""

    id = serializers.CharField()
    create_time = serializers.CharField()
    event_type = serializers.CharField()
    resource_type = serializers.CharField()
    summary = serializers.CharField()
    resource = WeChatNotifyResourceSerializer()


class WeChatNotifyAnswerSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["SUCCESS"])
    message = serializers.CharField()
