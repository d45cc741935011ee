"""Input and output shapes of the likes and collections API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.articles.serializers import ArticleListItemOutputSerializer
from apps.interactions.models import Collection


class ArticleLikeOutputSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()


class ArticleCollectInputSerializer(serializers.Serializer):
    collection_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One of your folders. PUT without it: the default folder; DELETE without "
        "it: every folder.",
    )


class ArticleCollectOutputSerializer(serializers.Serializer):
    collected = serializers.BooleanField(help_text="In at least one of your folders.")
    collect_count = serializers.IntegerField(help_text="Readers who collected the article.")
    collection_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Your folders holding it, ascending."
    )


class CollectionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, trim_whitespace=True)


class CollectionUpdateInputSerializer(serializers.Serializer):
    """PATCH: every field optional; an empty body changes nothing and answers the folder."""

    name = serializers.CharField(max_length=100, trim_whitespace=True, required=False)


class CollectionItemMoveInputSerializer(serializers.Serializer):
    article_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="A public article in this folder."
    )
    to_collection_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Another of your folders."
    )


class CollectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_default = serializers.BooleanField()
    item_count = serializers.IntegerField(help_text="Entries, public or not right now.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# The list action answers one page object, not a bare array of it (drf-spectacular's default).
@extend_schema_serializer(many=False)
class CollectionListOutputSerializer(serializers.Serializer):
    results = CollectionOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class CollectionItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    collection_id = serializers.IntegerField()
    collected_at = serializers.DateTimeField()
    article = ArticleListItemOutputSerializer()


class CollectionItemListOutputSerializer(serializers.Serializer):
    results = CollectionItemOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)


def collection_represent(folder: Collection, *, item_count: int | None = None) -> dict[str, Any]:
    """A folder as the API answers it; ``item_count`` from the list's annotation if not given."""
    return {
        "id": folder.pk,
        "name": folder.name,
        "is_default": bool(folder.is_default),
        "item_count": item_count if item_count is not None else getattr(folder, "item_count", 0),
        "created_at": folder.created_at,
        "updated_at": folder.updated_at,
    }
