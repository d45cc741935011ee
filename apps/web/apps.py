from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "apps.web"
    label = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        # The anonymous pages' cache (apps.web.page_cache) is dropped by the writes that change
        # what they show: an article's public state, its comments and its attachments.
        from apps.articles.public import article_live_changes
        from apps.attachments.changes import attachment_changes
        from apps.comments.changes import comment_changes
        from apps.web.views.reading import article_page_key_of, article_page_keys

        article_live_changes.register(article_page_keys)
        comment_changes.register(article_page_key_of)
        attachment_changes.register(article_page_key_of)
