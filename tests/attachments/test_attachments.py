from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from storages.backends.s3 import S3Storage

from apps.articles import services as article_services
from apps.attachments.disposition import content_disposition, filename_clean
from apps.attachments.models import Attachment, attachments_storage
from apps.search.services import search_article_sync
from tests.articles.factories import ArticleFactory
from tests.attachments.pdfs import pdf_with_text

pytestmark = pytest.mark.django_db

ATTACHMENTS = "/api/v1/articles/{}/attachments"
ATTACHMENT = "/api/v1/attachments/{}"
SEARCH = "/api/v1/search"


def upload(client, article_id, content: bytes, name="paper.pdf", content_type="application/pdf"):
    # The test's transaction never commits: run the commit hooks (the extraction task, eager
    # in tests) as a real commit would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            ATTACHMENTS.format(article_id),
            {"file": SimpleUploadedFile(name, content, content_type=content_type)},
            format="multipart",
        )


def found(client, query: str) -> list[int]:
    body = client.get(SEARCH, {"q": query, "type": "article"}).json()
    return [hit["id"] for hit in body["results"]]


def test_the_author_attaches_a_pdf_whose_text_becomes_searchable(
    author_client, anonymous_client, article
):
    response = upload(author_client, article.pk, pdf_with_text("Quasicrystal zebra eigenvalues"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["filename"], body["article_id"]) == ("paper.pdf", article.pk)
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.text_status == "done"
    assert "Quasicrystal zebra eigenvalues" in attachment.text
    assert attachment.file.name.startswith(f"{article.pk}/")
    assert attachments_storage().exists(attachment.file.name)
    assert found(anonymous_client, "quasicrystal") == [article.pk]


def test_the_list_shows_the_articles_attachments(author_client, anonymous_client, article):
    first = upload(author_client, article.pk, pdf_with_text("one"), name="a.pdf").json()
    second = upload(author_client, article.pk, pdf_with_text("two"), name="b.pdf").json()

    body = anonymous_client.get(ATTACHMENTS.format(article.pk)).json()

    assert [row["id"] for row in body["results"]] == [first["id"], second["id"]]
    assert body["results"][0]["download_url"] == ATTACHMENT.format(first["id"])


def test_download_is_a_pdf_with_safe_headers(author_client, anonymous_client, article):
    content = pdf_with_text("hello")
    made = upload(author_client, article.pk, content).json()

    response = anonymous_client.get(ATTACHMENT.format(made["id"]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"paper.pdf\"; filename*=UTF-8''paper.pdf"
    )


def test_a_nasty_file_name_cannot_inject_headers_or_paths(author_client, anonymous_client, article):
    nasty = '../../etc/\u00c9 "x"; .pdf'
    made = upload(author_client, article.pk, pdf_with_text("hi"), name=nasty).json()

    response = anonymous_client.get(ATTACHMENT.format(made["id"]))

    assert response["Content-Disposition"] == (
        "attachment; filename=\"_ _x__.pdf\"; filename*=UTF-8''%C3%89%20%22x%22%3B.pdf"
    )
    stored = Attachment.objects.get(pk=made["id"])
    assert stored.filename == '\u00c9 "x";.pdf'
    assert stored.file.name.startswith(f"{article.pk}/")
    assert "etc" not in stored.file.name


def test_control_characters_never_reach_the_header():
    header = content_disposition('a"\r\nSet-Cookie: b=c\x00.pdf')

    assert header == (
        'attachment; filename="a_Set-Cookie: b=c.pdf"; '
        "filename*=UTF-8''a%22Set-Cookie%3A%20b%3Dc.pdf"
    )
    assert unquote(header.split("''")[1]) == 'a"Set-Cookie: b=c.pdf'


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\x\\thesis.PDF", "thesis.PDF"),
        ("\x00\x07.pdf", "attachment.pdf"),
        ("notes", "notes.pdf"),
        ("...pdf", "attachment.pdf"),
        ("日本語.pdf", "日本語.pdf"),
    ],
)
def test_file_names_are_cleaned(name, expected):
    assert filename_clean(name) == expected


def test_non_ascii_names_are_percent_encoded_per_rfc_6266():
    header = content_disposition("résumé 100%.pdf")
    assert header == (
        "attachment; filename=\"r_sum_ 100_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20100%25.pdf"
    )


@pytest.mark.parametrize(
    "content",
    [
        b"Just some text, not a PDF at all.",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"%PDF-1.4\nthis is not really a pdf\n%%EOF",
        b"",
    ],
)
def test_anything_but_a_real_pdf_is_415_whatever_its_name(author_client, article, content):
    response = upload(author_client, article.pk, content, name="innocent.pdf")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Attachment.objects.exists()


def test_a_truncated_pdf_is_refused(author_client, article):
    content = pdf_with_text("cut short")
    response = upload(author_client, article.pk, content[: len(content) // 3])
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


def test_an_oversized_file_is_413(author_client, article, settings):
    settings.ATTACHMENTS_MAX_BYTES = 200
    response = upload(author_client, article.pk, pdf_with_text("x" * 400))

    assert (response.status_code, response.json()["code"]) == (413, "attachment_too_large")
    assert not Attachment.objects.exists()


def test_a_body_far_beyond_the_limit_is_refused_before_it_is_read(author_client, article, settings):
    settings.ATTACHMENTS_MAX_BYTES = 10
    response = upload(author_client, article.pk, b"%PDF-" + b"0" * (70 * 1024))
    assert (response.status_code, response.json()["code"]) == (413, "attachment_too_large")


def test_a_request_without_the_file_is_400(author_client, article):
    response = author_client.post(ATTACHMENTS.format(article.pk), {}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "attachment_missing")


def test_readers_cannot_attach_to_someone_elses_article(reader_client, article):
    response = upload(reader_client, article.pk, pdf_with_text("mine"))

    assert (response.status_code, response.json()["code"]) == (403, "attachment_denied")
    assert not Attachment.objects.exists()


def test_someone_elses_draft_is_404(reader_client, author):
    draft = ArticleFactory(author=author)
    response = upload(reader_client, draft.pk, pdf_with_text("mine"))
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_anonymous_uploads_are_401(anonymous_client, article):
    response = upload(anonymous_client, article.pk, pdf_with_text("x"))
    assert response.status_code == 401
    assert not Attachment.objects.exists()


def test_attachments_of_a_withdrawn_article_are_private(
    author, author_client, reader_client, anonymous_client, article
):
    made = upload(author_client, article.pk, pdf_with_text("secret words")).json()
    article_services.article_withdraw(article_id=article.pk, author=author)

    for client in (reader_client, anonymous_client):
        assert client.get(ATTACHMENTS.format(article.pk)).status_code == 404
        response = client.get(ATTACHMENT.format(made["id"]))
        assert (response.status_code, response.json()["code"]) == (404, "attachment_not_found")
    assert author_client.get(ATTACHMENT.format(made["id"])).status_code == 200
    assert len(author_client.get(ATTACHMENTS.format(article.pk)).json()["results"]) == 1


def test_a_drafts_attachments_are_its_authors_alone(author, author_client, reader_client):
    draft = ArticleFactory(author=author)
    made = upload(author_client, draft.pk, pdf_with_text("draft words")).json()

    assert reader_client.get(ATTACHMENTS.format(draft.pk)).status_code == 404
    assert reader_client.get(ATTACHMENT.format(made["id"])).status_code == 404
    assert author_client.get(ATTACHMENT.format(made["id"])).status_code == 200


def test_the_author_deletes_an_attachment_and_its_words_leave_search(
    author_client, anonymous_client, article
):
    made = upload(author_client, article.pk, pdf_with_text("Heliotrope lattice")).json()
    name = Attachment.objects.get(pk=made["id"]).file.name
    assert found(anonymous_client, "heliotrope") == [article.pk]

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = author_client.delete(ATTACHMENT.format(made["id"]))

    assert response.status_code == 204
    assert not Attachment.objects.exists()
    assert not attachments_storage().exists(name)
    assert found(anonymous_client, "heliotrope") == []


def test_readers_cannot_delete(author_client, reader_client, article):
    made = upload(author_client, article.pk, pdf_with_text("keep")).json()

    response = reader_client.delete(ATTACHMENT.format(made["id"]))

    assert (response.status_code, response.json()["code"]) == (403, "attachment_denied")
    assert Attachment.objects.filter(pk=made["id"]).exists()


def test_extracted_text_is_cut_at_the_limit(author_client, article, settings):
    settings.ATTACHMENTS_TEXT_MAX_CHARS = 10
    made = upload(author_client, article.pk, pdf_with_text("abcdefghijklmnopqrstuvwxyz")).json()
    assert Attachment.objects.get(pk=made["id"]).text == "abcdefghij"


def test_the_search_document_carries_the_text_after_a_full_rebuild(
    author_client, anonymous_client, article
):
    upload(author_client, article.pk, pdf_with_text("Saxophone topology"))
    search_article_sync(article_id=article.pk)  # as a reindex would
    assert found(anonymous_client, "saxophone") == [article.pk]


def test_the_article_limit(author_client, article, settings):
    settings.ATTACHMENTS_PER_ARTICLE = 1
    assert upload(author_client, article.pk, pdf_with_text("one")).status_code == 201
    response = upload(author_client, article.pk, pdf_with_text("two"))
    assert (response.status_code, response.json()["code"]) == (400, "attachment_limit_reached")


@pytest.mark.parametrize("count", [1, 6])
def test_the_list_costs_the_same_whatever_its_length(
    author_client, anonymous_client, article, django_assert_max_num_queries, count
):
    for n in range(count):
        upload(author_client, article.pk, pdf_with_text(f"part {n}"))
    anonymous_client.get(ATTACHMENTS.format(article.pk))  # the detail's visibility, cached

    with django_assert_max_num_queries(1):
        body = anonymous_client.get(ATTACHMENTS.format(article.pk)).json()

    assert len(body["results"]) == count


def test_the_storage_follows_the_settings_to_an_s3_compatible_backend(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "papers", "endpoint_url": "http://127.0.0.1:9"},
        },
    }

    storage = attachments_storage()

    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "papers"  # type: ignore[attr-defined]


def test_an_articles_attachments_add_at_most_the_article_limit_to_search(
    author_client, article, settings
):
    from apps.attachments.selectors import article_attachment_texts

    settings.ATTACHMENTS_ARTICLE_TEXT_MAX_CHARS = 12
    upload(author_client, article.pk, pdf_with_text("abcdefgh"))
    upload(author_client, article.pk, pdf_with_text("ijklmnop"))

    assert article_attachment_texts(ids=[article.pk]) == {
        article.pk: {"attachment_text": "abcdefgh\nijk"}
    }
