from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "apps.comments"
    label = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        # comment_count on every article read; the count itself sits in the interactions
        # app's stat row and Redis hash (moved by our services), so a page reads one hash.
        from apps.articles.providers import article_counts_providers
        from apps.interactions.comment_counts import article_comment_counts_provide

        article_counts_providers.register(
            name=self.label, fields=("comment_count",), provide=article_comment_counts_provide
        )
