from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "apps.comments"
    label = "comments"
    verbose_name = "Comments"
    # comment_count reaches article reads through the interactions app's provider: the count
    # sits in its stat row and Redis hash, moved by our services through
    # ``apps.interactions.comment_counts``, so a page reads one hash for every count.

    def ready(self) -> None:
        # review_count and review_rating_mean of every article read come from our ReviewStat.
        from apps.articles.providers import article_counts_providers
        from apps.comments.review_stats import PROVIDED_FIELDS, review_stats_provide

        article_counts_providers.register(
            name=self.label, fields=PROVIDED_FIELDS, provide=review_stats_provide
        )
        # interactions_recount rebuilds comment_count from our comments through this provider.
        from apps.comments.selectors import article_comment_counts
        from apps.interactions.comment_counts import article_comment_facts

        article_comment_facts.register(
            name=self.label, fields=("comment_count",), provide=article_comment_counts
        )
