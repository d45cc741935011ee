"""Admin for moderators: find users, deactivate or reactivate them, see and revoke sessions.

(De)activation goes through the services, so it signs the user out everywhere, publishes
``user.changed`` and refreshes the cached public profile, whether it is done with the list
actions or by ticking "active" on the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.users import services
from apps.users.admin_site import ScholarNetAdminSite
from apps.users.devices import device_label
from apps.users.errors import SessionRevokeUnavailable
from apps.users.models import User, UserSession
from scholarnet.audit import staff_action_record

# The one admin site becomes django-otp's when ADMIN_REQUIRE_2FA is on (django-otp's documented
# way of switching the default site, so every app's registrations stay as they are).
admin.site.__class__ = ScholarNetAdminSite

# Staff changes are audited with the fields' values before and after, never these.
AUDIT_HIDDEN_FIELDS = frozenset({"password", "password1", "password2"})


def _plain(value: Any) -> Any:
    """A form value as JSON can hold it (groups and permissions as their ids)."""
    if hasattr(value, "values_list"):
        return sorted(value.values_list("pk", flat=True))
    if isinstance(value, list | tuple | set):
        return sorted(getattr(item, "pk", item) for item in value)
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def _audit(request: HttpRequest, action: str, user: User, before: dict, after: dict) -> None:
    staff_action_record(
        actor=request.user,
        action=action,
        target_type="user",
        target_id=user.pk,
        before=before,
        after=after,
    )


class UserSessionInline(admin.TabularInline):
    model = UserSession
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-id",)
    fields = (
        "sid",
        "kind",
        "device",
        "ip",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[UserSession]:
        # The latest sessions only: an old account may have thousands.
        recent = super().get_queryset(request).order_by("-id").values_list("id", flat=True)[:20]
        return UserSession.objects.filter(id__in=list(recent)).order_by("-id")

    @admin.display(description="device")
    def device(self, session: UserSession) -> str:
        return device_label(session.user_agent)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("-id",)
    list_display = ("id", "email", "phone", "nickname", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("=id", "email", "phone", "nickname")
    show_full_result_count = False
    readonly_fields = ("date_joined", "last_login", "updated_at")
    fieldsets = (
        (None, {"fields": ("email", "phone", "password")}),
        ("Profile", {"fields": ("nickname", "avatar_url", "about", "birthday")}),
        ("WeChat", {"fields": ("wechat_union_id", "wechat_open_id")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = (UserSessionInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("deactivate", "reactivate")

    @admin.action(description="Deactivate and sign out everywhere", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            with transaction.atomic():
                services.user_deactivate(user=user)
                _audit(request, "user_deactivate", user, {"is_active": True}, {"is_active": False})
        self.message_user(request, "Deactivated; their sessions no longer work.", messages.SUCCESS)

    @admin.action(description="Reactivate", permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=False):
            with transaction.atomic():
                services.user_reactivate(user=user)
                _audit(request, "user_reactivate", user, {"is_active": False}, {"is_active": True})
        self.message_user(request, "Reactivated; they can sign in again.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        switched = change and "is_active" in form.changed_data
        wanted_active = obj.is_active
        if switched:
            obj.is_active = not wanted_active  # the service makes the switch and its effects
        super().save_model(request, obj, form, change)
        if switched and wanted_active:
            services.user_reactivate(user=obj)
        elif switched:
            services.user_deactivate(user=obj)
        elif change:
            services.user_changed_notify(user=obj)
        fields = [name for name in form.changed_data if name not in AUDIT_HIDDEN_FIELDS]
        before = {name: _plain(form.initial.get(name)) for name in fields}
        after = {name: _plain(form.cleaned_data.get(name)) for name in fields}
        _audit(request, "user_change" if change else "user_add", obj, before, after)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = (
        "sid",
        "user",
        "kind",
        "device",
        "ip",
        "last_seen_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("kind", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("user",)
    search_fields = ("=sid", "user__email", "user__phone", "=ip")
    show_full_result_count = False
    ordering = ("-id",)
    raw_id_fields = ("user",)
    readonly_fields = (
        "sid",
        "user",
        "kind",
        "user_agent",
        "ip",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "refresh_generation",
    )
    actions = ("revoke",)

    @admin.display(description="device")
    def device(self, session: UserSession) -> str:
        return device_label(session.user_agent)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke (sign out)", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[UserSession]) -> None:
        try:
            for session in queryset.filter(revoked_at__isnull=True).select_related("user"):
                services.session_revoke(user=session.user, session_id=session.sid)
        except SessionRevokeUnavailable:
            self.message_user(request, "Redis is unavailable; try again.", messages.ERROR)
            return
        self.message_user(request, "Revoked; those sessions no longer work.", messages.SUCCESS)
