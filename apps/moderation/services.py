"""Writes of moderation: reports, moderators' actions on a target, suspensions, the audit log.

Every moderator action runs in one transaction that locks the target's queue row first (as
``report_create`` does, after creating it outside its transaction), calls the owning app's
service (articles take-down and restore, comment deletion, user deactivation and
reactivation), writes the audit entry with the target's state before and after, closes the
target's open reports and, where the author is told, publishes ``moderation.action`` through
the outbox. Nothing here writes another app's models.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.articles.services import article_restore, article_take_down
from apps.comments.services import comment_delete
from apps.moderation import selectors
from apps.moderation.errors import (
    ActionNotApplicable,
    AlreadyReported,
    CannotReportOwn,
    ModerationDenied,
)
from apps.moderation.events import ModerationAction
from apps.moderation.models import (
    AuditEntry,
    Report,
    ReportedTarget,
    ReportStatus,
    Suspension,
    TargetState,
    TargetType,
)
from apps.users.models import User
from apps.users.services import user_deactivate, user_reactivate
from scholarnet.api.errors import ValidationFailed
from scholarnet.audit import staff_action_recorded_by_caller
from scholarnet.events.payloads import publish_event
from scholarnet.observability.metrics import counter

logger = logging.getLogger(__name__)

MODERATION_ACTIONS = counter(
    "moderation_actions_total", "Moderator actions by kind.", labelnames=("action",)
)
REPORTS_FILED = counter("moderation_reports_total", "Reports filed, by target type.", ["type"])
MAX_SUSPENSION_DAYS = 3650


# --- the audit log ----------------------------------------------------------------------------


def audit_record(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: who did what to which target, why, and its state before and after."""
    entry = AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason,
        before=before or {},
        after=after or {},
    )
    entry.save()
    return entry


# The other apps' admin actions that change what an author published, as this app's actions.
_STAFF_ARTICLE_ACTIONS = {"article_take_down": "take_down", "article_restore": "restore"}


def staff_action_record(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """The audit log's entry for a staff action taken in another app's admin.

    A take-down or restore of an article there (the articles admin's actions) also tells the
    author why, as the same action from the moderators' queue does.
    """
    entry = audit_record(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        before=before,
        after=after,
    )
    notified = _STAFF_ARTICLE_ACTIONS.get(action)
    if notified and target_type == TargetType.ARTICLE:
        article_id = int(target_id)
        owner = selectors.article_author_and_title(article_id=article_id)
        if owner is not None:
            publish_event(
                ModerationAction(
                    audit_id=entry.pk,
                    action=notified,
                    target_type=TargetType.ARTICLE,
                    target_id=article_id,
                    author_id=owner[0],
                    moderator_id=entry.actor_id,
                    reason=entry.reason,
                    title=owner[1],
                    article_id=article_id,
                    occurred_at=entry.created_at,
                )
            )
    return entry


# --- reports ----------------------------------------------------------------------------------


def _target_ensure(*, target_type: str, target_id: int, author_id: int | None) -> None:
    """Create the target's queue row if missing, committed at once (outside the report's
    transaction): concurrent first reports inserting it inside theirs would each hold a shared
    lock on the duplicate key and wait to upgrade it (an InnoDB deadlock)."""
    now = timezone.now()
    row = ReportedTarget(
        target_type=target_type,
        target_id=target_id,
        author_id=author_id,
        state=TargetState.HANDLED,  # no open report yet; the report's transaction opens it
        first_reported_at=now,
        last_reported_at=now,
    )
    ReportedTarget.objects.bulk_create([row], ignore_conflicts=True)


def _target_locked(*, target_type: str, target_id: int) -> ReportedTarget:
    rows = ReportedTarget.objects.select_for_update()
    return rows.get(target_type=target_type, target_id=target_id)


def report_create(
    *, reporter: Any, target_type: str, target_id: int, reason: str, note: str = ""
) -> Report:
    """File a report on a target the reporter can see; one open report per reporter and target.

    ``ReportTargetNotFound`` for a target that does not exist or is not public,
    ``CannotReportOwn`` for one's own content or account, ``AlreadyReported`` (409) while the
    reporter's earlier report on it is open.
    """
    resolved = selectors.report_target_resolve(target_type=target_type, target_id=target_id)
    if resolved.author_id == reporter.pk:
        raise CannotReportOwn()
    _target_ensure(target_type=target_type, target_id=target_id, author_id=resolved.author_id)
    with transaction.atomic():
        target = _target_locked(target_type=target_type, target_id=target_id)
        existing = target.reports.filter(reporter=reporter, open=True).values_list("pk", flat=True)
        if existing_id := existing.first():
            raise AlreadyReported(extra={"report_id": existing_id})
        report = _report_insert(reporter=reporter, target=target, reason=reason, note=note.strip())
        target.open_count = F("open_count") + 1
        target.report_count = F("report_count") + 1
        target.state = TargetState.OPEN
        target.last_reported_at = report.created_at
        target.save(update_fields=["open_count", "report_count", "state", "last_reported_at"])
    REPORTS_FILED.labels(target_type).inc()
    return report


def _report_insert(*, reporter: Any, target: ReportedTarget, reason: str, note: str) -> Report:
    # The target's lock serialises its reports, so the check above sees every committed one;
    # the unique (reporter, target, open) is the backstop should anything slip past it.
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                entry=target,
                target_type=target.target_type,
                target_id=target.target_id,
                reason=reason,
                note=note,
            )
    except IntegrityError:
        raise AlreadyReported() from None


def _reports_close(target: ReportedTarget, *, status: str, moderator: Any, action: str) -> int:
    now = timezone.now()
    closed = target.reports.filter(open=True).update(
        open=None, status=status, resolved_at=now, resolved_by=moderator
    )
    target.open_count = 0
    target.state = TargetState.HANDLED
    target.handled_at = now
    target.last_action = action
    target.save(update_fields=["open_count", "state", "handled_at", "last_action"])
    return closed


# --- moderators' actions ----------------------------------------------------------------------


def moderator_check(user: Any) -> None:
    if not (user.is_active and user.has_perm("moderation.moderate")):
        raise ModerationDenied()


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": ["Say why: the author is told."]})
    return reason


def _target_for_action(target_id: int) -> ReportedTarget:
    return ReportedTarget.objects.select_for_update().get(pk=target_id)


def _notify(
    entry: AuditEntry, *, target: ReportedTarget, author_id: int | None, **extra: Any
) -> None:
    publish_event(
        ModerationAction(
            audit_id=entry.pk,
            action=entry.action,
            target_type=target.target_type,
            target_id=target.target_id,
            author_id=author_id,
            moderator_id=entry.actor_id,
            reason=entry.reason,
            occurred_at=entry.created_at,
            **extra,
        )
    )


def report_dismiss(*, moderator: Any, target_id: int, reason: str = "") -> int:
    """Close the target's open reports without acting on it; the reports closed."""
    moderator_check(moderator)
    with transaction.atomic():
        target = _target_for_action(target_id)
        state = selectors.target_state(target_type=target.target_type, target_id=target.target_id)
        closed = _reports_close(
            target, status=ReportStatus.DISMISSED, moderator=moderator, action="dismiss"
        )
        audit_record(
            actor=moderator,
            action="dismiss",
            target_type=target.target_type,
            target_id=target.target_id,
            reason=reason.strip(),
            before={**state, "open_reports": closed},
            after={**state, "open_reports": 0},
        )
    MODERATION_ACTIONS.labels("dismiss").inc()
    return closed


def _take_down_in_owner(target: ReportedTarget, *, moderator: Any, reason: str) -> None:
    if target.target_type == TargetType.ARTICLE:
        article_take_down(article_id=target.target_id, moderator=moderator, reason=reason)
    elif target.target_type == TargetType.COMMENT:
        comment_delete(user=moderator, comment_id=target.target_id)
    else:
        raise ActionNotApplicable("A user is suspended or banned, not taken down.")


def target_take_down(*, moderator: Any, target_id: int, reason: str) -> AuditEntry:
    """Take an article or a comment down (hidden everywhere once this commits), uphold its
    reports and tell its author why. A comment is deleted with its replies (comments have no
    hidden state); its text stays in the audit entry."""
    moderator_check(moderator)
    reason = _reason(reason)
    with transaction.atomic():
        target = _target_for_action(target_id)
        kind, pk = target.target_type, target.target_id
        before = selectors.target_state(target_type=kind, target_id=pk)
        if not before["exists"]:
            raise ActionNotApplicable("The target no longer exists.")
        resolved_title = before.get("title") or before.get("content", "")[:120]
        with staff_action_recorded_by_caller():
            _take_down_in_owner(target, moderator=moderator, reason=reason)
        _reports_close(target, status=ReportStatus.UPHELD, moderator=moderator, action="take_down")
        entry = audit_record(
            actor=moderator,
            action="take_down",
            target_type=kind,
            target_id=pk,
            reason=reason,
            before=before,
            after=selectors.target_state(target_type=kind, target_id=pk),
        )
        article_id = pk if kind == TargetType.ARTICLE else before.get("article_id")
        _notify(
            entry,
            target=target,
            author_id=target.author_id,
            title=resolved_title,
            article_id=article_id,
        )
    MODERATION_ACTIONS.labels("take_down").inc()
    return entry


def target_restore(*, moderator: Any, target_id: int, reason: str = "") -> AuditEntry:
    """Undo a take-down of an article, or lift a user's suspension or ban."""
    moderator_check(moderator)
    with transaction.atomic():
        target = _target_for_action(target_id)
        kind, pk = target.target_type, target.target_id
        if kind == TargetType.USER:
            return _user_unsuspend_locked(
                moderator=moderator, user_id=pk, reason=reason.strip(), target=target
            )
        if kind == TargetType.COMMENT:
            raise ActionNotApplicable("A taken-down comment is deleted; it cannot be restored.")
        before = selectors.target_state(target_type=kind, target_id=pk)
        if not before.get("taken_down"):
            raise ActionNotApplicable("The article is not taken down.")
        live = article_restore(article_id=pk, moderator=moderator)
        target.last_action = "restore"
        target.save(update_fields=["last_action"])
        entry = audit_record(
            actor=moderator,
            action="restore",
            target_type=kind,
            target_id=pk,
            reason=reason.strip(),
            before=before,
            after=selectors.target_state(target_type=kind, target_id=pk),
        )
        _notify(entry, target=target, author_id=live.author_id, title=live.title, article_id=pk)
    MODERATION_ACTIONS.labels("restore").inc()
    return entry


# --- suspensions ------------------------------------------------------------------------------


def _locked_user(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise ActionNotApplicable("The account no longer exists.")
    return user


def user_suspend(
    *, moderator: Any, user_id: int, reason: str, days: int | None, target_id: int | None = None
) -> AuditEntry:
    """Suspend an account for ``days`` (a ban when None): it is closed and every session of it
    revoked at once; ``suspensions_end_due`` reopens it when the period is over.

    ``target_id``: the queue row acted from, whose open reports are upheld.
    """
    moderator_check(moderator)
    reason = _reason(reason)
    if days is not None and not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationFailed(fields={"days": [f"From 1 to {MAX_SUSPENSION_DAYS} days."]})
    action = "ban" if days is None else "suspend"
    with transaction.atomic():
        target = _target_for_action(target_id) if target_id is not None else None
        user = _locked_user(user_id)
        if user.pk == moderator.pk or user.is_superuser:
            raise ActionNotApplicable("This account cannot be suspended from here.")
        before = selectors.user_state(user_id=user.pk)
        now = timezone.now()
        current = selectors.suspension_current(user_id=user.pk)
        if current is not None:  # the new one replaces it
            Suspension.objects.filter(pk=current.pk).update(lifted_at=now)
        Suspension.objects.create(
            user=user,
            moderator=moderator,
            reason=reason,
            starts_at=now,
            ends_at=None if days is None else now + timedelta(days=days),
            was_active=user.is_active if current is None else current.was_active,
        )
        user_deactivate(user=user)
        if target is not None:
            _reports_close(target, status=ReportStatus.UPHELD, moderator=moderator, action=action)
        entry = audit_record(
            actor=moderator,
            action=action,
            target_type=TargetType.USER,
            target_id=user.pk,
            reason=reason,
            before=before,
            after=selectors.user_state(user_id=user.pk),
        )
    MODERATION_ACTIONS.labels(action).inc()
    return entry


def _user_unsuspend_locked(
    *, moderator: Any, user_id: int, reason: str, target: ReportedTarget | None = None
) -> AuditEntry:
    user = _locked_user(user_id)
    current = selectors.suspension_current(user_id=user.pk)
    if current is None:
        raise ActionNotApplicable("The account is not suspended.")
    before = selectors.user_state(user_id=user.pk)
    _suspension_lift(current, user=user)
    if target is not None:
        target.last_action = "restore"
        target.save(update_fields=["last_action"])
    entry = audit_record(
        actor=moderator,
        action="unsuspend",
        target_type=TargetType.USER,
        target_id=user.pk,
        reason=reason,
        before=before,
        after=selectors.user_state(user_id=user.pk),
    )
    MODERATION_ACTIONS.labels("unsuspend").inc()
    return entry


def _suspension_lift(suspension: Suspension, *, user: User) -> None:
    Suspension.objects.filter(pk=suspension.pk).update(lifted_at=timezone.now())
    if suspension.was_active:
        user_reactivate(user=user)


def user_unsuspend(*, moderator: Any, user_id: int, reason: str = "") -> AuditEntry:
    """Lift a suspension or a ban now; the account reopens if it was open before."""
    moderator_check(moderator)
    with transaction.atomic():
        return _user_unsuspend_locked(moderator=moderator, user_id=user_id, reason=reason.strip())


def suspensions_end_due() -> int:
    """Reopen the accounts whose suspension period is over; the number ended (idempotent)."""
    due = Suspension.objects.filter(lifted_at__isnull=True, ends_at__lte=timezone.now())
    ended = 0
    for suspension_id in list(due.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            suspension = (
                Suspension.objects.select_for_update()
                .filter(pk=suspension_id, lifted_at__isnull=True)
                .first()
            )
            if suspension is None:
                continue
            user = _locked_user(suspension.user_id)
            before = selectors.user_state(user_id=user.pk)
            _suspension_lift(suspension, user=user)
            audit_record(
                actor=None,
                action="suspension_end",
                target_type=TargetType.USER,
                target_id=user.pk,
                reason="The suspension period is over.",
                before=before,
                after=selectors.user_state(user_id=user.pk),
            )
            ended += 1
    return ended
