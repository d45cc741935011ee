from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def _new_account_scope(scope_name: str, user: Any) -> Any:
    from apps.moderation.rates import NEW_ACCOUNT_SCOPES
    from apps.moderation.selectors import trust_level_of

    scope = NEW_ACCOUNT_SCOPES.get(scope_name)
    if scope is None or trust_level_of(user=user) >= 1:
        return None
    return scope


def _links_allowed(user_id: int) -> bool:
    from apps.moderation.selectors import trust_level_of_id

    return trust_level_of_id(user_id) >= 1


class ModerationConfig(AppConfig):
    name = "apps.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        # Trust levels reach the lower apps through hooks they (and the kernel) own: accounts
        # below level 1 get the *_new_account rate scopes on top of comment and like limits,
        # and may not post links in comments.
        from apps.comments.policy import comment_links_check_register
        from scholarnet.ratelimit.tightening import rate_tightening_register

        rate_tightening_register(_new_account_scope)
        comment_links_check_register(_links_allowed)
        # Staff actions in the other apps' admins land in the same append-only audit log; an
        # article taken down or restored there tells its author, as the queue's actions do.
        from apps.moderation.services import staff_action_record
        from scholarnet.audit import staff_action_sink_register

        staff_action_sink_register(staff_action_record)
