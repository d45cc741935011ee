from unittest import mock

import pytest
from django.urls import reverse

from apps.sms.models import SmsMessage
from tests.sms.factories import SmsMessageFactory

pytestmark = pytest.mark.django_db
Status = SmsMessage.Status
CHANGELIST = "admin:sms_smsmessage_changelist"


def test_changelist_shows_messages_with_filters_and_phone_search(admin_client):
    console = SmsMessageFactory(phone="+8613800138000", status=Status.SENT, provider="console")
    SmsMessageFactory(phone="+8613900139000", status=Status.FAILED, provider="tencent")

    page = admin_client.get(reverse(CHANGELIST))
    searched = admin_client.get(reverse(CHANGELIST), {"q": "+86138"})
    filtered = admin_client.get(reverse(CHANGELIST), {"status__exact": "failed"})

    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == list(SmsMessage.objects.order_by("-id"))
    assert list(searched.context["cl"].queryset) == [console]
    assert [m.phone for m in filtered.context["cl"].queryset] == ["+8613900139000"]
    assert {spec.title for spec in page.context["cl"].filter_specs} >= {"status", "provider"}


def test_detail_shows_the_console_text_read_only(admin_client):
    message = SmsMessageFactory(status=Status.SENT, provider="console")

    page = admin_client.get(reverse("admin:sms_smsmessage_change", args=[message.pk]))

    assert page.status_code == 200
    assert "Your ScholarNet code is 123456." in page.content.decode()
    assert b'name="_save"' not in page.content


def test_records_cannot_be_added_changed_or_deleted(admin_client):
    message = SmsMessageFactory(status=Status.SENT)

    assert admin_client.get(reverse("admin:sms_smsmessage_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:sms_smsmessage_change", args=[message.pk]), {"phone": "+1"}
    )
    delete = admin_client.post(reverse("admin:sms_smsmessage_delete", args=[message.pk]))

    assert change.status_code == 403
    assert delete.status_code == 403
    message.refresh_from_db()
    assert message.phone != "+1"


def test_retry_action_requeues_only_failed_messages(
    admin_client, django_capture_on_commit_callbacks
):
    failed = SmsMessageFactory(status=Status.FAILED, attempts=3)
    sent = SmsMessageFactory(status=Status.SENT, attempts=1)

    with (
        mock.patch("apps.sms.tasks.sms_deliver.apply_async") as apply_async,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 message(s) queued again." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.QUEUED, 0)
    assert sent.status == Status.SENT
    apply_async.assert_called_once_with(args=[failed.pk], countdown=0.0)


def test_staff_without_the_change_permission_cannot_retry(client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("viewer@example.org", "pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_smsmessage"))
    client.force_login(staff)
    failed = SmsMessageFactory(status=Status.FAILED, attempts=3)

    page = client.get(reverse(CHANGELIST))
    client.post(reverse(CHANGELIST), {"action": "retry_failed", "_selected_action": [failed.pk]})

    assert page.status_code == 200
    assert "retry_failed" not in page.context["cl"].model_admin.get_actions(page.wsgi_request)
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
