"""The sign-in limits of the users app (see scholarnet.ratelimit.scopes and .security).

All are security scopes: while Redis is down they count in each process instead of lifting.
Password and code sign-ins count *failures*, checked before the secret is: a person who knows
their password is not refused because others share their address, while guessing stops at the
account's budget (and, much later, at the address's). The windows are the back-off: the next
attempt is admitted when the oldest failure leaves the window (``Retry-After`` says when).
"""

from scholarnet.ratelimit.scopes import RateScope

LOGIN_FAILURES_ACCOUNT = RateScope(
    "login_failures_account",
    default="5/15m",
    security=True,
    help="failed password sign-ins per account; a success clears them",
)
LOGIN_FAILURES_IP = RateScope(
    "login_failures_ip",
    default="100/15m",
    security=True,
    help="failed password sign-ins per client IP (a campus NAT shares one)",
)
CODE_SEND_PHONE = RateScope(
    "code_send_phone",
    default="10/1h",
    security=True,
    help="SMS login codes sent per phone number (beside the one-a-minute resend rule)",
)
CODE_SEND_IP = RateScope(
    "code_send_ip", default="30/1h", security=True, help="SMS login codes sent per client IP"
)
CODE_VERIFY_FAILURES_PHONE = RateScope(
    "code_verify_failures_phone",
    default="10/1h",
    security=True,
    help="wrong SMS codes per phone number; a success clears them",
)
CODE_VERIFY_FAILURES_IP = RateScope(
    "code_verify_failures_ip",
    default="100/15m",
    security=True,
    help="wrong SMS codes per client IP",
)
WECHAT_LOGIN = RateScope(
    "wechat_login",
    default="10/60s",
    security=True,
    help="WeChat login callbacks per client IP; each may cost two requests to WeChat",
)
MFA_FAILURES_ACCOUNT = RateScope(
    "mfa_failures_account",
    default="5/15m",
    security=True,
    help="wrong two-factor codes per account (sign-in, confirm, disable); a success clears them",
)
MFA_FAILURES_IP = RateScope(
    "mfa_failures_ip",
    default="50/15m",
    security=True,
    help="wrong two-factor codes per client IP",
)
ORCID_LOGIN = RateScope(
    "orcid_login",
    default="10/60s",
    security=True,
    help="ORCID callbacks per client IP; each costs three requests to ORCID",
)
