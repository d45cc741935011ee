from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "apps.comments"
    label = "comments"
    verbose_name = "Comments"
    # comment_count reaches article reads through the interactions app's provider: the count
    # sits in its stat row and Redis hash, moved by our services through
    # ``apps.interactions.comment_counts``, so a page reads one hash for every count.
