from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "apps.attachments"
    label = "attachments"
    verbose_name = "Attachments"

    def ready(self) -> None:
        # The text of an article's PDFs joins its search document (the articles app's hook).
        from apps.articles.search_extras import article_search_extras_providers
        from apps.attachments.selectors import article_attachment_texts

        article_search_extras_providers.register(
            name=self.label, fields=("attachment_text",), provide=article_attachment_texts
        )
