"""Caches of higher apps that show an article's attachments, dropped by every attachment write.

A higher app that caches what it renders of an article's attachments (the web's anonymous
article page lists them) registers, in its ``AppConfig.ready()``,
``attachment_changes.register(keys_of_article)``. Every upload and delete drops those keys once
it commits, so a new PDF shows on those pages as it shows in the API's list.
"""

from __future__ import annotations

from scholarnet.cache.stale_keys import StaleKeys

attachment_changes = StaleKeys("an article's attachments")
