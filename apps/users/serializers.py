"""Input and output shapes of the accounts and sessions API (names unique across the schema)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from rest_framework import serializers

from apps.users.devices import device_label
from apps.users.models import E164, User, UserSession

OLDEST_BIRTHDAY = datetime.date(1900, 1, 1)


def encodable_text(value: str) -> None:
    """Refuse text UTF-8 cannot encode (a lone surrogate from a ``\\ud800`` escape): the
    password hasher and the database would fail on it with a 500."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError("Enter valid text.", code="invalid") from None


class UserRegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, validators=[encodable_text])
    # Strength is checked by Django's password validators in the service, against the account.
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, write_only=True, validators=[encodable_text]
    )
    nickname = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True, validators=[encodable_text]
    )


class UserLoginInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, validators=[encodable_text])
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, write_only=True, validators=[encodable_text]
    )


class AuthRefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class AuthSessionTokensOutputSerializer(serializers.Serializer):
    access = serializers.CharField(
        allow_null=True, help_text="Access token (30 min); null in cookie mode."
    )
    refresh = serializers.CharField(
        allow_null=True, help_text="Refresh token (7 days, single use); null in cookie mode."
    )
    session_id = serializers.UUIDField(help_text="The session, as listed by /auth/sessions.")


class AuthSmsSendInputSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=16, validators=[E164])


class AuthSmsLoginInputSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=16, validators=[E164])
    code = serializers.RegexField(r"^\d{6}$", max_length=6)


class UserMeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    about = serializers.CharField()
    birthday = serializers.DateField(allow_null=True)
    date_joined = serializers.DateTimeField()
    follower_count = serializers.IntegerField()
    followee_count = serializers.IntegerField()
    email_digest = serializers.BooleanField(help_text="The daily digest of unread notifications.")


class UserMeUpdateInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("nickname", "avatar_url", "about", "birthday", "email_digest")
        extra_kwargs = {
            "email_digest": {"required": False},
            "nickname": {"required": False, "validators": [encodable_text]},
            "avatar_url": {"required": False, "validators": [encodable_text]},
            "about": {"required": False, "validators": [encodable_text]},
            "birthday": {"required": False},
        }

    def validate_avatar_url(self, value: str) -> str:
        if value and not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("Enter an http or https URL.")
        return value

    def validate_birthday(self, value: datetime.date | None) -> datetime.date | None:
        if value is not None and not OLDEST_BIRTHDAY <= value <= timezone.localdate():
            raise serializers.ValidationError("Enter a date between 1900-01-01 and today.")
        return value


class UserOrcidOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The ORCID iD, e.g. 0000-0002-1825-0097.")
    verified = serializers.BooleanField(help_text="Proven by signing in at ORCID.")


class UserPublicProfileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    about = serializers.CharField()
    orcid = UserOrcidOutputSerializer(allow_null=True, help_text="null when none is linked")
    follower_count = serializers.IntegerField()
    followee_count = serializers.IntegerField()
    followed = serializers.BooleanField(help_text="Whether you follow them (false signed out).")


class AuthSessionOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="sid")
    device = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = (
            "id",
            "kind",
            "device",
            "user_agent",
            "ip",
            "created_at",
            "last_seen_at",
            "current",
        )

    def get_device(self, session: UserSession) -> str:
        return device_label(session.user_agent)

    def get_current(self, session: UserSession) -> bool:
        return str(session.sid) == self.context.get("current_session_id")
