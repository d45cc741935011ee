"""Two-factor sign-in with TOTP (django-otp's TOTPDevice) and one-time recovery codes.

Enrolment creates an unconfirmed device; confirming it with a code turns two-factor sign-in on
and hands out ten recovery codes (kept as digests). From then on every sign-in path that issues
a session (password, SMS code, WeChat, ORCID) goes through :func:`services.sign_in`, which
answers a challenge instead: a short-lived, single-use id in Redis bound to the User-Agent,
finished by ``POST /api/v1/auth/2fa/verify`` with a TOTP code or a recovery code.
"""
