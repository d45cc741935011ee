"""The rewards app's per-action limits (see scholarnet.ratelimit.scopes)."""

from scholarnet.ratelimit.scopes import RateScope

REWARD_CREATE = RateScope(
    "reward_create", default="20/60s", help="reward (tip) orders created per signed-in user"
)
