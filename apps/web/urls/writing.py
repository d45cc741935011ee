"""Writing: new and edit with preview, publish / withdraw / delete, my articles."""

from django.urls import path

from apps.web.views import writing

urlpatterns = [
    path("write/", writing.new_view, name="write"),
    path("write/preview", writing.preview_view, name="write-preview"),
    path("a/<int:article_id>/edit/", writing.edit_view, name="article-edit"),
    path("a/<int:article_id>/publish", writing.publish_view, name="article-publish"),
    path("a/<int:article_id>/withdraw", writing.withdraw_view, name="article-withdraw"),
    path("a/<int:article_id>/delete", writing.delete_view, name="article-delete"),
    path("me/articles/", writing.my_articles_view, name="my-articles"),
]
