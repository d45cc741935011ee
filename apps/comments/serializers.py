"""Input and output shapes of the comments API."""

from __future__ import annotations

from rest_framework import serializers


class CommentCreateInputSerializer(serializers.Serializer):
    content = serializers.CharField(min_length=1, max_length=10_000, trim_whitespace=False)
    parent_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Reply to this comment."
    )

    def validate_content(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value


class CommentAuthorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article_id = serializers.IntegerField()
    root_id = serializers.IntegerField(allow_null=True)
    parent_id = serializers.IntegerField(allow_null=True)
    author = CommentAuthorOutputSerializer()
    content_html = serializers.CharField(help_text="Markdown and math, rendered and sanitised.")
    reply_count = serializers.IntegerField(help_text="Replies in the thread (root comments).")
    created_at = serializers.DateTimeField()


class CommentRootOutputSerializer(CommentOutputSerializer):
    replies = CommentOutputSerializer(many=True, help_text="The newest replies, newest first.")


class CommentRootListOutputSerializer(serializers.Serializer):
    results = CommentRootOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    replies_included = serializers.BooleanField(
        help_text="False while the degrade switch is on: replies were skipped."
    )


class CommentReplyListOutputSerializer(serializers.Serializer):
    results = CommentOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)
