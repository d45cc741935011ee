import pytest

from apps.sms import services
from apps.sms.decorators.record import SmsRecord
from apps.sms.models import SmsMessage
from apps.sms.senders import SmsDeliveryFailed, SmsRequest, SmsResult
from tests.sms.factories import FakeProvider

REQUEST = SmsRequest(phone="+8613800138000", template="login_code", params={"code": "042042"})


def _record(inner) -> SmsRecord:
    return SmsRecord(
        inner,
        record_sent=services.sms_message_record_sent,
        record_failed=services.sms_message_record_failed,
    )


@pytest.mark.django_db
def test_a_sent_message_is_recorded_with_its_text():
    result = _record(FakeProvider("a")).send(REQUEST)

    message = SmsMessage.objects.get()
    assert result.message == message
    assert message.status == SmsMessage.Status.SENT
    assert message.phone == "+8613800138000"
    assert message.template == "login_code"
    assert message.params == {"code": "042042"}
    assert message.text == "Your ScholarNet code is 042042. It expires in 10 minutes."
    assert message.provider == "a"
    assert message.provider_message_id == "a-1"
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""


@pytest.mark.django_db
def test_a_provider_failure_is_recorded_and_raised_as_a_503():
    with pytest.raises(SmsDeliveryFailed) as error:
        _record(FakeProvider("a", default="timeout")).send(REQUEST)

    message = SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.FAILED
    assert message.provider == "a"
    assert message.attempts == 1
    assert message.last_error == "a: timed out"
    assert error.value.failures[0].provider == "a"


@pytest.mark.django_db
def test_a_queued_result_is_passed_through_without_a_second_row():
    class Queueing:
        def send(self, request):
            return SmsResult(queued=True, message="the queued row")

    result = _record(Queueing()).send(REQUEST)

    assert result.message == "the queued row"
    assert SmsMessage.objects.count() == 0


@pytest.mark.django_db
def test_a_bug_below_records_nothing():
    class Broken:
        def send(self, request):
            raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        _record(Broken()).send(REQUEST)

    assert SmsMessage.objects.count() == 0
