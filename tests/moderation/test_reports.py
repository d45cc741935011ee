"""POST /api/v1/reports: who may report what, one open report per reporter and target."""

from __future__ import annotations

import pytest

from apps.articles import services as articles
from apps.moderation import services
from apps.moderation.models import Report, ReportedTarget, ReportStatus, TargetState
from apps.users import services as users
from tests.moderation.conftest import moderation_rows, moderator_make, report, signed_in_client
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_report_is_filed_and_queued(reader_client, reader, article, author):
    response = report(reader_client, "article", article.pk, "plagiarism", note=" Copied. ")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: v for k, v in body.items() if k != "created_at"} == {
        "id": Report.objects.get().pk,
        "target_type": "article",
        "target_id": article.pk,
        "reason": "plagiarism",
        "note": "Copied.",
        "status": "open",
    }
    target = ReportedTarget.objects.get()
    assert (target.target_type, target.target_id, target.author_id) == (
        "article",
        article.pk,
        author.pk,
    )
    assert (target.open_count, target.report_count, target.state) == (1, 1, TargetState.OPEN)
    assert Report.objects.get().reporter_id == reader.pk


def test_reports_of_one_target_are_grouped_and_counted(reader_client, article, comment, author):
    other = UserFactory()

    assert report(reader_client, "article", article.pk).status_code == 201
    assert report(signed_in_client(other), "article", article.pk, "other").status_code == 201
    assert report(reader_client, "comment", comment.pk).status_code == 201
    assert report(reader_client, "user", author.pk, "harassment").status_code == 201

    rows = ReportedTarget.objects.order_by("pk").values_list(
        "target_type", "target_id", "open_count", "author_id"
    )
    assert list(rows) == [
        ("article", article.pk, 2, author.pk),
        ("comment", comment.pk, 1, author.pk),
        ("user", author.pk, 1, author.pk),
    ]


def test_a_second_open_report_is_409_and_changes_nothing(reader_client, article):
    first = report(reader_client, "article", article.pk).json()
    before = moderation_rows()

    response = report(reader_client, "article", article.pk, "other")

    assert response.status_code == 409
    assert response.json()["code"] == "already_reported"
    assert response.json()["extra"] == {"report_id": first["id"]}
    assert moderation_rows() == before


def test_after_the_report_was_handled_the_reader_may_report_again(reader_client, article):
    report(reader_client, "article", article.pk)
    target = ReportedTarget.objects.get()
    services.report_dismiss(moderator=moderator_make(), target_id=target.pk, reason="fine")

    response = report(reader_client, "article", article.pk)

    assert response.status_code == 201
    assert list(Report.objects.order_by("pk").values_list("status", flat=True)) == [
        ReportStatus.DISMISSED,
        ReportStatus.OPEN,
    ]
    target.refresh_from_db()
    assert (target.open_count, target.report_count, target.state) == (1, 2, TargetState.OPEN)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_type": "post", "target_id": 1, "reason": "spam"}, "target_type"),
        ({"target_type": "article", "target_id": 1, "reason": "rude"}, "reason"),
        ({"target_type": "article", "target_id": 0, "reason": "spam"}, "target_id"),
        ({"target_type": "article", "target_id": "x", "reason": "spam"}, "target_id"),
        ({"target_type": "article", "reason": "spam"}, "target_id"),
        ({"target_type": "article", "target_id": 1}, "reason"),
        ({"target_type": "article", "target_id": 1, "reason": "spam", "note": "n" * 2001}, "note"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(reader_client, article, body, field):
    if body.get("target_id") == 1:
        body = {**body, "target_id": article.pk}
    before = moderation_rows()

    response = reader_client.post("/api/v1/reports", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["extra"]["fields"]) == [field]
    assert moderation_rows() == before


def test_what_the_reporter_cannot_see_is_404(reader_client, author, article, comment):
    hidden = UserFactory()
    users.user_deactivate(user=hidden)
    articles.article_withdraw(article_id=article.pk, author=author)
    before = moderation_rows()

    for target_type, target_id in [
        ("article", article.pk),  # private now
        ("comment", comment.pk),  # on a private article
        ("user", hidden.pk),  # closed account
        ("article", 987654321),
        ("comment", 987654321),
        ("user", 987654321),
    ]:
        response = report(reader_client, target_type, target_id)
        assert response.status_code == 404, (target_type, target_id)
        assert response.json()["code"] == "report_target_not_found"
    assert moderation_rows() == before


def test_own_content_cannot_be_reported(author_client, author, article, comment):
    before = moderation_rows()
    for target_type, target_id in [
        ("article", article.pk),
        ("comment", comment.pk),
        ("user", author.pk),
    ]:
        response = report(author_client, target_type, target_id)
        assert response.status_code == 400
        assert response.json()["code"] == "cannot_report_own"
    assert moderation_rows() == before


def test_anonymous_is_401(anonymous_client, article):
    before = moderation_rows()
    response = report(anonymous_client, "article", article.pk)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert moderation_rows() == before


def test_reports_are_rate_limited(settings, reader_client, article, comment, author):
    settings.RATELIMIT_REPORT = "2/60s"
    assert report(reader_client, "article", article.pk).status_code == 201
    assert report(reader_client, "comment", comment.pk).status_code == 201
    before = moderation_rows()

    response = report(reader_client, "user", author.pk)

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert moderation_rows() == before
