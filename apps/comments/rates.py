"""The comments app's per-action limits (see scholarnet.ratelimit.scopes)."""

from scholarnet.ratelimit.scopes import RateScope

COMMENT = RateScope("comment", default="10/60s", help="comments posted per signed-in user")
