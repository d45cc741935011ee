"""Accounts. A user signs in with an email and password, a phone code, or WeChat.

Email and phone are both optional (a phone-only user has no email) and unique when present. The
email is stored lower-cased, so a plain unique index makes it unique case-insensitively on every
database, including MariaDB, which has no functional indexes.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

E164 = RegexValidator(
    r"^\+[1-9]\d{6,14}$", "Enter a phone number in E.164 form, e.g. +8613800138000."
)


def normalize_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, email: str | None = None, password: str | None = None, **fields: Any
    ) -> User:
        user = self.model(email=normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254, unique=True, null=True, blank=True)
    phone = models.CharField(max_length=16, unique=True, null=True, blank=True, validators=[E164])
    nickname = models.CharField(max_length=64, blank=True)
    avatar_url = models.URLField(max_length=512, blank=True)
    about = models.CharField(max_length=1024, blank=True)
    birthday = models.DateField(null=True, blank=True)
    wechat_union_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    wechat_open_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The ORCID iD (0000-0002-1825-0097) proven by an ORCID sign-in: shown as verified.
    orcid_id = models.CharField(max_length=19, unique=True, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # The daily email digest of unread notifications (the notifications app sends it; the
    # signed link in each digest turns this off without signing in).
    email_digest = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.email or self.phone or self.nickname or f"user {self.pk}"

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)


class UserSession(models.Model):
    """One signed-in device: a JWT pair or a cookie session.

    ``sid`` is the public id carried in tokens and shown in the session list. Revocation is
    recorded here (``revoked_at``, the source of truth) and mirrored in Redis, which is what every
    request checks. ``refresh_generation`` is the generation of the one refresh token that may be
    used next; presenting an older one means it was copied, and the whole session is revoked.
    """

    class Kind(models.TextChoices):
        JWT = "jwt", "JWT"
        COOKIE = "cookie", "Cookie"

    sid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.JWT)
    user_agent = models.CharField(max_length=512, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh_generation = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-id",)
        indexes = [
            models.Index(fields=["user", "revoked_at", "expires_at"], name="users_session_active"),
            models.Index(fields=["revoked_at"], name="users_session_revoked"),
        ]

    def __str__(self) -> str:
        return f"session {self.sid} of user {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class RecoveryCode(models.Model):
    """One of a user's ten one-time recovery codes for two-factor sign-in (apps.users.mfa).

    Only a SHA-256 digest is kept: the codes carry 50 random bits each, so a plain digest cannot
    be reversed by guessing, and it needs no key that a rotation would invalidate. Using a code
    sets ``used_at`` in one conditional UPDATE, so two requests cannot both spend it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="users_recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk} of user {self.user_id}"
