import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError

from apps.users.models import User


@pytest.mark.django_db
def test_email_is_stored_lower_cased_and_unique_case_insensitively():
    User.objects.create_user("Ada@Example.ORG", "a-long-password")

    assert User.objects.get().email == "ada@example.org"
    with pytest.raises(IntegrityError):
        User.objects.create_user("ADA@example.org", "another-password")


@pytest.mark.django_db
def test_users_without_email_or_phone_do_not_collide():
    first = User.objects.create_user(None, None, nickname="first")
    second = User.objects.create_user(None, None, nickname="second")

    assert first.email is None
    assert second.email is None
    assert first.has_usable_password() is False


@pytest.mark.django_db
def test_phone_must_be_e164():
    with pytest.raises(ValidationError) as error:
        User.objects.create_user(None, None, phone="13800138000")

    assert "phone" in error.value.message_dict
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_superuser_has_staff_rights():
    admin = User.objects.create_superuser("root@example.org", "a-long-password")

    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert admin.check_password("a-long-password")


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_never_uses_a_published_password(capsys):
    call_command("demo_data")
    first = capsys.readouterr().out
    password = first.split("Demo login: admin@scholarnet.local / ")[1].split()[0]
    call_command("demo_data")
    second = capsys.readouterr().out

    # demo_data (apps.web) also creates the demo authors: find the moderator by email.
    admin = User.objects.get(email="admin@scholarnet.local")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert admin.check_password(password)
    assert not admin.check_password("scholarnet-demo")
    assert len(password) >= 20
    assert password not in second
    assert "Demo login: admin@scholarnet.local (password shown at the first start)" in second
