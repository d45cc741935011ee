"""Input and output shapes of the tags API (names unique across the schema)."""

from __future__ import annotations

from rest_framework import serializers

from apps.tags.names import NAME_KEY_MAX_LENGTH


class TagListFilterInputSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=NAME_KEY_MAX_LENGTH,
        help_text="Keep tags whose name starts with this, ignoring case.",
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only my own tags (needs a signed-in user)."
    )


class TagOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    official = serializers.BooleanField(source="is_official")
    owner_id = serializers.IntegerField(allow_null=True, help_text="Null for an official tag.")
