from __future__ import annotations

from typing import Any

import orjson
import pytest

from apps.articles import services
from apps.articles.citations import (
    CitationData,
    bibtex_escape,
    bibtex_title,
    citation_key,
    to_bibtex,
)
from tests.articles.conftest import ARTICLES
from tests.articles.crossref_stub import WORK
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def cite(client, article_id: int, fmt: str | None = None):
    query = "" if fmt is None else f"?format={fmt}"
    return client.get(f"{ARTICLES}/{article_id}/cite{query}")


def data(**fields) -> CitationData:
    defaults = {
        "id": 7,
        "title": "The Theory",
        "authors": [{"family": "Gödel", "given": "Kurt"}],
        "year": 1931,
        "venue": "",
        "doi": "",
        "url": "https://scholarnet.test/articles/7",
        "abstract": "",
    }
    return CitationData(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("50% & more_#1", r"50\% \& more\_\#1"),
        ("{braces} $5", r"\{braces\} \$5"),
        ("a\\b ~ ^", r"a\textbackslash{}b \textasciitilde{} \textasciicircum{}"),
        ("two\n  lines", "two lines"),
    ],
)
def test_bibtex_special_characters_are_escaped(text, escaped):
    assert bibtex_escape(text) == escaped


@pytest.mark.parametrize(
    ("title", "written"),
    [
        ("Energy $E = mc^2$ & mass", r"Energy $E = mc^2$ \& mass"),
        ("Sets $\\{x_1\\}$ of 100%", r"Sets $\{x_1\}$ of 100\%"),
        # Unbalanced braces in math would end the field early: escaped as text instead.
        ("Bad $x}$ math", r"Bad \$x\}\$ math"),
        ("Trailing $x\\$ slash", r"Trailing \$x\textbackslash{}\$ slash"),
        ("Costs $5 and $6", r"Costs $5 and $6"),
    ],
)
def test_titles_keep_balanced_math_and_escape_the_rest(title, written):
    assert bibtex_title(title) == written


def test_the_key_is_author_year_first_word_and_id():
    assert citation_key(data()) == "godel1931theory-7"
    assert citation_key(data(title="On $x^2$ numbers")) == "godel1931numbers-7"
    assert citation_key(data(authors=[{"literal": "李雷"}], title="图")) == "anon1931-7"
    assert citation_key(data(authors=[{"literal": "Ada Lovelace"}])) == "lovelace1931theory-7"


def test_a_bibtex_entry_has_braced_escaped_fields():
    entry = to_bibtex(
        data(
            title="A {Bad} } title",
            venue="J. of A & B",
            doi="10.5555/x_y",
            authors=[{"family": "O}Brien", "given": "P."}, {"family": "Smith", "given": ""}],
        )
    )

    assert entry == (
        "@article{obrien1931bad-7,\n"
        "  title = {{A \\{Bad\\} \\} title}},\n"
        "  author = {O\\}Brien, P. and Smith},\n"
        "  year = {1931},\n"
        "  journal = {J. of A \\& B},\n"
        "  doi = {10.5555/x\\_y},\n"
        "  url = {https://scholarnet.test/articles/7}\n"
        "}\n"
    )
    assert entry.count("{") - entry.count("\\{") == entry.count("}") - entry.count("\\}")


def test_bibtex_of_an_article_written_here(author, anonymous_client):
    article = published_article(author=author, title="Spectral 100% graphs")

    response = cite(anonymous_client, article.pk)

    assert article.published_at is not None
    year = article.published_at.year
    key = f"ada{year}spectral-{article.pk}"
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{key}.bib"'
    assert response.content.decode() == (
        f"@misc{{{key},\n"
        "  title = {{Spectral 100\\% graphs}},\n"
        "  author = {{Ada}},\n"
        f"  year = {{{year}}},\n"
        "  howpublished = {ScholarNet},\n"
        f"  url = {{http://testserver/a/{article.pk}/}}\n"
        "}\n"
    )


def test_an_imported_work_is_cited_with_its_own_authors_year_and_venue(
    author, author_client, anonymous_client, crossref
):
    crossref.works["10.1103/physrevlett.116.061102"] = WORK
    draft = author_client.post(
        f"{ARTICLES}/doi-import", {"doi": "10.1103/physrevlett.116.061102"}
    ).json()
    services.article_publish(article_id=draft["id"], author=author)

    bibtex = cite(anonymous_client, draft["id"], "bibtex").content.decode()
    ris = cite(anonymous_client, draft["id"], "ris")
    csl = cite(anonymous_client, draft["id"], "csl-json")

    key = f"abbott2016observation-{draft['id']}"
    assert bibtex.startswith(f"@article{{{key},\n")
    assert (
        "  author = {Abbott, B. P. and Abbott, R. and LIGO Scientific Collaboration},\n" in bibtex
    )
    assert "  journal = {Physical Review Letters},\n" in bibtex
    assert "  doi = {10.1103/physrevlett.116.061102},\n" in bibtex
    assert ris["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert ris["Content-Disposition"] == f'attachment; filename="{key}.ris"'
    lines = ris.content.decode().split("\r\n")
    assert lines[:5] == [
        "TY  - JOUR",
        f"ID  - {key}",
        "TI  - Observation of Gravitational Waves from a Binary Black Hole Merger",
        "AU  - Abbott, B. P.",
        "AU  - Abbott, R.",
    ]
    assert "PY  - 2016" in lines
    assert "JO  - Physical Review Letters" in lines
    assert "DO  - 10.1103/physrevlett.116.061102" in lines
    assert lines[-2:] == ["ER  - ", ""]
    assert csl["Content-Type"] == "application/vnd.citationstyles.csl+json"
    assert csl["Content-Disposition"] == f'attachment; filename="{key}.json"'
    [item] = orjson.loads(csl.content)
    assert item["id"] == key
    assert item["type"] == "article-journal"
    assert item["author"][0] == {"family": "Abbott", "given": "B. P."}
    assert item["issued"] == {"date-parts": [[2016]]}
    assert item["container-title"] == "Physical Review Letters"
    assert item["DOI"] == "10.1103/physrevlett.116.061102"


def test_ris_values_stay_on_one_line(author, anonymous_client):
    article = published_article(author=author, title="Line\r\nbreak\nin title")

    lines = cite(anonymous_client, article.pk, "ris").content.decode().split("\r\n")

    assert "TI  - Line break in title" in lines


def test_the_key_is_stable(author, anonymous_client, django_capture_on_commit_callbacks):
    article = published_article(author=author, title="Stable keys")
    first = cite(anonymous_client, article.pk)["Content-Disposition"]
    services.article_draft_update(article_id=article.pk, author=author, data={"content": "New."})
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article_id=article.pk, author=author)

    assert cite(anonymous_client, article.pk)["Content-Disposition"] == first


@pytest.mark.parametrize("fmt", ["bib", "html", "", "json"])
def test_an_unknown_format_is_400(author, anonymous_client, fmt):
    article = published_article(author=author)

    response = cite(anonymous_client, article.pk, fmt)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "citation_format_invalid"


def test_citations_are_visible_exactly_as_the_detail(
    author, author_client, reader_client, anonymous_client, django_capture_on_commit_callbacks
):
    article = published_article(author=author)
    draft = services.article_create(author=author, title="Draft", content="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_withdraw(article_id=article.pk, author=author)

    assert cite(anonymous_client, article.pk).status_code == 404
    assert cite(reader_client, article.pk).status_code == 404
    assert cite(author_client, article.pk).status_code == 200
    assert cite(author_client, draft.pk).status_code == 404
    assert cite(anonymous_client, 999999, "ris").status_code == 404
    assert cite(anonymous_client, 999999, "ris").json()["code"] == "not_found"


def test_a_closed_account_is_cited_by_its_id(anonymous_client):
    author: Any = UserFactory(nickname="")
    article = published_article(author=author)

    response = cite(anonymous_client, article.pk)

    assert response.status_code == 200
    assert f"  author = {{{{user {author.pk}}}}},\n" in response.content.decode()
