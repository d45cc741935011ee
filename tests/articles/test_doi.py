from __future__ import annotations

import httpx2
import pytest

from apps.articles import services
from apps.articles.doi import doi_normalise
from apps.articles.errors import DoiInvalid
from apps.articles.models import Article, PublishedArticle
from tests.articles.conftest import ARTICLES
from tests.articles.crossref_stub import WORK
from tests.articles.factories import published_article

pytestmark = pytest.mark.django_db

IMPORT = f"{ARTICLES}/doi-import"
DOI = "10.1103/physrevlett.116.061102"


@pytest.mark.parametrize(
    "raw",
    [
        "10.1103/PhysRevLett.116.061102",
        "  https://doi.org/10.1103/PHYSREVLETT.116.061102 ",
        "doi:10.1103/physrevlett.116.061102",
        "http://dx.doi.org/10.1103/physrevlett.116.061102",
    ],
)
def test_dois_are_normalised_to_one_form(raw):
    assert doi_normalise(raw) == DOI


@pytest.mark.parametrize(
    "raw",
    ["", "10.12/x", "11.1234/x", "10.1234", "10.1234/", "10.1234/a b", "10.1234/é", "x" * 300],
)
def test_malformed_dois_are_refused(raw):
    with pytest.raises(DoiInvalid):
        doi_normalise(raw)


def test_create_and_edit_set_the_doi_normalised(author, author_client):
    created = author_client.post(
        ARTICLES, {"title": "T", "content": "x", "doi": "https://doi.org/10.5555/ABC.1"}
    )
    assert created.status_code == 201
    assert created.json()["doi"] == "10.5555/abc.1"

    article_id = created.json()["id"]
    edited = author_client.patch(f"{ARTICLES}/{article_id}/draft", {"doi": "10.5555/Other"})
    assert edited.json()["doi"] == "10.5555/other"
    assert edited.json()["version"] == 2

    cleared = author_client.patch(f"{ARTICLES}/{article_id}/draft", {"doi": ""})
    assert cleared.json()["doi"] is None
    assert Article.objects.get().doi is None


def test_a_bad_doi_is_400_doi_invalid(author_client):
    response = author_client.post(ARTICLES, {"title": "T", "content": "x", "doi": "10.1/x"})

    assert response.status_code == 400
    assert response.json()["code"] == "doi_invalid"
    assert "doi" in response.json()["extra"]["fields"]
    assert not Article.objects.exists()


def test_a_doi_of_another_article_is_400_doi_taken(author, author_client, reader_client):
    services.article_create(author=author, title="First", content="x", doi="10.5555/same")

    created = reader_client.post(ARTICLES, {"title": "T", "content": "x", "doi": "10.5555/SAME"})
    mine = author_client.post(ARTICLES, {"title": "Second", "content": "x"}).json()
    edited = author_client.patch(f"{ARTICLES}/{mine['id']}/draft", {"doi": "doi:10.5555/same"})

    assert (created.status_code, created.json()["code"]) == (400, "doi_taken")
    assert (edited.status_code, edited.json()["code"]) == (400, "doi_taken")
    assert Article.objects.filter(doi="10.5555/same").count() == 1


def test_setting_the_same_doi_again_is_no_change(author, author_client):
    article = services.article_create(author=author, title="T", content="x", doi="10.5555/a")

    response = author_client.patch(f"{ARTICLES}/{article.pk}/draft", {"doi": "10.5555/A"})

    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_the_detail_shows_the_published_doi(
    author, anonymous_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    assert anonymous_client.get(f"{ARTICLES}/{article.pk}").json()["doi"] is None

    services.article_draft_update(article_id=article.pk, author=author, data={"doi": "10.5555/z"})
    assert anonymous_client.get(f"{ARTICLES}/{article.pk}").json()["doi"] is None  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article_id=article.pk, author=author)

    assert anonymous_client.get(f"{ARTICLES}/{article.pk}").json()["doi"] == "10.5555/z"
    assert PublishedArticle.objects.get().doi == "10.5555/z"


# --- import ------------------------------------------------------------------------------------


def test_import_creates_a_draft_from_crossref(author, author_client, crossref):
    crossref.works[DOI] = WORK

    response = author_client.post(IMPORT, {"doi": "https://doi.org/10.1103/PhysRevLett.116.061102"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["doi"] == DOI
    assert body["title"] == "Observation of Gravitational Waves from a Binary Black Hole Merger"
    assert body["author"]["id"] == author.pk
    abstract = (
        "On September 14, 2015 at 09:50:45 UTC the two detectors simultaneously observed a "
        "signal & more .\n\nSecond paragraph."
    )
    assert body["abstract_input"] == abstract
    assert body["content"] == abstract
    article = Article.objects.get()
    assert article.source_meta == {
        "authors": [
            {"family": "Abbott", "given": "B. P."},
            {"family": "Abbott", "given": "R."},
            {"family": "LIGO Scientific Collaboration", "given": ""},
        ],
        "year": 2016,
        "venue": "Physical Review Letters",
    }
    [request] = crossref.requests
    assert str(request.url).startswith("https://crossref.test/works/10.1103/physrevlett.116.061102")


def test_import_strips_markup_even_when_it_is_not_jats(author_client, crossref):
    crossref.works["10.5555/xss"] = {
        "title": ['<img src=x onerror="alert(1)">Title &lt;b&gt;'],
        "abstract": "<p onclick='x'>Hi <b>there</b></p><style>p{}</style><iframe>no</iframe>",
    }

    body = author_client.post(IMPORT, {"doi": "10.5555/xss"}).json()

    assert body["title"] == "Title <b>"  # as text: the pages escape it like any title
    assert "<" not in body["abstract_input"]
    assert "onclick" not in body["abstract_input"]
    assert body["abstract_input"].startswith("Hi there")


def test_an_unknown_doi_is_404_doi_not_found(author_client, crossref):
    response = author_client.post(IMPORT, {"doi": "10.5555/nothing"})

    assert response.status_code == 404
    assert response.json()["code"] == "doi_not_found"
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "failure",
    [httpx2.ConnectError("refused"), httpx2.ReadTimeout("slow"), None],
    ids=["unreachable", "timeout", "server-error"],
)
def test_an_unreachable_registry_is_503(author_client, crossref, failure):
    crossref.works[DOI] = WORK
    if failure is None:
        crossref.status = 502
    else:
        crossref.fail = failure

    response = author_client.post(IMPORT, {"doi": DOI})

    assert response.status_code == 503
    assert response.json()["code"] == "doi_registry_unavailable"
    assert not Article.objects.exists()


def test_importing_a_doi_an_article_has_is_409(author, author_client, reader_client, crossref):
    crossref.works[DOI] = WORK
    assert author_client.post(IMPORT, {"doi": DOI}).status_code == 201

    again = reader_client.post(IMPORT, {"doi": DOI.upper()})

    assert again.status_code == 409
    assert again.json()["code"] == "doi_already_imported"
    assert len(crossref.requests) == 1  # refused before asking the registry
    assert Article.objects.count() == 1


def test_an_import_losing_the_race_is_409(author, crossref, monkeypatch):
    crossref.works[DOI] = WORK
    from apps.articles import crossref as crossref_module

    real = crossref_module.crossref_work

    def slow(doi):  # another import of the same DOI commits while this one asks Crossref
        work = real(doi)
        services.article_create(author=author, title="Other", content="x", doi=doi)
        return work

    monkeypatch.setattr(services, "crossref_work", slow)
    with pytest.raises(services.DoiAlreadyImported):
        services.article_doi_import(author=author, doi=DOI)


def test_a_malformed_import_doi_is_400(author_client, crossref):
    response = author_client.post(IMPORT, {"doi": "not a doi"})

    assert (response.status_code, response.json()["code"]) == (400, "doi_invalid")
    assert crossref.requests == []


def test_import_needs_a_signed_in_user(anonymous_client, crossref):
    assert anonymous_client.post(IMPORT, {"doi": DOI}).status_code == 401


def test_imports_are_rate_limited_per_user(author_client, reader_client, crossref, settings):
    settings.RATELIMIT_ARTICLE_DOI_IMPORT = "2/60s"

    codes = [author_client.post(IMPORT, {"doi": f"10.5555/n{n}"}).status_code for n in range(3)]
    other = reader_client.post(IMPORT, {"doi": "10.5555/n9"})

    assert codes == [404, 404, 429]
    assert other.status_code == 404


def test_a_doi_with_url_characters_reaches_crossref_whole(author_client, crossref):
    doi = "10.1002/(sici)1097-4636?x#y%z"
    crossref.works[doi] = {"title": ["Odd suffix"]}

    response = author_client.post(IMPORT, {"doi": doi})

    assert response.status_code == 201
    assert response.json()["doi"] == doi
    [request] = crossref.requests
    assert request.url.query == b""
