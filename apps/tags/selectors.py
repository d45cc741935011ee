"""Reads of tags: the tags of resources (in bulk), the tags of a name, the tag list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.tags.models import OFFICIAL_OWNER_KEY, Tag, TagBinding
from apps.tags.names import TagNameInvalid, prefix_key, tag_name_parse


def tag_names_for_resources(*, biz: str, biz_ids: list[int]) -> dict[int, list[str]]:
    """The tag names of each resource, sorted case-insensitively, in one query for all of them.

    Every id asked for is in the answer; an id without tags maps to ``[]``.
    """
    names: dict[int, list[tuple[str, str]]] = {biz_id: [] for biz_id in biz_ids}
    if not names:
        return {}
    rows = (
        TagBinding.objects.filter(biz=biz, biz_id__in=list(names))
        .order_by()
        .values_list("biz_id", "tag__name_key", "tag__name")
    )
    for biz_id, key, name in rows:
        names[biz_id].append((key, name))
    return {biz_id: [name for _, name in sorted(pairs)] for biz_id, pairs in names.items()}


def tag_ids_for_name(*, name: str) -> list[int]:
    """The ids of every tag called ``name`` (compared as keys): the official one and every
    user's. One query on the name-key index; a name that cannot exist gives ``[]``."""
    try:
        key = tag_name_parse(name).key
    except TagNameInvalid:
        return []
    return sorted(Tag.objects.filter(name_key=key).order_by().values_list("id", flat=True))


def tag_bound_resource_ids(*, biz: str, tag_ids: list[int]) -> QuerySet[TagBinding, Any]:
    """The ids of the resources of kind ``biz`` bound to any of ``tag_ids``, as a queryset of
    ``biz_id`` values to filter on (``id__in=``); served by the (tag, biz, biz_id) index."""
    return (
        TagBinding.objects.filter(tag_id__in=tag_ids, biz=biz)
        .order_by()
        .values_list("biz_id", flat=True)
    )


def tag_list(*, user: Any = None, query: str | None = None, mine: bool = False) -> QuerySet[Tag]:
    """Official tags and the user's own (``mine``: the user's own only), newest first.

    ``query`` keeps the tags whose name starts with it, compared case-insensitively.
    """
    signed_in = user is not None and user.is_authenticated
    if mine:
        owner_keys = [user.pk] if signed_in else []
    else:
        owner_keys = [OFFICIAL_OWNER_KEY, user.pk] if signed_in else [OFFICIAL_OWNER_KEY]
    tags = Tag.objects.filter(owner_key__in=owner_keys)
    prefix = prefix_key(query or "")
    if prefix:
        # Both sides are case-folded already. istartswith, because on MySQL/MariaDB it is a
        # plain LIKE, which range-scans the (owner_key, name_key) index of the binary column;
        # startswith would be LIKE BINARY, which MariaDB does not use the index for.
        tags = tags.filter(name_key__istartswith=prefix)
    return tags.only("id", "name", "owner_id").order_by("-id")


def tag_search_document(*, tag: Tag, op: str = "upsert") -> dict[str, Any]:
    """The ``search.any`` payload of a tag: what the search index stores about it."""
    return {
        "doc_type": "tag",
        "doc_id": str(tag.pk),
        "op": op,
        "fields": {"name": tag.name, "official": tag.is_official, "owner_id": tag.owner_id},
    }


def tag_search_documents(*, after_id: int = 0, limit: int = 500) -> list[dict[str, Any]]:
    """Upsert documents of the tags with ids above ``after_id``, in id order: one batch of a
    rebuild of the search index from this table."""
    tags = Tag.objects.filter(id__gt=after_id).order_by("id").only("id", "name", "owner_id")
    return [tag_search_document(tag=tag) for tag in tags[:limit]]
