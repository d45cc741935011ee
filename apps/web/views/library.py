"""The reader's in-place actions and own pages: likes, collects, follows, comments,
notifications, the wallet and tipping (the folders' own pages are in ``folders``).

Every action is a POST form that works without JavaScript (303 back to the page it came from)
and, sent by htmx, answers the updated partial to swap in place. Reads and writes go through
the other apps' selectors and services, with the API's throttles, so the pages and the API
never disagree on counts, visibility or errors. Anonymous actions go to ``/login/?next=``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.request import Request

from apps.articles import selectors as article_selectors
from apps.comments import selectors as comment_selectors
from apps.comments import services as comment_services
from apps.comments.pagination import CommentReplyPagination, CommentRootPagination
from apps.comments.rates import COMMENT
from apps.comments.serializers import CommentCreateInputSerializer
from apps.follows import selectors as follow_selectors
from apps.follows import services as follow_services
from apps.follows.rates import FOLLOW, TAG_FOLLOW
from apps.interactions import selectors as interaction_selectors
from apps.interactions import services as interaction_services
from apps.interactions.rates import COLLECT, LIKE
from apps.ledger import selectors as ledger_selectors
from apps.ledger.pagination import EntryPagination
from apps.ledger.serializers import entries_represent
from apps.notifications import selectors as notification_selectors
from apps.notifications import services as notification_services
from apps.notifications.pagination import notification_page
from apps.notifications.serializers import NotificationReadInputSerializer
from apps.rewards import selectors as reward_selectors
from apps.rewards import services as reward_services
from apps.rewards.models import RewardStatus
from apps.rewards.rates import REWARD_CREATE
from apps.rewards.serializers import RewardCreateInputSerializer, reward_represent
from apps.users.selectors import user_public_profile_get
from scholarnet.api.errors import ApplicationError, NotFound, ValidationFailed
from scholarnet.ratelimit.scopes import RateScope
from scholarnet.ratelimit.throttles import RedisRateThrottle

View = Callable[..., HttpResponse]

# The amounts the tip page offers, in fen.
TIP_AMOUNTS = (100, 500, 1000, 2000, 5000)


# --- plumbing ------------------------------------------------------------------------------------


def _back(request: HttpRequest, default: str = "/") -> str:
    """Where the action came from: the form's ``next``, else the Referer, if on this site."""
    for candidate in (request.POST.get("next"), request.GET.get("next")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return default


def _page_url(request: HttpRequest) -> str:
    """The page a partial is shown on: htmx says which; otherwise this request's own path."""
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.current_url_abs_path:
        return str(htmx.current_url_abs_path)
    return request.get_full_path()


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {"back_url": _page_url(request), **context}, status=status)


def _see_other(location: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = location
    return response


def _login_redirect(request: HttpRequest) -> HttpResponse:
    back = _back(request, request.get_full_path()) if request.method == "POST" else None
    target = "/login/?" + urlencode({"next": back or request.get_full_path()})
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(target)
    return _see_other(target)


def _error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    response = _render(
        request,
        "web/library/_error.html" if request.htmx else "web/library/error.html",  # type: ignore[attr-defined]
        {"error": error},
        status=error.status_code,
    )
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def signed_in(view: View) -> View:
    """Anonymous requests go to the sign-in page; application errors become error pages."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _login_redirect(request)
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            return _error(request, error)

    return wrapped


def application_errors(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            return _error(request, error)

    return wrapped


def _throttle(request: HttpRequest, scope: RateScope | str) -> None:
    """The API's per-user limit of ``scope`` (with its tightenings); RateLimited over it."""
    throttle = RedisRateThrottle()
    throttle.scope = scope
    throttle.allow_request(request, None)  # type: ignore[arg-type]


def _api_request(request: HttpRequest, **params: str | None) -> Request:
    """A DRF request carrying only ``params`` as its query, for the apps' paginators."""
    inner = HttpRequest()
    inner.method = "GET"
    inner.META = request.META
    inner.path = request.path
    inner.user = request.user
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value:
            query[key] = value
    inner.GET = query  # type: ignore[assignment]
    return Request(inner)


def _next_cursor(link: str | None) -> str | None:
    """The next page's cursor: the apps' paginators answer the bare token, DRF's a URL."""
    if not link:
        return None
    if "?" not in link:
        return link
    return parse_qs(urlsplit(link).query).get("cursor", [None])[0]


def _paged(paginator: Any, rows: Any, request: HttpRequest) -> tuple[list[Any], str | None]:
    api_request = _api_request(request, cursor=request.GET.get("cursor"))
    page = paginator.paginate_queryset(rows, api_request) or []
    return page, _next_cursor(paginator.get_next_link())


def _toggle_on(request: HttpRequest, on: str, off: str) -> bool:
    action = request.POST.get("action", on)
    if action not in (on, off):
        raise ValidationFailed(fields={"action": [f'"{on}" or "{off}".']})
    return action == on


# --- likes and collections -----------------------------------------------------------------------


def folders_of(user: Any) -> list[dict[str, Any]]:
    """The reader's folders for the collect picker (the default one first), one query."""
    if not user.is_authenticated:
        return []
    return [
        {"id": row.pk, "name": row.name, "is_default": row.is_default}
        for row in interaction_selectors.collection_list(user=user)[:100]
    ]


def _actions_partial(request: HttpRequest, article_id: int, state: Any) -> HttpResponse:
    """The actions with the write's own answer on top (as the API answers it): the counters'
    cache catches up once the write commits."""
    article = article_selectors.article_get_for_reader(article_id=article_id, user=request.user)
    for field in ("liked", "like_count", "collected", "collect_count"):
        if hasattr(state, field):
            article[field] = getattr(state, field)
    return _render(
        request, "web/library/_article_actions.html", {"article": article, "user": request.user}
    )


@require_POST
@signed_in
def article_like(request: HttpRequest, article_id: int) -> HttpResponse:
    on = _toggle_on(request, "like", "unlike")
    _throttle(request, LIKE)
    if on:
        state = interaction_services.article_like(user=request.user, article_id=article_id)
    else:
        state = interaction_services.article_unlike(user=request.user, article_id=article_id)
    if request.htmx:  # type: ignore[attr-defined]
        return _actions_partial(request, article_id, state)
    return _see_other(_back(request))


@require_POST
@signed_in
def article_collect(request: HttpRequest, article_id: int) -> HttpResponse:
    on = _toggle_on(request, "collect", "uncollect")
    raw = request.POST.get("collection_id") or None
    if raw is not None and not raw.isdigit():
        raise ValidationFailed(fields={"collection_id": ["A valid integer is required."]})
    collection_id = int(raw) if raw else None
    _throttle(request, COLLECT)
    if on:
        state: Any = interaction_services.article_collect(
            user=request.user, article_id=article_id, collection_id=collection_id
        )
    else:
        state = interaction_services.article_uncollect(
            user=request.user, article_id=article_id, collection_id=collection_id
        )
    if request.htmx:  # type: ignore[attr-defined]
        return _actions_partial(request, article_id, state)
    return _see_other(_back(request))


# --- follows -------------------------------------------------------------------------------------


@require_POST
@signed_in
def user_follow(request: HttpRequest, user_id: int) -> HttpResponse:
    on = _toggle_on(request, "follow", "unfollow")
    _throttle(request, FOLLOW)
    if on:
        state = follow_services.user_follow(follower=request.user, followee_id=user_id)
    else:
        state = follow_services.user_unfollow(follower=request.user, followee_id=user_id)
    if request.htmx:  # type: ignore[attr-defined]
        author = user_public_profile_get(user_id=user_id, viewer=request.user)
        author.update(followed=state.following, follower_count=state.follower_count)
        return _render(request, "web/library/_follow_button.html", {"author": author})
    return _see_other(_back(request, f"/u/{user_id}/"))


def tag_followed(*, user: Any, name: str) -> bool:
    if not user.is_authenticated:
        return False
    key = name.casefold()
    return any(n.casefold() == key for n in follow_selectors.followed_tag_names(user_id=user.pk))


@require_POST
@signed_in
def tag_follow(request: HttpRequest, name: str) -> HttpResponse:
    on = _toggle_on(request, "follow", "unfollow")
    _throttle(request, TAG_FOLLOW)
    if on:
        display = follow_services.tag_follow(user=request.user, name=name).name
    else:
        display = follow_services.tag_unfollow(user=request.user, name=name)
    if request.htmx:  # type: ignore[attr-defined]
        return _render(
            request,
            "web/library/_tag_follow_button.html",
            {"tag_name": display, "tag_followed": on},
        )
    return _see_other(_back(request, f"/t/{quote(name, safe='')}/"))


# --- comments ------------------------------------------------------------------------------------


def _can_delete(user: Any, comment: dict[str, Any], article_author_id: int | None) -> bool:
    if not user.is_authenticated:
        return False
    return bool(
        user.pk in (comment["author"]["id"], article_author_id) or getattr(user, "is_staff", False)
    )


def _decorate(user: Any, comments: list[dict[str, Any]], article_author_id: int | None) -> None:
    for comment in comments:
        comment["can_delete"] = _can_delete(user, comment, article_author_id)
        for reply in comment.get("replies", ()):
            reply["can_delete"] = _can_delete(user, reply, article_author_id)
        if "replies" in comment:
            comment["replies"] = list(reversed(comment["replies"]))  # oldest of the newest first
            comment["more_replies"] = comment["reply_count"] > len(comment["replies"])


def comment_page(
    request: HttpRequest, *, article_id: int, article_author_id: int | None, cursor: str | None
) -> dict[str, Any]:
    """One page of root comments with their newest replies, as the API's list gives it."""
    comment_selectors.article_comments_visible(article_id=article_id)
    with_replies = not comment_selectors.slow_database.degraded()
    paginator = CommentRootPagination()
    roots = (
        paginator.paginate_queryset(
            comment_selectors.comment_root_list(article_id=article_id),
            _api_request(request, cursor=cursor),
        )
        or []
    )
    comments = comment_selectors.comment_page_represent(roots, with_replies=with_replies)
    _decorate(request.user, comments, article_author_id)
    return {
        "comments": comments,
        "next_cursor": _next_cursor(paginator.get_next_link()),
        "replies_included": with_replies,
    }


def _article_author_id(article_id: int) -> int | None:
    from apps.articles.public import article_public_authors

    return article_public_authors(article_ids=[article_id]).get(article_id)


def _comments_partial(request: HttpRequest, article_id: int, status: int = 200) -> HttpResponse:
    author_id = _article_author_id(article_id)
    article = {"id": article_id, "author": {"id": author_id}}
    page = comment_page(request, article_id=article_id, article_author_id=author_id, cursor=None)
    # The actions' comment count changes too: swapped out of band (hx-swap-oob) with the thread.
    comment_count = article_selectors.article_counts(article_ids=[article_id])[article_id]
    return _render(
        request,
        "web/library/_comments.html",
        {
            "article": article,
            "comment_page": page,
            "comment_count": comment_count.comment_count,
            "user": request.user,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@application_errors
def article_comments(request: HttpRequest, article_id: int) -> HttpResponse:
    if request.method == "POST":
        return _comment_create(request, article_id)
    author_id = _article_author_id(article_id)
    page = comment_page(
        request,
        article_id=article_id,
        article_author_id=author_id,
        cursor=request.GET.get("cursor"),
    )
    context = {
        "article": {"id": article_id, "author": {"id": author_id}},
        "comment_page": page,
        "user": request.user,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return _render(request, "web/library/_comment_list.html", context)
    return _render(request, "web/library/comments_page.html", context)


@signed_in
def _comment_create(request: HttpRequest, article_id: int) -> HttpResponse:
    data: dict[str, Any] = {"content": request.POST.get("content", "")}
    if request.POST.get("parent_id"):
        data["parent_id"] = request.POST["parent_id"]
    serializer = CommentCreateInputSerializer(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(
            fields={k: [str(m) for m in v] for k, v in serializer.errors.items()}
        )
    _throttle(request, COMMENT)
    comment = comment_services.comment_create(
        user=request.user, article_id=article_id, **serializer.validated_data
    )
    if request.htmx:  # type: ignore[attr-defined]
        return _comments_partial(request, article_id)
    back = _back(request).split("#", 1)[0]
    return _see_other(f"{back}#comment-{comment.pk}")


@require_GET
@application_errors
def comment_replies(request: HttpRequest, comment_id: int) -> HttpResponse:
    paginator = CommentReplyPagination()
    rows = (
        paginator.paginate_queryset(
            comment_selectors.comment_reply_list(comment_id=comment_id),
            _api_request(request, cursor=request.GET.get("cursor")),
        )
        or []
    )
    replies = comment_selectors.comments_represent(rows)
    article_id = rows[0].article_id if rows else None
    author_id = _article_author_id(article_id) if article_id else None
    _decorate(request.user, replies, author_id)
    context = {
        "replies": replies,
        "root_id": comment_id,
        "article_id": article_id,
        "next_cursor": _next_cursor(paginator.get_next_link()),
        "user": request.user,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return _render(request, "web/library/_replies.html", context)
    return _render(request, "web/library/replies_page.html", context)


@require_POST
@signed_in
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    article_id = request.POST.get("article_id", "")
    comment_services.comment_delete(user=request.user, comment_id=comment_id)
    if request.htmx and article_id.isdigit():  # type: ignore[attr-defined]
        return _comments_partial(request, int(article_id))
    return _see_other(_back(request))


# --- notifications -------------------------------------------------------------------------------


def unread_total(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return int(notification_selectors.notification_unread_counts(user=user)["total"])


@require_http_methods(["GET", "POST"])
@signed_in
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        data: dict[str, Any] = {"all": request.POST.get("all") in ("1", "true", "on")}
        ids = request.POST.getlist("ids")
        if ids:
            data["ids"] = ids
        serializer = NotificationReadInputSerializer(data=data)
        if not serializer.is_valid():
            raise ValidationFailed(
                fields={k: [str(m) for m in v] for k, v in serializer.errors.items()}
            )
        read_ids = None if serializer.validated_data["all"] else serializer.validated_data["ids"]
        notification_services.notifications_read(user=request.user, ids=read_ids)
        if request.htmx:  # type: ignore[attr-defined]
            return _render(request, "web/library/_badge.html", {"user": request.user})
        return _see_other(_back(request, "/me/notifications/"))
    unread = request.GET.get("unread") == "1"
    rows = notification_selectors.notification_list(user=request.user, unread=unread)
    page, next_cursor = notification_page(
        rows, request=_api_request(request, cursor=request.GET.get("cursor"))
    )
    return _render(
        request,
        "web/library/notifications.html",
        {
            "notifications": notification_selectors.notifications_represent(page),
            "next_cursor": next_cursor,
            "unread_only": unread,
        },
    )


@require_GET
def notification_badge(request: HttpRequest) -> HttpResponse:
    return _render(request, "web/library/_badge.html", {"user": request.user})


# --- wallet --------------------------------------------------------------------------------------


@require_GET
@signed_in
def wallet(request: HttpRequest) -> HttpResponse:
    # Always the signed-in user's own: no id in the path, nobody else's wallet is reachable.
    own = ledger_selectors.wallet_get(user_id=int(request.user.pk))  # type: ignore[arg-type]
    entries, next_cursor = _paged(
        EntryPagination(), ledger_selectors.wallet_entries(account_id=own.account_id), request
    )
    return _render(
        request,
        "web/library/wallet.html",
        {"balance": own.balance, "entries": entries_represent(entries), "next_cursor": next_cursor},
    )


# --- tipping -------------------------------------------------------------------------------------


def _qr_svg(code_url: str) -> str:
    return mark_safe(  # noqa: S308 - segno's own SVG of a URL we made
        segno.make(code_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    )


def _pay_page_link(reward: dict[str, Any]) -> str | None:
    """The simulator's pay page, on this site (it is mounted here), in embedded mode only."""
    if not getattr(settings, "WECHAT_SIMULATOR_ENABLED", False) or not reward.get("pay_url"):
        return None
    parts = urlsplit(reward["pay_url"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _reward_context(request: HttpRequest, article_id: int, reward_id: int) -> dict[str, Any]:
    found = reward_selectors.reward_get_for_payer(
        reward_id=reward_id,
        payer_id=int(request.user.pk),  # type: ignore[arg-type]
    )
    if found.article_id != article_id:
        raise NotFound()
    reward = reward_represent(reward_services.reward_refresh(reward=found))
    return {
        "reward": reward,
        "article_id": article_id,
        "paid": reward["status"] == RewardStatus.PAID,
        "pending": reward["status"] == RewardStatus.PENDING,
        "qr_svg": _qr_svg(reward["code_url"]) if reward["code_url"] else "",
        "pay_link": _pay_page_link(reward),
    }


@require_http_methods(["GET", "POST"])
@signed_in
def article_tip(request: HttpRequest, article_id: int) -> HttpResponse:
    article = article_selectors.article_get_for_reader(article_id=article_id, user=request.user)
    if request.method == "POST":
        raw = request.POST.get("amount", "")
        amount: Any = int(raw) if raw.isdigit() and len(raw) < 10 else raw
        serializer = RewardCreateInputSerializer(data={"amount": amount})
        if not serializer.is_valid():
            raise ValidationFailed(
                fields={k: [str(m) for m in v] for k, v in serializer.errors.items()}
            )
        _throttle(request, REWARD_CREATE)
        reward = reward_services.reward_create(
            payer_id=int(request.user.pk),  # type: ignore[arg-type]
            article_id=article_id,
            amount=serializer.validated_data["amount"],
        )
        return _see_other(f"/a/{article_id}/tip?reward={reward.pk}")
    raw_reward = request.GET.get("reward", "")
    if raw_reward:
        if not raw_reward.isdigit() or len(raw_reward) > 18:
            raise Http404
        context = _reward_context(request, article_id, int(raw_reward))
        if request.htmx:  # type: ignore[attr-defined]
            return _render(request, "web/library/_tip_status.html", context)
        return _render(request, "web/library/tip.html", {"article": article, **context})
    amounts = [{"fen": fen, "yuan": f"{fen / 100:.2f}"} for fen in TIP_AMOUNTS]
    return _render(
        request,
        "web/library/tip.html",
        {
            "article": article,
            "amounts": amounts,
            "min_amount": settings.REWARDS_MIN_AMOUNT,
            "max_amount": settings.REWARDS_MAX_AMOUNT,
        },
    )
