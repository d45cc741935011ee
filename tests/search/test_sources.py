"""What the index reads from other apps: public fields only, re-read from the database."""

import pytest

from apps.search import sources
from apps.users.selectors import user_search_document
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_users_search_document_holds_public_fields_only():
    user = UserFactory(
        email="ada@example.org",
        phone="+8613800138000",
        nickname="Ada",
        about="Graphs",
        avatar_url="https://cdn.example.org/ada.png",
    )

    assert user_search_document(user_id=user.pk) == {
        "id": user.pk,
        "nickname": "Ada",
        "about": "Graphs",
        "avatar_url": "https://cdn.example.org/ada.png",
    }


def test_a_missing_or_deactivated_user_has_no_search_document():
    inactive = UserFactory(is_active=False)

    assert user_search_document(user_id=inactive.pk) is None
    assert user_search_document(user_id=987_654) is None


def test_the_reindex_batches_read_the_same_public_documents():
    users = [UserFactory(phone=f"+861380013800{n}") for n in range(3)]
    UserFactory(is_active=False)
    source = sources.source_for("user")

    batch = source.batch(0, 10)

    assert batch == [user_search_document(user_id=user.pk) for user in users]
    assert source.count() == 3
    assert [user["id"] for user in source.batch(users[0].pk, 1)] == [users[1].pk]
