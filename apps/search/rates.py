"""The search app's per-action limits (see scholarnet.ratelimit.scopes)."""

from scholarnet.ratelimit.scopes import RateScope

SEARCH = RateScope("search", default="120/60s", help="searches per user, else per client IP")
