"""A reader's folders in chromium: create a folder, collect an article into it, rename the folder
(a taken name is refused on the form), move the article to another folder and delete the emptied
folder after its confirmation step; in place with JavaScript, as plain form posts without."""

from __future__ import annotations

import re

import pytest

from apps.interactions.models import Collection, CollectionItem
from apps.interactions.selectors import article_stats_load
from tests.articles.factories import published_article
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def article():
    return published_article(author=UserFactory(nickname="Ada"), title="Energy and mass")


def _folder(reader, name: str) -> Collection:
    return Collection.objects.get(owner=reader, name=name)


def _create(page, name: str) -> None:
    page.goto("/me/collections/")
    page.fill("#folder-name", name)
    page.get_by_role("button", name="Create").click()


def _collect_into(page, article, name: str) -> None:
    page.goto(f"/a/{article.pk}/x/")
    page.select_option(f"#collect-folder-{article.pk}", label=name)
    page.locator(f"#article-actions-{article.pk}").get_by_role(
        "button", name=re.compile("^Collect")
    ).click()
    page.wait_for_selector('.action-collect.is-on [data-count="collect"]:text-is("1")')


def _assert_moved_and_deleted(reader, article, gone: Collection) -> None:
    later = _folder(reader, "Later")
    assert not Collection.objects.filter(pk=gone.pk).exists()
    entries = CollectionItem.objects.filter(user=reader).values_list("collection_id", "article_id")
    assert list(entries) == [(later.pk, article.pk)]
    assert article_stats_load([article.pk])[article.pk]["collect_count"] == 1


def test_a_reader_manages_folders_in_place(signed_in_page, screenshot, article):
    reader = UserFactory(nickname="Grace")
    page = signed_in_page(reader)
    _create(page, "Later")
    page.locator("#folders a", has_text="Later").wait_for()
    page.evaluate("window.__same_page = true")  # created in place: no reload
    _create(page, "Reading group")
    page.locator("#folders a", has_text="Reading group").wait_for()
    _collect_into(page, article, "Reading group")

    page.goto("/me/collections/")
    page.get_by_role("link", name="Reading group").click()
    page.wait_for_selector("h1[data-folder-name]:text-is('Reading group')")
    page.evaluate("window.__same_page = true")

    page.fill("#folder-rename", "Later")  # taken: the API's message on the form, nothing renamed
    page.get_by_role("button", name="Rename").click()
    page.wait_for_selector('.rename-form .form-feedback [data-code="collection_name_taken"]')
    page.fill("#folder-rename", "Physics reading")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_selector("h1[data-folder-name]:text-is('Physics reading')")
    screenshot(page, "renamed")

    page.select_option(f"#move-{article.pk}", label="Later")
    page.get_by_role("button", name="Move").click()
    page.locator("#folder-items", has_text="Nothing in this folder yet.").wait_for()
    assert page.evaluate("window.__same_page === true")
    folder = _folder(reader, "Physics reading")

    page.get_by_role("link", name="Delete this folder").click()
    page.locator("#folder-delete", has_text="It is empty.").wait_for()
    screenshot(page, "confirm-delete")
    page.get_by_role("button", name="Delete the folder").click()
    page.wait_for_url(re.compile(r"/me/collections/$"))
    page.locator("#folders a", has_text="Later").wait_for()
    assert page.locator("#folders a", has_text="Physics reading").count() == 0
    _assert_moved_and_deleted(reader, article, folder)


def test_without_javascript_the_folders_are_form_posts(signed_in_page, article):
    reader = UserFactory(nickname="Edsger")
    page = signed_in_page(reader, js=False)
    _create(page, "Later")
    page.wait_for_selector("h1[data-folder-name]:text-is('Later')")  # 303 to the new folder
    _create(page, "Reading group")
    folder = _folder(reader, "Reading group")
    assert page.url.endswith(f"/me/collections/{folder.pk}/")
    _collect_into(page, article, "Reading group")

    page.goto(f"/me/collections/{folder.pk}/")
    page.fill("#folder-rename", "Later")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_selector('.rename-form [data-code="collection_name_taken"]')
    page.fill("#folder-rename", "Physics reading")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_selector("h1[data-folder-name]:text-is('Physics reading')")
    assert page.url.endswith(f"/me/collections/{folder.pk}/")

    page.select_option(f"#move-{article.pk}", label="Later")
    page.get_by_role("button", name="Move").click()
    page.locator("#folder-items", has_text="Nothing in this folder yet.").wait_for()

    page.get_by_role("link", name="Delete this folder").click()
    page.wait_for_url(re.compile(rf"/me/collections/{folder.pk}/delete$"))  # the confirmation
    page.get_by_role("button", name="Delete the folder").click()
    page.wait_for_url(re.compile(r"/me/collections/$"))
    assert page.locator("#folders a", has_text="Physics reading").count() == 0
    _assert_moved_and_deleted(reader, article, folder)
