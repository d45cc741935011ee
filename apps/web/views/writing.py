"""Writing: new article, edit with a live preview, publish / withdraw / delete, "my articles".

Every write goes through :mod:`apps.articles.services` after the API's own input serializers,
so the page refuses exactly what the API refuses, with the same messages (shown on the form, with
the error's status). Reads of the working copy go through :mod:`apps.articles.selectors`, which
scope them to the author: anyone else's article is a 404, like an id that does not exist.

The preview (``POST /write/preview``) is the server's renderer (the one publishing uses), with
the math turned into MathML by :mod:`apps.web.math` when the reading pages provide it. htmx sends
it as the author types; without JavaScript the form's "Preview" button posts the whole form to
the editor, which shows the same preview under it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from apps.articles import selectors as article_selectors
from apps.articles import services as article_services
from apps.articles.errors import ArticleNotFound, ContentTooLarge
from apps.articles.rendering import render_markdown
from apps.articles.serializers import (
    ArticleCreateInputSerializer,
    ArticleDraftUpdateInputSerializer,
)
from apps.web.views.account import SeeOther, _error_text, _errors
from scholarnet.api.errors import ApplicationError

LOGIN_URL = "/login/"
EDITOR_TEMPLATE = "web/writing/editor.html"
MY_ARTICLES_PAGE = 50


def _math_converter() -> Callable[[str], str] | None:
    """The reading pages' TeX → MathML pass over rendered HTML, if that module exists."""
    try:
        module = importlib.import_module("apps.web.math")
    except ImportError:
        return None
    function = getattr(module, "math_to_mathml", None)
    return function if callable(function) else None


def preview_html(content: str) -> SafeString:
    """The content as readers will see it once published (the renderer sanitises it)."""
    rendered = render_markdown(content)
    convert = _math_converter()
    if convert is not None:
        rendered = convert(rendered)
    return mark_safe(rendered)  # noqa: S308 - the renderer's output is sanitised by nh3


def _tags(raw: str) -> list[str]:
    return [name.strip() for name in raw.split(",") if name.strip()]


def _form_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": request.POST.get("title", ""),
        "content": request.POST.get("content", "").replace("\r\n", "\n"),
        "abstract": request.POST.get("abstract", ""),
        "tags": _tags(request.POST.get("tags", "")),
        "doi": request.POST.get("doi", ""),
    }
    return data


def _editor(
    request: HttpRequest,
    *,
    form: dict[str, Any],
    article: dict[str, Any] | None = None,
    status: int = 200,
    field_errors: dict[str, list[str]] | None = None,
    errors: list[str] | None = None,
    preview: bool = False,
) -> HttpResponse:
    context = {
        "form": form,
        "tags_text": ", ".join(form.get("tags") or []),
        "article": article,
        "field_errors": field_errors or {},
        "errors": errors or [],
        "preview": preview_html(form.get("content", "")) if preview else None,
    }
    response = render(request, EDITOR_TEMPLATE, context, status=status)
    add_never_cache_headers(response)
    return response


def _failed(request: HttpRequest, error: ApplicationError, **kwargs: Any) -> HttpResponse:
    fields = (error.extra or {}).get("fields") or {}
    flat = {name: [str(message) for message in messages] for name, messages in fields.items()}
    general = [] if flat else [_error_text(error)]
    return _editor(request, status=error.status_code, field_errors=flat, errors=general, **kwargs)


def _invalid(request: HttpRequest, serializer: Any, **kwargs: Any) -> HttpResponse:
    fields, general = _errors(serializer)
    return _editor(request, status=400, field_errors=fields, errors=general, **kwargs)


def _article_url(article_id: int, title: str) -> str:
    return f"/a/{article_id}/{slugify(title) or 'article'}/"


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def new_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        empty = {"title": "", "content": "", "abstract": "", "tags": [], "doi": ""}
        return _editor(request, form=empty)
    form = _form_data(request)
    action = request.POST.get("action", "save")
    if action == "preview":
        return _editor(request, form=form, preview=True)
    serializer = ArticleCreateInputSerializer(data=form)
    if not serializer.is_valid():
        return _invalid(request, serializer, form=form)
    try:
        article = article_services.article_create(author=request.user, **serializer.validated_data)
    except ApplicationError as error:
        return _failed(request, error, form=form)
    if action == "publish":
        try:
            article_services.article_publish(article_id=article.pk, author=request.user)
        except ApplicationError as error:
            # The draft exists now: keep editing it.
            represent = article_selectors.article_draft_represent(article=article)
            return _failed(request, error, form=form, article=represent)
        return SeeOther(_article_url(article.pk, article.title))
    return SeeOther(f"/a/{article.pk}/edit/")


def _own_draft(request: HttpRequest, article_id: int) -> Any:
    try:
        return article_selectors.article_draft_get(article_id=article_id, author=request.user)
    except ArticleNotFound:
        raise Http404("Article not found.") from None


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def edit_view(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _own_draft(request, article_id)
    represent = article_selectors.article_draft_represent(article=article)
    if request.method == "GET":
        form = {key: represent[key] for key in ("title", "content", "tags")}
        form["abstract"] = represent["abstract_input"]
        form["doi"] = represent["doi"] or ""
        return _editor(request, form=form, article=represent)
    form = _form_data(request)
    action = request.POST.get("action", "save")
    if action == "preview":
        return _editor(request, form=form, article=represent, preview=True)
    serializer = ArticleDraftUpdateInputSerializer(data=form)
    if not serializer.is_valid():
        return _invalid(request, serializer, form=form, article=represent)
    try:
        article = article_services.article_draft_update(
            article_id=article.pk, author=request.user, data=serializer.validated_data
        )
        if action == "publish":
            article_services.article_publish(article_id=article.pk, author=request.user)
    except ArticleNotFound:
        raise Http404("Article not found.") from None
    except ApplicationError as error:
        return _failed(request, error, form=form, article=represent)
    if action == "publish":
        return SeeOther(_article_url(article.pk, article.title))
    return SeeOther(f"/a/{article.pk}/edit/?saved=1")


@login_required(login_url=LOGIN_URL)
@require_POST
def preview_view(request: HttpRequest) -> HttpResponse:
    """The rendered content alone (htmx swaps it into the editor's preview pane)."""
    content = request.POST.get("content", "").replace("\r\n", "\n")
    if len(content.encode()) > settings.ARTICLE_CONTENT_MAX_BYTES:
        # What saving would refuse (413 content_too_large) is not rendered either.
        error = ContentTooLarge()
        return render(request, "web/account/_errors.html", {"errors": [error.detail]}, status=413)
    response = render(request, "web/writing/_preview.html", {"preview": preview_html(content)})
    add_never_cache_headers(response)
    return response


def _article_action(
    request: HttpRequest, article_id: int, action: Callable[..., Any]
) -> HttpResponse:
    try:
        action(article_id=article_id, author=request.user)
    except ArticleNotFound:
        raise Http404("Article not found.") from None
    except ApplicationError as error:
        return _my_articles(request, errors=[_error_text(error)], status=error.status_code)
    return SeeOther("/me/articles/")


@login_required(login_url=LOGIN_URL)
@require_POST
def publish_view(request: HttpRequest, article_id: int) -> HttpResponse:
    return _article_action(request, article_id, article_services.article_publish)


@login_required(login_url=LOGIN_URL)
@require_POST
def withdraw_view(request: HttpRequest, article_id: int) -> HttpResponse:
    return _article_action(request, article_id, article_services.article_withdraw)


@login_required(login_url=LOGIN_URL)
@require_POST
def delete_view(request: HttpRequest, article_id: int) -> HttpResponse:
    return _article_action(request, article_id, article_services.article_delete)


def _my_articles(
    request: HttpRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    articles = article_selectors.article_author_list(author=request.user)
    before = request.GET.get("before", "")
    if before.isdigit() and len(before) <= 18:  # keyset paging on the list's -id order
        articles = articles.filter(pk__lt=int(before))
    rows = list(articles[: MY_ARTICLES_PAGE + 1])
    page = rows[:MY_ARTICLES_PAGE]
    items = article_selectors.article_author_items(page, author=request.user)
    for item in items:
        item["url"] = _article_url(item["id"], item["title"])
    context = {
        "articles": items,
        "errors": errors or [],
        "older": page[-1].pk if len(rows) > MY_ARTICLES_PAGE else None,
    }
    response = render(request, "web/writing/my_articles.html", context, status=status)
    add_never_cache_headers(response)
    return response


@login_required(login_url=LOGIN_URL)
def my_articles_view(request: HttpRequest) -> HttpResponse:
    return _my_articles(request)
