"""The interactions app's per-action limits (see scholarnet.ratelimit.scopes)."""

from scholarnet.ratelimit.scopes import RateScope

LIKE = RateScope("like", default="60/60s", help="likes and unlikes per signed-in user")
COLLECT = RateScope("collect", default="60/60s", help="collects and uncollects per signed-in user")
