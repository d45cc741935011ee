"""The "Moderators" group: staff in it may work the queue.

``manage.py moderators_group`` creates or completes it (idempotent; run it after migrating).
The ``moderation.moderate`` permission is what the services check, so a superuser, or staff
granted the permission another way, may moderate too.
"""

from __future__ import annotations

from typing import Any

MODERATORS_GROUP = "Moderators"
MODERATOR_PERMISSIONS = (
    "moderate",
    "view_reportedtarget",
    "view_report",
    "view_suspension",
    "view_trustlevel",
    "view_auditentry",
)


def moderators_group_ensure() -> Any:
    """The group with its permissions, created or completed; idempotent."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="moderation", codename__in=MODERATOR_PERMISSIONS
    )
    group.permissions.add(*permissions)
    return group
