"""Caches of higher apps that show an article's comments, dropped by every comment write.

A higher app that caches what it renders of an article's thread (the web's anonymous article
page) registers, in its ``AppConfig.ready()``, ``comment_changes.register(keys_of_article)``.
Every comment write (a comment or reply posted, a subtree deleted by its author, the article's
author or a moderator) drops those keys once it commits, so a deleted comment leaves those caches
as it leaves the API's thread.
"""

from __future__ import annotations

from scholarnet.cache.stale_keys import StaleKeys

comment_changes = StaleKeys("an article's comments")
