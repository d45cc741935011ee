"""Input and output shapes of the comments API."""

from __future__ import annotations

from rest_framework import serializers

from apps.comments.models import CommentKind


class CommentCreateInputSerializer(serializers.Serializer):
    content = serializers.CharField(min_length=1, max_length=10_000, trim_whitespace=False)
    parent_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Reply to this comment."
    )
    kind = serializers.ChoiceField(choices=CommentKind.choices, default=CommentKind.COMMENT)
    rating = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10, help_text="Reviews: 1 to 10."
    )
    confidence = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=5, help_text="Reviews: 1 to 5."
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
    kind = serializers.ChoiceField(choices=CommentKind.choices)
    rating = serializers.IntegerField(allow_null=True, help_text="Reviews only.")
    confidence = serializers.IntegerField(allow_null=True, help_text="Reviews only.")
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


class ReviewOutputSerializer(CommentOutputSerializer):
    rebuttals = CommentOutputSerializer(
        many=True, help_text="The author's rebuttals, oldest first."
    )


class ReviewListOutputSerializer(serializers.Serializer):
    results = ReviewOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class ArticleEditorInputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1)


class ArticleEditorOutputSerializer(serializers.Serializer):
    article_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ArticleEditorListOutputSerializer(serializers.Serializer):
    results = ArticleEditorOutputSerializer(many=True)
