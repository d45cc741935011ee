"""The reader's folders: list and create, one folder's articles, rename, delete (after a
confirmation step) and moving an article to another folder.

Every write goes through the interactions services with the API's checks: another user's folder
is 404 ``collection_not_found`` and nothing changes; a bad name is the API's message, shown on
the form it came from (400 ``invalid``, 409 ``collection_name_taken``); the default folder
cannot be deleted (409 ``collection_default_undeletable``); deleting a folder deletes its
entries, and articles left in none of the reader's folders stop counting them, as the API's
DELETE does; a move is the API's ``POST /me/collections/{id}/move``, same input and errors.
Without JavaScript each form posts and is redirected (303); sent by htmx, the answer is the
partial to swap in place (a failed write: the error, into the form's feedback).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.interactions import selectors as interaction_selectors
from apps.interactions import services as interaction_services
from apps.interactions.errors import CollectionNameTaken
from apps.interactions.models import Collection
from apps.interactions.pagination import CollectionItemPagination, CollectionPagination
from apps.interactions.rates import COLLECT
from apps.interactions.serializers import (
    CollectionInputSerializer,
    CollectionItemMoveInputSerializer,
    CollectionUpdateInputSerializer,
    collection_represent,
)
from apps.web.views.library import _paged, _render, _see_other, _throttle, folders_of, signed_in
from scholarnet.api.errors import ApplicationError, ValidationFailed

# The name errors a form shows next to its field; anything else is the error page.
NAME_ERRORS = (ValidationFailed, CollectionNameTaken)


def _validated(serializer_class: type, request: HttpRequest, *fields: str) -> dict[str, Any]:
    """The posted ``fields`` as the API's input serializer reads them; its messages if invalid."""
    serializer = serializer_class(data={field: request.POST.get(field, "") for field in fields})
    if not serializer.is_valid():
        raise ValidationFailed(
            fields={k: [str(m) for m in v] for k, v in serializer.errors.items()}
        )
    return dict(serializer.validated_data)


def _folder_name(serializer_class: type, request: HttpRequest) -> str:
    return str(_validated(serializer_class, request, "name")["name"])


# --- the list, and creating a folder -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@signed_in
def collection_list(request: HttpRequest) -> HttpResponse:
    form_error: ApplicationError | None = None
    if request.method == "POST":
        try:
            folder = interaction_services.collection_create(
                user=request.user, name=_folder_name(CollectionInputSerializer, request)
            )
        except NAME_ERRORS as error:
            if request.htmx:  # type: ignore[attr-defined]
                raise
            form_error = error
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                return _see_other(f"/me/collections/{folder.pk}/")
    interaction_services.collection_default_get_or_create(user=request.user)
    rows, next_cursor = _paged(
        CollectionPagination(), interaction_selectors.collection_list(user=request.user), request
    )
    context = {
        "folders": [collection_represent(row) for row in rows],
        "next_cursor": next_cursor,
        "form_error": form_error,
    }
    if request.htmx and request.method == "POST":  # type: ignore[attr-defined]
        return _render(request, "web/library/_folders.html", context)
    status = form_error.status_code if form_error else 200
    return _render(request, "web/library/collections.html", context, status=status)


# --- one folder ----------------------------------------------------------------------------------


def _own(request: HttpRequest, collection_id: int) -> Collection:
    return interaction_selectors.collection_get_for_user(
        user=request.user, collection_id=collection_id
    )


def _items_context(request: HttpRequest, folder: Collection) -> dict[str, Any]:
    rows, next_cursor = _paged(
        CollectionItemPagination(),
        interaction_selectors.collection_item_list(collection=folder),
        request,
    )
    return {
        "folder": folder,
        "items": interaction_selectors.collection_items_represent(rows, user=request.user),
        "next_cursor": next_cursor,
        "other_folders": [row for row in folders_of(request.user) if row["id"] != folder.pk],
    }


def _folder_page(
    request: HttpRequest, folder: Collection, *, rename_error: ApplicationError | None = None
) -> HttpResponse:
    context = {**_items_context(request, folder), "rename_error": rename_error}
    status = rename_error.status_code if rename_error else 200
    return _render(request, "web/library/collection.html", context, status=status)


@require_GET
@signed_in
def collection_detail(request: HttpRequest, collection_id: int) -> HttpResponse:
    return _folder_page(request, _own(request, collection_id))


@require_POST
@signed_in
def collection_rename(request: HttpRequest, collection_id: int) -> HttpResponse:
    folder = _own(request, collection_id)
    try:
        folder = interaction_services.collection_update(
            user=request.user,
            collection_id=folder.pk,
            name=_folder_name(CollectionUpdateInputSerializer, request),
        )
    except NAME_ERRORS as error:
        if request.htmx:  # type: ignore[attr-defined]
            raise
        return _folder_page(request, folder, rename_error=error)
    if request.htmx:  # type: ignore[attr-defined]
        return _render(request, "web/library/_folder_header.html", {"folder": folder})
    return _see_other(f"/me/collections/{folder.pk}/")


@require_http_methods(["GET", "POST"])
@signed_in
def collection_delete(request: HttpRequest, collection_id: int) -> HttpResponse:
    """GET: the confirmation step (what deleting does to the folder's articles); POST: delete."""
    folder = _own(request, collection_id)
    if request.method == "POST":
        interaction_services.collection_delete(user=request.user, collection_id=folder.pk)
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponseClientRedirect("/me/collections/")
        return _see_other("/me/collections/")
    context = {
        "folder": folder,
        "item_count": interaction_selectors.collection_item_count(collection=folder),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return _render(request, "web/library/_folder_delete.html", context)
    return _render(request, "web/library/folder_delete.html", context)


@require_POST
@signed_in
def collection_item_move(request: HttpRequest, collection_id: int) -> HttpResponse:
    data = _validated(CollectionItemMoveInputSerializer, request, "article_id", "to_collection_id")
    _throttle(request, COLLECT)
    interaction_services.collection_item_move(
        user=request.user,
        article_id=data["article_id"],
        from_collection_id=collection_id,
        to_collection_id=data["to_collection_id"],
    )
    if request.htmx:  # type: ignore[attr-defined]
        context = _items_context(request, _own(request, collection_id))
        return _render(request, "web/library/_folder_items.html", context)
    return _see_other(f"/me/collections/{collection_id}/")
