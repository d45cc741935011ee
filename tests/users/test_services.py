import io

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django_redis import get_redis_connection

from apps.users import revocation, services
from apps.users.errors import UserInactive
from apps.users.models import User, UserSession
from apps.users.tokens import access_token_decode
from scholarnet.events.models import OutboxEvent
from tests.users.factories import UserFactory, UserSessionFactory

pytestmark = pytest.mark.django_db


def http_request() -> HttpRequest:
    request = HttpRequest()
    request.META = {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "WeChat-Desktop/3.9"}
    return request


def test_wechat_creates_the_user_once_per_union_id():
    first = services.user_get_or_create_by_wechat(
        union_id="u-1", open_id="o-1", nickname="Lin", avatar_url="https://thirdwx.qlogo.cn/a/0"
    )
    again = services.user_get_or_create_by_wechat(union_id="u-1", open_id="o-other")

    assert again == first
    assert (first.wechat_union_id, first.wechat_open_id, first.nickname, first.avatar_url) == (
        "u-1",
        "o-1",
        "Lin",
        "https://thirdwx.qlogo.cn/a/0",
    )
    assert first.email is None
    assert first.has_usable_password() is False
    assert User.objects.count() == 1
    assert OutboxEvent.objects.filter(type="user.changed").count() == 1


def test_wechat_without_union_id_matches_the_open_id_and_links_a_later_union_id():
    user = services.user_get_or_create_by_wechat(union_id=None, open_id="o-2")

    linked = services.user_get_or_create_by_wechat(union_id="u-2", open_id="o-2")

    assert linked == user
    user.refresh_from_db()
    assert user.wechat_union_id == "u-2"


def test_wechat_drops_an_avatar_that_is_not_a_url():
    user = services.user_get_or_create_by_wechat(union_id="u-3", open_id="o-3", avatar_url="x y")

    assert user.avatar_url == ""


def test_wechat_insert_race_fetches_the_winner(monkeypatch):
    winner = UserFactory(email=None, wechat_union_id="u-4", wechat_open_id="o-4")
    # The lookup ran before the winner committed: it saw nothing, so the insert collides.
    monkeypatch.setattr(services, "_user_by_wechat", lambda **kwargs: None)

    user = services.user_get_or_create_by_wechat(union_id="u-4", open_id="o-4")

    assert user == winner
    assert User.objects.count() == 1


def test_phone_insert_race_fetches_the_winner(monkeypatch):
    winner = UserFactory(email=None, phone="+8613800138001")
    real_filter = User.objects.filter
    calls = []

    def first_lookup_misses(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            return real_filter(pk=-1)
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(User.objects, "filter", first_lookup_misses)

    user = services.user_get_or_create_by_phone(phone="+8613800138001")

    assert user == winner
    assert real_filter(phone="+8613800138001").count() == 1


def test_session_start_records_the_device_and_issues_tokens_for_it(user):
    issued = services.session_start(user=user, request=http_request())

    session = UserSession.objects.get()
    assert issued.session == session
    assert (session.user_agent, session.ip, session.kind) == (
        "WeChat-Desktop/3.9",
        "203.0.113.9",
        "jwt",
    )
    assert access_token_decode(issued.access)["sid"] == str(session.sid)


def test_session_start_refuses_a_deactivated_user():
    gone = UserFactory(is_active=False)

    with pytest.raises(UserInactive):
        services.session_start(user=gone, request=http_request())

    assert UserSession.objects.count() == 0


def test_deactivate_revokes_every_session_and_reactivate_does_not_restore_them(user):
    sessions = UserSessionFactory.create_batch(2, user=user)

    services.user_deactivate(user=user)
    services.user_reactivate(user=user)

    user.refresh_from_db()
    assert user.is_active is True
    connection = get_redis_connection("default")
    for session in sessions:
        session.refresh_from_db()
        assert session.revoked_at is not None
        assert connection.exists(revocation.revoked_key(str(session.sid))) == 1
    changes = list(
        OutboxEvent.objects.filter(type="user.changed")
        .order_by("id")
        .values_list("payload__change", flat=True)
    )
    assert changes == ["deactivated", "reactivated"]


def test_resync_rewrites_lost_revocation_markers(user):
    revoked = UserSessionFactory(user=user)
    live = UserSessionFactory(user=user)
    services.session_revoke(user=user, session_id=revoked.sid)
    connection = get_redis_connection("default")
    connection.flushdb()  # Redis lost its data

    output = io.StringIO()
    call_command("users_resync_revocations", stdout=output)

    assert output.getvalue() == "Revoked sessions written to Redis: 1\n"

    assert connection.exists(revocation.revoked_key(str(revoked.sid))) == 1
    assert connection.exists(revocation.revoked_key(str(live.sid))) == 0
