"""Input and output shapes of the articles API. Outputs render the selectors' dicts."""

from __future__ import annotations

from rest_framework import serializers

from apps.articles.models import (
    ABSTRACT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ArticleStatus,
    LiveStatus,
)

# --- input ----------------------------------------------------------------------------------


class ArticleCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    # Markdown: whitespace is meaningful (indented code, hard line breaks). Its size limit is
    # checked by the service and answered with 413 content_too_large.
    content = serializers.CharField(allow_blank=True, trim_whitespace=False)
    abstract = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=ABSTRACT_MAX_LENGTH,
        help_text="Plain text. Empty or absent: derived from the start of the content.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        help_text="Tag names; the whole set (at most 10, each 1-32 characters, no '/').",
    )
    doi = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=300,
        help_text="10.NNNN/suffix (a https://doi.org/ or doi: prefix is dropped), stored in lower "
        "case; blank or null for none. 400 doi_invalid, doi_taken (another article has it).",
    )


class ArticleDoiImportInputSerializer(serializers.Serializer):
    doi = serializers.CharField(max_length=300, help_text="The DOI to import, 10.NNNN/suffix.")


class ArticleDraftUpdateInputSerializer(ArticleCreateInputSerializer):
    """Every field optional; the ones sent replace the working copy's."""

    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False)
    content = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)


class ArticleListFilterInputSerializer(serializers.Serializer):
    author = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only this author's articles."
    )
    tag = serializers.CharField(required=False, help_text="Only articles with this tag name.")


# --- output ---------------------------------------------------------------------------------


class ArticleAuthorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()


class _ArticleOwnFields(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    abstract = serializers.CharField(help_text="Plain text.")
    status = serializers.ChoiceField(choices=LiveStatus.choices)
    tags = serializers.ListField(child=serializers.CharField())
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class _ArticleContentFields(serializers.Serializer):
    content = serializers.CharField(help_text="Markdown with $…$ / $$…$$ math.")
    content_html = serializers.CharField(
        help_text='Sanitised HTML; math as TeX in <span class="math inline">, '
        '<span class="math display"> and <div class="math block"> for KaTeX.'
    )


class _ArticleEditionFields(serializers.Serializer):
    doi = serializers.CharField(allow_null=True, help_text="Lower case; null for none.")
    revision = serializers.IntegerField(
        help_text="The number of the revision this is (GET …/revisions/{n})."
    )


class _ArticlePerRequestFields(serializers.Serializer):
    """Added to every read: the author's current profile, the counts and the viewer's flags."""

    author = ArticleAuthorOutputSerializer()
    like_count = serializers.IntegerField()
    collect_count = serializers.IntegerField()
    read_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    review_count = serializers.IntegerField()
    review_rating_mean = serializers.FloatField(allow_null=True, help_text="Null without reviews.")
    liked = serializers.BooleanField(help_text="Whether the signed-in viewer liked it.")
    collected = serializers.BooleanField(help_text="Whether the signed-in viewer collected it.")


# Fields come in the order of the bases (DRF merges declared fields base by base): the article's
# own, then the per-request ones. The cached detail relies on that order (selectors.py).
class ArticleListItemOutputSerializer(_ArticleOwnFields, _ArticlePerRequestFields):
    pass


class ArticleDetailOutputSerializer(
    _ArticleOwnFields, _ArticleContentFields, _ArticleEditionFields, _ArticlePerRequestFields
):
    pass


class ArticleMineOutputSerializer(ArticleListItemOutputSerializer):
    status = serializers.ChoiceField(choices=ArticleStatus.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    has_unpublished_changes = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ArticleDraftOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    content = serializers.CharField()
    abstract = serializers.CharField(help_text="The abstract in lists: given or derived.")
    abstract_input = serializers.CharField(help_text="The abstract as given; empty if derived.")
    status = serializers.ChoiceField(choices=ArticleStatus.choices)
    tags = serializers.ListField(child=serializers.CharField())
    doi = serializers.CharField(allow_null=True)
    author = ArticleAuthorOutputSerializer()
    version = serializers.IntegerField(help_text="Goes up with every edit.")
    has_unpublished_changes = serializers.BooleanField()
    taken_down = serializers.BooleanField(help_text="Hidden from readers by a moderator.")
    take_down_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


# --- revisions ------------------------------------------------------------------------------


class ArticleRevisionListItemOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    doi = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(help_text="When it was published.")


class ArticleRevisionOutputSerializer(ArticleRevisionListItemOutputSerializer):
    abstract = serializers.CharField()
    content = serializers.CharField(help_text="The Markdown source as published.")
    content_html = serializers.CharField()


class ArticleRevisionDiffInputSerializer(serializers.Serializer):
    # "from" is a keyword: declared through the fields mapping below.
    to = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    of = serializers.ChoiceField(
        choices=(("source", "source"), ("text", "text")),
        default="source",
        help_text="source: the Markdown as written; text: the rendered text, one line per block.",
    )


ArticleRevisionDiffInputSerializer._declared_fields = {
    "from": serializers.IntegerField(min_value=1, max_value=2**31 - 1),
    **ArticleRevisionDiffInputSerializer._declared_fields,
}


class ArticleRevisionDiffOutputSerializer(serializers.Serializer):
    from_revision = serializers.IntegerField()
    to_revision = serializers.IntegerField()
    of = serializers.CharField()
    title = serializers.CharField(help_text="Unified diff of the titles; empty if equal.")
    tags = serializers.CharField(help_text="Unified diff of the tags, one a line.")
    content = serializers.CharField(help_text="Unified diff of the content.")
