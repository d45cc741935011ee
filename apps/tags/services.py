"""Writes of tags: binding a resource's tags, creating official tags, deleting tags.

Every tag created or deleted publishes a ``search.any`` event in the same transaction, so the
search index follows the table and a rolled-back write is never indexed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from apps.search.events import SearchDocumentChanged
from apps.tags.models import OFFICIAL_OWNER_KEY, Tag, TagBinding
from apps.tags.names import TagName, TagNameInvalid, tag_name_parse, tag_names_parse
from apps.tags.selectors import tag_search_document
from scholarnet.api.errors import ValidationFailed
from scholarnet.events.payloads import publish_event

if TYPE_CHECKING:
    from apps.users.models import User

__all__ = [
    "tag_bindings_clear",
    "tag_bindings_replace",
    "tag_create_official",
    "tag_delete",
]


def _tag_published(tag: Tag, *, op: str) -> None:
    publish_event(SearchDocumentChanged(**tag_search_document(tag=tag, op=op)))


def _tag_create_race_safe(*, owner: User | None, name: TagName) -> Tag:
    """Insert a tag; when a concurrent transaction inserted the same one first, fetch theirs.

    The savepoint keeps the caller's transaction usable after the unique violation (PostgreSQL
    aborts a transaction on any error). On MariaDB the losing insert waits for the winner's
    commit, so the winner's row is visible to the fetch that follows (READ COMMITTED).
    """
    try:
        with transaction.atomic():
            tag = Tag.objects.create(owner=owner, name=name.display)
            _tag_published(tag, op="upsert")
            return tag
    except IntegrityError:
        owner_key = owner.pk if owner is not None else OFFICIAL_OWNER_KEY
        winner = Tag.objects.filter(owner_key=owner_key, name_key=name.key).first()
        if winner is None:
            raise
        return winner


def _tags_resolve(*, owner: User, names: list[TagName]) -> list[Tag]:
    """The tag of each name: the official one if it exists, else the owner's (created)."""
    found: dict[str, Tag] = {}
    candidates = Tag.objects.filter(
        owner_key__in=[OFFICIAL_OWNER_KEY, owner.pk], name_key__in=[name.key for name in names]
    )
    for tag in candidates:
        if tag.is_official or tag.name_key not in found:
            found[tag.name_key] = tag
    # In key order, so two transactions creating the same tags lock them in one order and
    # cannot deadlock each other.
    for name in sorted(names, key=lambda name: name.key):
        if name.key not in found:
            found[name.key] = _tag_create_race_safe(owner=owner, name=name)
    return [found[name.key] for name in names]


def _bindings_set(*, biz: str, biz_id: int, tag_ids: list[int]) -> None:
    bound = TagBinding.objects.filter(biz=biz, biz_id=biz_id)
    current = set(bound.order_by().values_list("tag_id", flat=True))
    removed = current.difference(tag_ids)
    if removed:
        bound.filter(tag_id__in=removed).delete()
    added = sorted(set(tag_ids) - current)
    if added:
        # ignore_conflicts: a binding that a concurrent replace of the same resource inserted
        # first is already what we want.
        TagBinding.objects.bulk_create(
            [TagBinding(tag_id=tag_id, biz=biz, biz_id=biz_id) for tag_id in added],
            ignore_conflicts=True,
        )


def tag_bindings_replace(*, biz: str, biz_id: int, owner: User, names: list[str]) -> list[Tag]:
    """Make ``names`` the whole tag set of the resource ``(biz, biz_id)``; its tags, in order.

    Names are normalised and compared case-insensitively (``apps.tags.names``); a repeated name
    counts once. A name with an official tag binds that tag, any other the owner's own tag,
    created if missing. Runs in one transaction (a savepoint inside the caller's): bindings no
    longer named are deleted, new ones inserted. Invalid names raise ``ValidationFailed`` with
    ``extra.fields.tags`` before anything is written. Concurrent replaces of one resource should
    be serialised by the caller (e.g. by locking the resource's row), or both sets may remain.
    """
    try:
        parsed = tag_names_parse(names)
    except TagNameInvalid as error:
        raise ValidationFailed(fields={"tags": error.messages}) from error
    with transaction.atomic():
        tags = _tags_resolve(owner=owner, names=parsed) if parsed else []
        _bindings_set(biz=biz, biz_id=biz_id, tag_ids=[tag.pk for tag in tags])
    return tags


def tag_bindings_clear(*, biz: str, biz_id: int) -> None:
    """Unbind every tag of the resource (e.g. when it is deleted); its tags stay."""
    TagBinding.objects.filter(biz=biz, biz_id=biz_id).delete()


def tag_create_official(*, name: str) -> Tag:
    """The official tag of ``name``, created if it does not exist yet.

    Users' tags with the same name stay as they are; from now on the name binds this tag.
    """
    try:
        parsed = tag_name_parse(name)
    except TagNameInvalid as error:
        raise ValidationFailed(fields={"name": error.messages}) from error
    existing = Tag.objects.filter(owner_key=OFFICIAL_OWNER_KEY, name_key=parsed.key).first()
    return existing or _tag_create_race_safe(owner=None, name=parsed)


def tag_delete(*, tag: Tag) -> None:
    """Delete a tag and, with it, every binding of it."""
    with transaction.atomic():
        _tag_published(tag, op="delete")  # before the delete: it clears the instance's id
        tag.delete()
