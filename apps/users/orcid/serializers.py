from __future__ import annotations

from rest_framework import serializers


class OrcidAuthorizationUrlOutputSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Send the browser here; ORCID returns to the callback.")


class OrcidCallbackInputSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, default="", allow_blank=True, max_length=512)
    state = serializers.CharField(required=False, default="", allow_blank=True, max_length=512)


class OrcidIdOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    verified = serializers.BooleanField()


class OrcidLinkOutputSerializer(serializers.Serializer):
    orcid = OrcidIdOutputSerializer(allow_null=True)
