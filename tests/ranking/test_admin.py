"""The ranking admin: each article's score explained, and a recompute for staff allowed to."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from apps.ranking.models import HotList
from tests.ranking.conftest import live_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

SCORES = "/admin/ranking/articlescore/"
LISTS = "/admin/ranking/hotlist/"


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_article_page_explains_the_score(superuser, author, settings):
    settings.RANKING_COLLECT_WEIGHT = 2.0
    now = timezone.now()
    article_id = live_article(author=author, hours_ago=2, likes=7, collect_count=3, now=now)

    with time_machine.travel(now, tick=False):
        page = admin_client(superuser).get(f"{SCORES}{article_id}/change/").content.decode()

    assert "<td>like_count</td><td>7</td><td>x 1.0</td><td>= 7.0</td>" in page
    assert "<td>collect_count</td><td>3</td><td>x 2.0</td><td>= 6.0</td>" in page
    assert "(13.0 - 1.0) / (2.00 h + 2.0) ^ 1.5 = <strong>1.500000</strong>" in page
    assert "not ranked" in page


def test_staff_with_the_permission_recompute_from_the_admin(superuser, author):
    article_id = live_article(author=author, hours_ago=1, likes=3)

    response = admin_client(superuser).post(
        SCORES, {"action": "recompute", "_selected_action": [article_id]}, follow=True
    )

    assert "Hot list recomputed: 1 of 1 articles kept." in response.content.decode()
    assert HotList.objects.get().entries[0][0] == article_id


def test_staff_without_the_permission_cannot_recompute(author):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_articlescore"))
    article_id = live_article(author=author, hours_ago=1, likes=3)
    client = admin_client(viewer)

    assert client.get(SCORES).status_code == 200
    assert 'value="recompute"' not in client.get(SCORES).content.decode()
    client.post(SCORES, {"action": "recompute", "_selected_action": [article_id]})

    assert not HotList.objects.exists()


def test_readers_are_not_let_into_the_admin(author):
    article_id = live_article(author=author, hours_ago=1, likes=3)
    client = admin_client(UserFactory())

    assert client.get(LISTS).status_code == 302
    client.post(SCORES, {"action": "recompute", "_selected_action": [article_id]})

    assert not HotList.objects.exists()


def test_the_stored_list_page_shows_the_ranking(superuser, author):
    article_id = live_article(author=author, hours_ago=1, likes=3)
    HotList.objects.create(computed_at=timezone.now(), entries=[[article_id, 0.5]], scanned=1)

    page = admin_client(superuser).get(f"{LISTS}1/change/").content.decode()

    assert f"<tr><td>1</td><td>{article_id}</td><td>0.500000</td></tr>" in page
