"""The errors each identity endpoint answers, for its OpenAPI responses (an enum of codes).

Kept in one place so the views stay a few lines each; every tuple lists what the endpoint's
service raises. The kernel adds what it answers itself (bad JSON, the global rate limit, the
authentication class's token errors on endpoints that authenticate); see scholarnet.api.schema.
"""

from __future__ import annotations

from apps.codes.errors import CodeAttemptsExhausted
from apps.sms.senders import SmsDeliveryFailed, TemplateNotAuthorised
from apps.users.errors import (
    EmailTaken,
    InvalidCredentials,
    RefreshNotAvailable,
    RefreshReused,
    SessionCheckUnavailable,
    SessionRevoked,
    SessionRevokeUnavailable,
    TokenExpired,
    TokenInvalid,
    UserInactive,
)
from apps.users.wechat.errors import (
    WeChatAuthCancelled,
    WeChatAuthFailed,
    WeChatLoginDisabled,
    WeChatLoginMisconfigured,
    WeChatStateInvalid,
    WeChatUnavailable,
)
from scholarnet.api.errors import NotFound, RateLimited, ServiceUnavailable, ValidationFailed
from scholarnet.api.schema import ErrorSpec

# Codes chosen where the verification-code service raises them.
_CODE_WRONG: tuple[ErrorSpec, ...] = (
    ValidationFailed(code="code_invalid"),
    ValidationFailed(code="code_expired"),
    ValidationFailed(code="code_target_invalid"),
    CodeAttemptsExhausted,
)

REGISTER: tuple[ErrorSpec, ...] = (ValidationFailed, EmailTaken)
LOGIN: tuple[ErrorSpec, ...] = (ValidationFailed, InvalidCredentials, UserInactive)
REFRESH: tuple[ErrorSpec, ...] = (
    ValidationFailed,
    RefreshNotAvailable,
    TokenInvalid,
    TokenExpired,
    SessionRevoked,
    RefreshReused,
    UserInactive,
    SessionCheckUnavailable,
)
SMS_SEND: tuple[ErrorSpec, ...] = (
    ValidationFailed,
    ValidationFailed(code="code_target_invalid"),
    RateLimited(retry_after=60, code="code_send_too_frequent"),
    TemplateNotAuthorised,
    SmsDeliveryFailed,
)
SMS_LOGIN: tuple[ErrorSpec, ...] = (ValidationFailed, *_CODE_WRONG, UserInactive)
LOGOUT: tuple[ErrorSpec, ...] = (SessionRevokeUnavailable,)
SESSION_REVOKE: tuple[ErrorSpec, ...] = (NotFound, SessionRevokeUnavailable)
USER_RETRIEVE: tuple[ErrorSpec, ...] = (NotFound, ServiceUnavailable)
ME_UPDATE: tuple[ErrorSpec, ...] = (ValidationFailed,)
WECHAT_URL: tuple[ErrorSpec, ...] = (WeChatLoginDisabled, WeChatLoginMisconfigured)
WECHAT_CALLBACK: tuple[ErrorSpec, ...] = (
    ValidationFailed,
    WeChatStateInvalid,
    WeChatAuthCancelled,
    WeChatAuthFailed,
    WeChatUnavailable,
    WeChatLoginDisabled,
    WeChatLoginMisconfigured,
    UserInactive,
)
