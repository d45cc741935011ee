"""Errors of likes and collections, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import Conflict, NotFound


class CollectionNotFound(NotFound):
    # Someone else's folder too: 404, not 403, so folder ids cannot be probed.
    code = "collection_not_found"
    default_detail = "Collection not found."


class CollectionNameTaken(Conflict):
    code = "collection_name_taken"
    default_detail = "You already have a collection with this name."


class DefaultCollectionUndeletable(Conflict):
    code = "collection_default_undeletable"
    default_detail = "The default collection cannot be deleted."


class CollectionItemNotFound(NotFound):
    # Also an article the folder does not hold: moving it would be a collect in disguise.
    code = "collection_item_not_found"
    default_detail = "The article is not in this collection."
