from rest_framework import serializers

from apps.articles.serializers import ArticleListItemOutputSerializer


class HotArticlePageOutputSerializer(serializers.Serializer):
    results = ArticleListItemOutputSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="The next page's URL (with ?cursor=), or null on the last page."
    )
