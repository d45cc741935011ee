"""SMS templates and the signed tokens that authorise them.

Only server code holding ``SECRET_KEY`` can name a template: callers pass ``template_token(name)``
and the ``template_auth`` layer verifies it, so a template name that reaches ``sms_send`` from
anywhere else (a request body, a queued payload someone edited) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter

from django.conf import settings
from django.core import signing

from apps.sms.senders import TemplateNotAuthorised

TOKEN_SALT = "apps.sms.templates.token"  # noqa: S105 - a signing namespace, not a secret


@dataclass(frozen=True)
class SmsTemplate:
    name: str
    text: str
    tencent_template_id: str = ""
    aliyun_template_code: str = ""

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Placeholder names in their order of appearance (Tencent's parameters are positional)."""
        names = (name for _, name, _, _ in Formatter().parse(self.text) if name)
        return tuple(dict.fromkeys(names))

    def render(self, params: Mapping[str, str]) -> str:
        return self.text.format_map(dict(params))


def template_token(name: str) -> str:
    """The token that lets a caller send with template ``name``."""
    template_get(name)
    return signing.Signer(salt=TOKEN_SALT).sign(name)


def template_unwrap(token: str) -> str:
    """The template name inside a token; raises ``TemplateNotAuthorised`` for a forged one."""
    try:
        name = signing.Signer(salt=TOKEN_SALT).unsign(token)
    except signing.BadSignature:
        raise TemplateNotAuthorised() from None
    if name not in settings.SMS_TEMPLATES:
        raise TemplateNotAuthorised("The SMS template no longer exists.")
    return name


def template_get(name: str) -> SmsTemplate:
    try:
        config = settings.SMS_TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown SMS template {name!r}") from None
    return SmsTemplate(name=name, **config)


def template_check_params(template: SmsTemplate, params: Mapping[str, str]) -> None:
    """Every placeholder filled with a string, nothing else: providers reject anything looser."""
    expected = set(template.placeholders)
    if set(params) != expected:
        raise ValueError(
            f"template {template.name!r} takes {sorted(expected)}, got {sorted(params)}"
        )
    if not all(isinstance(value, str) for value in params.values()):
        raise ValueError(f"template {template.name!r} parameters must be strings")
