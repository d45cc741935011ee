"""Errors of WeChat login, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError, NotFound, ServiceUnavailable


class WeChatLoginDisabled(NotFound):
    # A deployment without WeChat login has no such endpoint; 404 keeps it out of 5xx alerts.
    code = "wechat_login_disabled"
    default_detail = "WeChat login is not enabled."


class WeChatLoginMisconfigured(ServiceUnavailable):
    code = "wechat_login_misconfigured"
    default_detail = "WeChat login is not configured on this server."


class WeChatStateInvalid(ApplicationError):
    status_code = 400
    code = "wechat_state_invalid"
    default_detail = "The login state is missing, expired or does not match; start again."


class WeChatAuthCancelled(ApplicationError):
    status_code = 400
    code = "wechat_auth_cancelled"
    default_detail = "The WeChat login was cancelled."


class WeChatAuthFailed(ApplicationError):
    status_code = 400
    code = "wechat_auth_failed"
    default_detail = "WeChat did not accept the login; start again."


class WeChatUnavailable(ApplicationError):
    status_code = 502
    code = "wechat_unavailable"
    default_detail = "WeChat could not be reached or gave an unusable answer. Try again shortly."
