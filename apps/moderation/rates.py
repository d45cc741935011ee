"""The moderation app's per-action limits (see scholarnet.ratelimit.scopes).

The ``*_new_account`` scopes are checked *in addition to* the comments and likes scopes for
accounts below trust level 1 (registered in ``apps.py`` through the kernel's rate tightening).
"""

from scholarnet.ratelimit.scopes import RateScope

REPORT = RateScope("report", default="10/3600s", help="reports filed per signed-in user")
COMMENT_NEW_ACCOUNT = RateScope(
    "comment_new_account",
    default="3/60s",
    help="comments per user below trust level 1 (on top of the comment limit)",
)
LIKE_NEW_ACCOUNT = RateScope(
    "like_new_account",
    default="20/60s",
    help="likes and unlikes per user below trust level 1 (on top of the like limit)",
)
# The scope a new account's request is held to as well, by the scope its view names.
NEW_ACCOUNT_SCOPES = {"comment": COMMENT_NEW_ACCOUNT, "like": LIKE_NEW_ACCOUNT}
