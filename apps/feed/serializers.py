"""Output shapes of the feed API."""

from __future__ import annotations

from rest_framework import serializers

from apps.articles.serializers import ArticleListItemOutputSerializer

FEED_SOURCES = (("following", "following"), ("default", "default"))


class FeedOutputSerializer(serializers.Serializer):
    results = ArticleListItemOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    # The field is named "source" in the response; DRF's Field.source attribute is unrelated.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=FEED_SOURCES,
        help_text="`default` when you follow nobody: the newest public articles.",
    )
    hot = ArticleListItemOutputSerializer(
        many=True, help_text="With `default`, on the first page: the hot list's top."
    )
