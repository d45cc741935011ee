"""The follows app's per-action limits (see scholarnet.ratelimit.scopes)."""

from scholarnet.ratelimit.scopes import RateScope

FOLLOW = RateScope("follow", default="60/60s", help="follows and unfollows per signed-in user")
TAG_FOLLOW = RateScope("tag_follow", default="60/60s", help="tag follows per signed-in user")
