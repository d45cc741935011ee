from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "apps.ranking"
    label = "ranking"
    verbose_name = "Ranking"

    def ready(self) -> None:
        # The cached list of the hot articles public now goes with every change to an
        # article's public state, as the public list's first page does.
        from apps.articles.public import article_live_changes
        from apps.ranking.hot_page import hot_live_keys

        article_live_changes.register(hot_live_keys)
