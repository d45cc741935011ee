"""Errors of rewards, each with the stable ``code`` clients switch on."""

from __future__ import annotations

from scholarnet.api.errors import ApplicationError, NotFound


class RewardOwnArticle(ApplicationError):
    status_code = 400
    code = "reward_own_article"
    default_detail = "You cannot reward your own article."


class RewardNotFound(NotFound):
    # Also the answer for someone else's reward: 404, not 403, so ids cannot be probed.
    code = "not_found"
    default_detail = "Reward not found."
