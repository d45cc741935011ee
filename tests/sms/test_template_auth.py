import pytest

from apps.sms.decorators.template_auth import TemplateAuthorisation
from apps.sms.senders import SmsRequest, TemplateNotAuthorised
from apps.sms.templates import template_token
from tests.sms.factories import FakeProvider


def test_the_token_is_unwrapped_into_the_template_name():
    provider = FakeProvider()
    request = SmsRequest(
        phone="+8613800138000", template=template_token("login_code"), params={"code": "1"}
    )

    TemplateAuthorisation(provider).send(request)

    assert provider.requests[0].template == "login_code"
    assert provider.requests[0].params == {"code": "1"}


@pytest.mark.parametrize("token", ["login_code", "login_code:AAAA"])
def test_a_bare_or_forged_token_sends_nothing(token):
    provider = FakeProvider()

    with pytest.raises(TemplateNotAuthorised):
        TemplateAuthorisation(provider).send(
            SmsRequest(phone="+8613800138000", template=token, params={"code": "1"})
        )

    assert provider.requests == []


def test_parameters_must_fit_the_template():
    provider = FakeProvider()

    with pytest.raises(ValueError):
        TemplateAuthorisation(provider).send(
            SmsRequest(
                phone="+8613800138000",
                template=template_token("login_code"),
                params={"code": "1", "link": "https://evil.example"},
            )
        )

    assert provider.requests == []
