import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.sms.decorators.async_switch import AsyncSwitch, HealthRecorder
from apps.sms.decorators.rate_limit import SmsRateLimit
from apps.sms.decorators.record import SmsRecord
from apps.sms.decorators.round_robin import PreferredProvider, RoundRobinFailover
from apps.sms.decorators.template_auth import TemplateAuthorisation
from apps.sms.decorators.timeout_failover import TimeoutFailover
from apps.sms.models import SmsMessage
from apps.sms.providers.console import ConsoleProvider
from apps.sms.senders import SmsDeliveryFailed, TemplateNotAuthorised
from apps.sms.services import get_delivery_sender, get_sender, sms_send
from apps.sms.services import sms_sender_build as sender_build
from apps.sms.templates import template_token
from scholarnet.api.errors import RateLimited


def _layers(sender) -> list[type]:
    types = []
    while True:
        types.append(type(sender))
        inner = getattr(sender, "inner", None) or getattr(sender, "measured", None)
        if inner is None:
            return types
        sender = inner.inner if isinstance(inner, HealthRecorder) else inner


def test_default_chain_wires_every_decorator_in_order():
    sender = get_sender()

    assert _layers(sender) == [
        TemplateAuthorisation,
        SmsRateLimit,
        SmsRecord,
        AsyncSwitch,
        TimeoutFailover,
        RoundRobinFailover,
    ]
    assert isinstance(sender, TemplateAuthorisation)


def test_default_providers_are_the_console():
    base = get_sender()
    while not isinstance(base, RoundRobinFailover):
        base = getattr(base, "inner", None) or base.measured.inner

    assert [type(p) for p in base.providers] == [ConsoleProvider]


def test_workers_use_the_layers_below_the_async_switch():
    sender = get_delivery_sender()

    assert isinstance(sender, HealthRecorder)
    assert _layers(sender.inner) == [TimeoutFailover, RoundRobinFailover]


def test_the_chain_is_rebuilt_when_settings_change(settings):
    first = get_sender()
    settings.SMS_CHAIN = ["template_auth"]

    assert _layers(get_sender()) == [TemplateAuthorisation, PreferredProvider]
    assert get_sender() is not first


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (["template_auth", "teleport"], "unknown SMS_CHAIN layers: teleport"),
        (["round_robin", "record"], "must come last"),
    ],
)
def test_bad_chains_are_configuration_errors(layers, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        sender_build(layers=layers, providers=["console"])


def test_no_providers_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="SMS_PROVIDERS is empty"):
        sender_build(layers=["round_robin"], providers=[])


@pytest.mark.django_db
def test_sms_send_through_the_default_chain_logs_and_records(caplog):
    with caplog.at_level(logging.WARNING, logger="apps.sms"):
        message = sms_send(
            phone="+8613800138000",
            template_token=template_token("login_code"),
            params={"code": "314159"},
        )

    assert message == SmsMessage.objects.get()
    assert message.status == SmsMessage.Status.SENT
    assert message.provider == "console"
    assert "SMS to +8613800138000 : Your ScholarNet code is 314159." in caplog.text


@pytest.mark.django_db
def test_sms_send_refuses_a_forged_template_and_records_nothing():
    with pytest.raises(TemplateNotAuthorised):
        sms_send(phone="+8613800138000", template_token="login_code", params={"code": "1"})

    assert SmsMessage.objects.count() == 0


@pytest.mark.django_db
def test_sms_send_is_rate_limited_per_phone(settings):
    settings.SMS_RATE_PER_PHONE = "1/60s"
    token = template_token("login_code")
    sms_send(phone="+8613800138000", template_token=token, params={"code": "1"})

    with pytest.raises(RateLimited):
        sms_send(phone="+8613800138000", template_token=token, params={"code": "2"})

    assert SmsMessage.objects.count() == 1


@pytest.mark.django_db
def test_without_the_async_switch_a_total_failure_is_a_recorded_503(settings):
    settings.SMS_PROVIDERS = ["tests.sms.test_chain.AlwaysTimesOut"]
    settings.SMS_CHAIN = ["template_auth", "record", "timeout_failover", "round_robin"]

    with pytest.raises(SmsDeliveryFailed):
        sms_send(
            phone="+8613800138000",
            template_token=template_token("login_code"),
            params={"code": "1"},
        )

    assert SmsMessage.objects.get().status == SmsMessage.Status.FAILED


class AlwaysTimesOut(ConsoleProvider):
    name = "sluggish"

    def deliver(self, request, template):
        from apps.sms.senders import ProviderTimeout

        raise ProviderTimeout(self.name, "timed out")


def test_the_record_layer_calls_back_into_what_the_chain_was_built_with(db):
    from apps.sms.chain import ChainCallbacks
    from apps.sms.chain import sender_build as chain_build
    from apps.sms.senders import SmsRequest

    recorded = []
    callbacks = ChainCallbacks(
        record_sent=lambda request, result: recorded.append((request.phone, result.provider)),
        record_failed=lambda request, failures: pytest.fail("nothing failed"),
        enqueue=lambda request, failures: pytest.fail("nothing was queued"),
    )
    sender = chain_build(
        layers=["template_auth", "record", "round_robin"],
        providers=["console"],
        callbacks=callbacks,
    )

    sender.send(
        SmsRequest(
            phone="+8613800000000", template=template_token("login_code"), params={"code": "123456"}
        )
    )

    assert recorded == [("+8613800000000", "console")]
    assert SmsMessage.objects.count() == 0  # the services' recorder was not involved


def test_the_chain_module_does_not_import_the_services():
    import ast
    import pathlib

    import apps.sms.chain

    tree = ast.parse(pathlib.Path(apps.sms.chain.__file__).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }

    assert "apps.sms.services" not in imported
    assert "apps.sms" not in imported  # "from apps.sms import services"
