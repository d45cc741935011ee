"""Input and output shapes of the follows API."""

from __future__ import annotations

from rest_framework import serializers


class UserFollowOutputSerializer(serializers.Serializer):
    following = serializers.BooleanField()
    follower_count = serializers.IntegerField(help_text="The followed user's followers.")


class FollowProfileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    follower_count = serializers.IntegerField()
    followee_count = serializers.IntegerField()
    followed = serializers.BooleanField(help_text="Whether you follow them (false signed out).")


class FollowItemOutputSerializer(serializers.Serializer):
    user = FollowProfileOutputSerializer()
    followed_at = serializers.DateTimeField()


class FollowListOutputSerializer(serializers.Serializer):
    results = FollowItemOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class TagFollowOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    following = serializers.BooleanField()


class FollowedTagOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    followed_at = serializers.DateTimeField()


class FollowedTagListOutputSerializer(serializers.Serializer):
    results = FollowedTagOutputSerializer(many=True)
    next = serializers.CharField(allow_null=True)
