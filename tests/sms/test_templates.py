import pytest
from django.core import signing

from apps.sms.senders import TemplateNotAuthorised
from apps.sms.templates import (
    TOKEN_SALT,
    template_check_params,
    template_get,
    template_token,
    template_unwrap,
)


def test_login_code_template_exists_by_default():
    template = template_get("login_code")

    assert template.placeholders == ("code",)
    assert template.render({"code": "012345"}) == (
        "Your ScholarNet code is 012345. It expires in 10 minutes."
    )


def test_token_round_trips_to_the_template_name():
    assert template_unwrap(template_token("login_code")) == "login_code"


def test_token_is_signed_with_a_salt_of_its_own():
    token = template_token("login_code")

    assert token.startswith("login_code:")
    assert signing.Signer(salt=TOKEN_SALT).unsign(token) == "login_code"
    with pytest.raises(signing.BadSignature):
        signing.Signer().unsign(token)


@pytest.mark.parametrize(
    "token",
    ["login_code", "login_code:forged", signing.Signer().sign("login_code"), ""],
)
def test_forged_or_bare_tokens_are_refused(token):
    with pytest.raises(TemplateNotAuthorised) as error:
        template_unwrap(token)

    assert error.value.status_code == 403
    assert error.value.code == "sms_template_not_authorised"


def test_unknown_template_has_no_token():
    with pytest.raises(ValueError):
        template_token("nope")


def test_token_of_a_removed_template_is_refused(settings):
    settings.SMS_TEMPLATES = {**settings.SMS_TEMPLATES, "welcome": {"text": "Hi {name}"}}
    token = template_token("welcome")
    settings.SMS_TEMPLATES = {"login_code": settings.SMS_TEMPLATES["login_code"]}

    with pytest.raises(TemplateNotAuthorised):
        template_unwrap(token)


def test_placeholders_keep_their_order_once_each(settings):
    settings.SMS_TEMPLATES = {"notice": {"text": "{name}: {amount} fen, {name} again, {{literal}}"}}

    assert template_get("notice").placeholders == ("name", "amount")


@pytest.mark.parametrize(
    "params", [{}, {"code": "1", "extra": "2"}, {"other": "1"}, {"code": 123456}]
)
def test_params_must_fill_the_placeholders_exactly_with_strings(params):
    with pytest.raises(ValueError):
        template_check_params(template_get("login_code"), params)
