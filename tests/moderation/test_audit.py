"""The audit log is append-only: the model and the admin refuse every change and deletion."""

from __future__ import annotations

import pytest

from apps.moderation.models import AuditEntry, AuditRefused
from apps.moderation.services import audit_record
from tests.moderation.conftest import moderator_make

pytestmark = pytest.mark.django_db

AUDIT = "/admin/moderation/auditentry/"


@pytest.fixture
def entry(moderator):
    return audit_record(
        actor=moderator,
        action="take_down",
        target_type="article",
        target_id=7,
        reason="spam",
        before={"taken_down": False},
        after={"taken_down": True},
    )


def test_an_entry_records_who_what_why_and_the_states(entry, moderator):
    stored = AuditEntry.objects.get()
    assert (stored.actor_id, stored.action, stored.target_type, stored.target_id) == (
        moderator.pk,
        "take_down",
        "article",
        "7",
    )
    assert (stored.reason, stored.before, stored.after) == (
        "spam",
        {"taken_down": False},
        {"taken_down": True},
    )


def test_the_model_refuses_updates_and_deletes(entry):
    entry.reason = "changed"
    with pytest.raises(AuditRefused):
        entry.save()
    with pytest.raises(AuditRefused):
        entry.delete()
    with pytest.raises(AuditRefused):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(AuditRefused):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().reason == "spam"


def test_the_admin_shows_entries_and_allows_no_change(moderator_client, entry, admin_client):
    assert moderator_client.get(AUDIT).status_code == 200
    assert moderator_client.get(f"{AUDIT}{entry.pk}/change/").status_code == 200  # view only
    for client in (moderator_client, admin_client):  # a superuser neither
        assert client.post(f"{AUDIT}{entry.pk}/change/", {"reason": "x"}).status_code == 403
        assert client.post(f"{AUDIT}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.get(f"{AUDIT}add/").status_code == 403
    assert AuditEntry.objects.get().reason == "spam"


def test_a_moderator_is_in_the_group_with_view_rights():
    user = moderator_make()
    assert user.has_perm("moderation.view_auditentry")
    assert not user.has_perm("moderation.change_auditentry")
