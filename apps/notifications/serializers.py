"""Input and output shapes of the notifications API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.notifications.models import NotificationKind


class NotificationListQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="1: unread only.")
    kind = serializers.ChoiceField(choices=NotificationKind.choices, required=False)


class NotificationActorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    article_id = serializers.IntegerField(allow_null=True)
    comment_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(help_text="The target article's title.")
    preview = serializers.CharField(help_text="The comment's text, or the article's abstract.")
    actor_count = serializers.IntegerField(help_text="People aggregated in this notification.")
    actors = NotificationActorOutputSerializer(many=True, help_text="The newest of them.")
    read = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NotificationListOutputSerializer(serializers.Serializer):
    results = NotificationOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class NotificationUnreadByKindOutputSerializer(serializers.Serializer):
    like = serializers.IntegerField()
    collect = serializers.IntegerField()
    comment = serializers.IntegerField()
    reply = serializers.IntegerField()
    follow = serializers.IntegerField()
    moderation = serializers.IntegerField()
    reward = serializers.IntegerField()


class NotificationUnreadCountOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_kind = NotificationUnreadByKindOutputSerializer()


class NotificationReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("ids")) == bool(attrs.get("all")):
            raise serializers.ValidationError("Send either a non-empty ids or all: true.")
        return attrs


class NotificationReadOutputSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="Notifications that were unread and now are read.")


class UnsubscribeQuerySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)


class UnsubscribeOutputSerializer(serializers.Serializer):
    email_digest = serializers.BooleanField()
