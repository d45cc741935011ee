"""Articles in two stores: the author's working copy and the live copy that readers see.

``Article`` is the working copy: drafts and edits land here and nowhere else. Publishing copies
it into ``PublishedArticle`` (same primary key, rendered HTML, derived abstract) in one
transaction; editing a published article changes only the working copy until the next publish.
Keeping the stores apart means a half-finished edit is never visible, and the live table holds
exactly what the read path needs.

Public order ("newest first") is ``publish_seq``: a unique, increasing number handed out on an
article's first publication by ``PublishSequence``'s auto-increment. One unique column makes the
cursor a plain keyset seek, with none of the offset-within-ties of a timestamp cursor, and the
``(status, taken_down_at, publish_seq)`` indexes serve every public list without a sort.

``PublishedArticleTag`` is the live tag index: the article's tag names as of its last
publication, with ``publish_seq`` copied in, so "newest articles tagged X" is one range of the
``(name_key, publish_seq)`` index instead of a sort over every article bound to the tag.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import JSONField, Value
from django.utils import timezone

from apps.tags.fields import BinaryCharField
from apps.tags.names import NAME_KEY_MAX_LENGTH, NAME_MAX_LENGTH

TITLE_MAX_LENGTH = 255
ABSTRACT_MAX_LENGTH = 2000
DOI_MAX_LENGTH = 255


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft (never published)"
    PUBLISHED = "published", "Published"
    PRIVATE = "private", "Private (withdrawn)"


class LiveStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    PRIVATE = "private", "Private (withdrawn)"


class Article(models.Model):
    """The working copy. ``status`` says what the live copy is (or that there is none)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    content = models.TextField(blank=True)
    # What the author typed; empty means "derive one from the content".
    abstract_input = models.TextField(blank=True, max_length=ABSTRACT_MAX_LENGTH)
    # The abstract shown in the author's lists: abstract_input, or a preview derived from the
    # start of the content.
    abstract = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    # Bumped by every edit; published_version is the version the live copy was made from.
    version = models.PositiveIntegerField(default=1)
    published_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Normalised (lower case, no resolver prefix) by apps.articles.doi; NULL when there is none,
    # so the unique index holds only real DOIs.
    doi = models.CharField(max_length=DOI_MAX_LENGTH, null=True, blank=True, unique=True)
    # Bibliographic metadata of an imported work (apps.articles.doi_import): ``authors``
    # ([{"family", "given"}]), ``year``, ``venue``. Empty for articles written here.
    # Columns added to existing tables carry a database default too: a process of the previous
    # release, inserting without them during a rolling deploy, still succeeds.
    source_meta = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))

    # The author FK's own index, (author_id) + the primary key, serves "my articles, newest
    # first" as a backward range scan.

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"

    @property
    def has_unpublished_changes(self) -> bool:
        return self.published_version != self.version


class PublishedArticle(models.Model):
    """The live copy readers see; its primary key is the working copy's."""

    id = models.BigIntegerField(primary_key=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="published_articles",
        db_index=False,  # the (author, …) index below leads with it
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    content = models.TextField(blank=True)
    content_html = models.TextField(blank=True)
    content_bytes = models.PositiveIntegerField(default=0)
    abstract = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=LiveStatus.choices, default=LiveStatus.PUBLISHED
    )
    publish_seq = models.BigIntegerField(unique=True)
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Moderation: a taken-down article is hidden from everyone but its author, whatever its
    # status, until a moderator restores it.
    taken_down_at = models.DateTimeField(null=True, blank=True)
    take_down_reason = models.TextField(blank=True)
    taken_down_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # As of the last publication (the working copy's column is the unique one).
    doi = models.CharField(max_length=DOI_MAX_LENGTH, blank=True, db_default="")
    source_meta = models.JSONField(default=dict, blank=True, db_default=Value({}, JSONField()))
    # The number of the ArticleRevision this live copy is (0 only for rows from before revisions).
    revision = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        indexes = [
            # GET /articles: status = published AND taken_down_at IS NULL, newest first.
            models.Index(
                fields=["status", "taken_down_at", "publish_seq"], name="articles_live_public"
            ),
            # GET /articles?author=: the same, for one author.
            models.Index(
                fields=["author", "status", "taken_down_at", "publish_seq"],
                name="articles_live_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (#{self.pk})"

    @property
    def is_public(self) -> bool:
        return self.status == LiveStatus.PUBLISHED and self.taken_down_at is None


class PublishedArticleTag(models.Model):
    """One tag of a live article, as of its last publication (the live tag index).

    ``name`` is the display name, ``name_key`` the tags app's comparison key in a binary
    collation, so a lookup matches exactly the names the tags app treats as one.
    """

    article = models.ForeignKey(
        PublishedArticle, on_delete=models.CASCADE, related_name="tag_entries", db_index=False
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    name_key = BinaryCharField(max_length=NAME_KEY_MAX_LENGTH)
    publish_seq = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the index for "the tags of these articles" and for deleting them.
            models.UniqueConstraint(fields=["article", "name_key"], name="articles_tag_once"),
        ]
        indexes = [
            models.Index(fields=["name_key", "publish_seq"], name="articles_tag_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → #{self.article_id}"


class PublishSequence(models.Model):
    """One row per first publication; its auto-increment id is the article's ``publish_seq``.

    Auto-increment values are unique and increasing without any lock held until commit, unlike
    a counter row, so concurrent publishes of different articles never wait for each other.
    """

    article_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The hot list's window: its first sequence is one range of this index, not a scan.
        indexes = [models.Index(fields=["created_at"], name="articles_seq_created")]

    def __str__(self) -> str:
        return f"{self.pk} → #{self.article_id}"


class ArticleRevision(models.Model):
    """What one publication made public, kept for good: numbered 1, 2, … per article.

    Written only by ``services.article_publish`` (a publish whose working copy differs from the
    last revision's); never updated. Deleting the article deletes its revisions.
    """

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField()
    # The working copy's version it was published from.
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    content = models.TextField(blank=True)
    content_html = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    tags = models.JSONField(default=list)
    doi = models.CharField(max_length=DOI_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index of the revisions list (newest first) and of one revision.
            models.UniqueConstraint(fields=["article", "number"], name="articles_revision_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.article_id} r{self.number}"
