"""Input and output shapes of the attachments API."""

from __future__ import annotations

from rest_framework import serializers

from apps.attachments.models import TextStatus


class AttachmentCreateInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF (multipart field `file`).")


class AttachmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    article_id = serializers.IntegerField()
    filename = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    text_status = serializers.ChoiceField(
        choices=TextStatus.choices, help_text="Whether its text is searchable yet."
    )
    download_url = serializers.CharField()
    created_at = serializers.DateTimeField()


class AttachmentListOutputSerializer(serializers.Serializer):
    results = AttachmentOutputSerializer(many=True)
