from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "apps.comments"
    label = "comments"
    verbose_name = "Comments"
    # comment_count, review_count and review_rating_mean reach article reads through the
    # interactions app's provider: the counts sit in its stat row and Redis hash, moved by our
    # services through ``apps.interactions.comment_counts``, so a page reads one hash for all.

    def ready(self) -> None:
        # interactions_recount rebuilds the comment and review counts from our comments.
        from apps.comments.selectors import article_comment_counts
        from apps.interactions.comment_counts import COMMENT_FIELDS, article_comment_facts

        article_comment_facts.register(
            name=self.label, fields=COMMENT_FIELDS, provide=article_comment_counts
        )
