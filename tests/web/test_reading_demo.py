"""``manage.py demo_data``: the moderator's login once, the demo site once, then nothing new."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from apps.articles.models import PublishedArticle
from apps.comments.models import Comment
from apps.users.models import User

pytestmark = pytest.mark.django_db


def test_demo_data_creates_a_living_site_once(capsys):
    call_command("demo_data")
    first = capsys.readouterr().out
    counts = (User.objects.count(), PublishedArticle.objects.count(), Comment.objects.count())

    call_command("demo_data")
    second = capsys.readouterr().out

    assert "Demo login: admin@scholarnet.local / " in first
    assert "Demo content: 4 authors, 6 articles, 4 comments, 3 replies, 2 reviews" in first
    assert "password shown at the first start" in second
    assert "present already" in second
    assert counts == (5, 6, 11)  # 7 comments and replies, 2 reviews, a rebuttal, a question
    assert (User.objects.count(), PublishedArticle.objects.count(), Comment.objects.count()) == (
        counts
    )
    home = Client().get("/").content.decode()
    assert "Symmetry and conservation" in home
    article = PublishedArticle.objects.get(title__startswith="Symmetry")
    page = Client().get(f"/a/{article.pk}/", follow=True).content.decode()
    assert "<math" in page
    assert "Does the argument need the action to be local?" in page
    assert "Clear and correct." in page  # a typed review, its rebuttal below it
    assert "Added in spirit" in page


def test_demo_data_without_content_creates_the_moderator_only(capsys):
    call_command("demo_data", "--no-content")

    assert list(User.objects.values_list("email", flat=True)) == ["admin@scholarnet.local"]
