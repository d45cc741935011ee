from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "apps.interactions"
    label = "interactions"
    verbose_name = "Interactions"

    def ready(self) -> None:
        # Answer the articles app's bulk reads: every count (comment and review counts moved by
        # the comments app through ``comment_counts``) and the viewer flags.
        from apps.articles.providers import article_counts_providers, article_flags_providers
        from apps.interactions import selectors

        article_counts_providers.register(
            name=self.label,
            fields=selectors.PROVIDED_COUNTS,
            provide=selectors.article_stats_provide,
        )
        article_flags_providers.register(
            name=self.label,
            fields=selectors.PROVIDED_FLAGS,
            provide=selectors.article_flags_provide,
        )
