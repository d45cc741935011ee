from __future__ import annotations

from rest_framework import serializers


class WeChatAuthorizationUrlOutputSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="WeChat's QR-connect page; its state is in the cookie.")


class WeChatCallbackInputSerializer(serializers.Serializer):
    # Neither is required here: a missing state and a missing code (the user declined) each get
    # their own error code instead of a generic validation error.
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=512,
        help_text="The code WeChat sent back; absent when the user declined.",
    )
    state = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The state WeChat sent back; must match this browser's wechat_state cookie.",
    )
