"""Input and output shapes of the search API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from apps.search.selectors import SEARCH_TYPES

HIGHLIGHT_HELP = "The field with each match in <mark>…</mark>; the rest is HTML-escaped."


class SearchQueryInputSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        trim_whitespace=False,
        help_text="What to search for; English is matched by word stem, Chinese by word.",
    )
    type = serializers.ChoiceField(choices=SEARCH_TYPES, default="article")
    tag = serializers.CharField(
        required=False, max_length=100, help_text="Only articles with this tag (type=article)."
    )
    author = serializers.IntegerField(
        required=False, min_value=1, help_text="Only articles by this user id (type=article)."
    )
    cursor = serializers.CharField(required=False, help_text="The page position from `next`.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.SEARCH_MAX_PAGE_SIZE
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] != "article":
            errors: dict[str, list[str]] = {
                name: [f"Only type=article can be filtered by {name}."]
                for name in ("tag", "author")
                if name in attrs
            }
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class SearchArticleHighlightsOutputSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, help_text=HIGHLIGHT_HELP)
    abstract = serializers.CharField(required=False, help_text=HIGHLIGHT_HELP)
    text = serializers.CharField(required=False, help_text=HIGHLIGHT_HELP)


class SearchArticleAuthorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


class SearchArticleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    abstract = serializers.CharField()
    author = SearchArticleAuthorOutputSerializer()
    tags = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField(allow_null=True)
    like_count = serializers.IntegerField()
    collect_count = serializers.IntegerField()
    read_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    liked = serializers.BooleanField(help_text="By the signed-in viewer; false when anonymous.")
    collected = serializers.BooleanField(help_text="By the signed-in viewer.")
    highlights = SearchArticleHighlightsOutputSerializer()


class SearchUserHighlightsOutputSerializer(serializers.Serializer):
    nickname = serializers.CharField(required=False, help_text=HIGHLIGHT_HELP)
    about = serializers.CharField(required=False, help_text=HIGHLIGHT_HELP)


class SearchUserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    about = serializers.CharField()
    highlights = SearchUserHighlightsOutputSerializer()


class SearchTagHighlightsOutputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, help_text=HIGHLIGHT_HELP)


class SearchTagOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    official = serializers.BooleanField()
    highlights = SearchTagHighlightsOutputSerializer()


OUTPUT_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    "article": SearchArticleOutputSerializer,
    "user": SearchUserOutputSerializer,
    "tag": SearchTagOutputSerializer,
}


class SearchResultsOutputSerializer(serializers.Serializer):
    """For the schema only: the view renders each hit with its type's serializer."""

    results = PolymorphicProxySerializer(
        component_name="SearchResult",
        serializers=list(OUTPUT_SERIALIZERS.values()),
        resource_type_field_name=None,
        many=True,
    )
    next = serializers.CharField(
        allow_null=True, help_text="URL of the next page; null on the last one."
    )
