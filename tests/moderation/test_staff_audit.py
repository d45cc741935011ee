"""Staff actions in the other apps' admins land in the moderation audit log."""

from __future__ import annotations

import pytest

from apps.articles.models import PublishedArticle
from apps.comments import services as comments
from apps.moderation.models import AuditEntry
from apps.users.models import User
from tests.articles.factories import published_article
from tests.moderation.conftest import signed_in_client
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def _entries() -> list[tuple]:
    rows = AuditEntry.objects.order_by("pk")
    return [(e.action, e.target_type, e.target_id, e.reason, e.before, e.after) for e in rows]


def test_take_down_and_restore_in_the_articles_admin_are_audited(admin_client, admin_user):
    article = published_article()
    live = "/admin/articles/publishedarticle/"

    admin_client.post(
        live,
        {"action": "take_down", "_selected_action": [article.pk], "apply": "yes", "reason": "Spam"},
    )
    admin_client.post(live, {"action": "restore", "_selected_action": [article.pk]})

    assert PublishedArticle.objects.get(pk=article.pk).taken_down_at is None
    pk = str(article.pk)
    assert _entries() == [
        (
            "article_take_down",
            "article",
            pk,
            "Spam",
            {"taken_down": False},
            {"taken_down": True, "take_down_reason": "Spam"},
        ),
        ("article_restore", "article", pk, "", {"taken_down": True}, {"taken_down": False}),
    ]
    assert set(AuditEntry.objects.values_list("actor_id", flat=True)) == {admin_user.pk}


def test_deactivation_and_profile_edits_in_the_users_admin_are_audited(admin_client):
    user = UserFactory(nickname="Old name")
    users = "/admin/users/user/"

    admin_client.post(users, {"action": "deactivate", "_selected_action": [user.pk]})
    page = admin_client.get(f"{users}{user.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data |= {
        "nickname": "New name",
        "is_active": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    for prefix in ("sessions",):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_client.post(f"{users}{user.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(pk=user.pk).is_active is False
    actions = [entry[0] for entry in _entries()]
    assert actions[0] == "user_deactivate"
    assert _entries()[0][4:] == ({"is_active": True}, {"is_active": False})
    assert User.objects.get(pk=user.pk).nickname == "New name"
    change = _entries()[-1]
    assert change[0] == "user_change"
    assert (change[4]["nickname"], change[5]["nickname"]) == ("Old name", "New name")
    assert "password" not in change[4]


def test_a_moderator_deleting_someone_elses_comment_through_the_api_is_audited(
    reader_client, reader, article
):
    own = comments.comment_create(user=reader, article_id=article.pk, content="Mine")
    theirs = comments.comment_create(user=reader, article_id=article.pk, content="Rude words")
    staff = UserFactory(is_staff=True)

    assert reader_client.delete(f"/api/v1/comments/{own.pk}").status_code == 204
    assert AuditEntry.objects.count() == 0  # an author deleting their own is no staff action
    response = signed_in_client(staff).delete(f"/api/v1/comments/{theirs.pk}")

    assert response.status_code == 204
    [entry] = AuditEntry.objects.all()
    assert (entry.actor_id, entry.action, entry.target_id) == (
        staff.pk,
        "comment_delete",
        str(theirs.pk),
    )
    assert entry.before == {"author_id": reader.pk, "content": "Rude words", "ids": [theirs.pk]}
    assert entry.after == {"exists": False}


def test_take_down_and_restore_in_the_articles_admin_tell_the_author_why(admin_client, admin_user):
    from apps.notifications.models import Notification
    from scholarnet.events.envelope import Event
    from scholarnet.events.models import OutboxEvent
    from scholarnet.events.transports import LocalTransport

    article = published_article()
    live = "/admin/articles/publishedarticle/"

    admin_client.post(
        live,
        {"action": "take_down", "_selected_action": [article.pk], "apply": "yes", "reason": "Spam"},
    )
    admin_client.post(live, {"action": "restore", "_selected_action": [article.pk]})
    rows = OutboxEvent.objects.filter(type="moderation.action").order_by("id")
    LocalTransport().send([Event.from_outbox(row) for row in rows])

    payloads = [row.payload for row in rows]
    assert [(p["action"], p["author_id"], p["reason"]) for p in payloads] == [
        ("take_down", article.author_id, "Spam"),
        ("restore", article.author_id, ""),
    ]
    notices = Notification.objects.filter(recipient_id=article.author_id, kind="moderation")
    assert sorted(n.preview for n in notices) == ["restore: ", "take down: Spam"]
