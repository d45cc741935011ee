"""The authorization matrix: every API operation, every role, every kind of object.

Each row sends one request as one role and asserts the exact status and error code; a row that
is denied (any 4xx) also asserts that no row of any ScholarNet table changed (a snapshot of
every table before and after, later apps' tables included). List rows name the objects their
answer must show and must hide; write rows that are allowed can name their effect.

The roles (``authorization.ROLES``): ``anonymous``; ``other``, a signed-in stranger; ``owner``,
who wrote the objects; ``staff``, a superuser, who gets nothing extra from the API but the
moderation of comments (taking articles down is in the admin); ``deactivated``, an account
closed after signing in; ``revoked``, a logged-out session of the owner; ``expired``, the
owner's expired access token; ``other_device``, the owner's token sent from another browser;
``forged``, a token that does not verify. The objects
(``authorization.world_build``, created once for the module): the owner's articles in every state
(``draft``, ``published``, ``private``, ``taken_down``, ``deleted``), an article of the
deactivated user, the users' profiles, the owner's own tag, folders of the owner and of another
user, comments (one on an article hidden since), a follow, a like, a hot list ranked while every
article was public, sessions of the owner and of another user, and ids that do not exist. A new
app adds its objects there.

The module fails when the API grows without rows: every (path, method) of the freshly generated
OpenAPI schema under /api/ needs rows for every role, an operation on /articles/{id} needs rows
for every article state, every row must name a real operation, and every route under /api/ must
be in the schema or in ``EXEMPT_ROUTES``.

Adding an endpoint's rows is one entry per object in ``TABLE``::

    *rows("PUT", LIKE, on="published", anonymous=401, bad=401, everyone=200, effect=_liked),
    *rows("PUT", LIKE, on="private", code="not_found", anonymous=401, bad=401, everyone=404),

``everyone`` gives the roles not named, ``bad`` the bad-credential roles; a status may be
``(status, "code")``; ``code=``, ``body=``, ``query=`` (a dict, or a function of the world),
``shows=``/``hides=`` (targets whose ids the list answer must or must not contain),
``hidden_keys=`` and ``effect=`` (a function of the world, true once the write happened;
``world.user()`` is the requester) apply to the entry's rows. A known defect is a row with the
right status and ``xfail="why"``; the mark is strict, so fixing the defect fails the row until
the mark goes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.articles.models import Article, ArticleStatus
from apps.comments.models import Comment
from apps.follows.models import Follow, TagFollow
from apps.interactions.models import ArticleLike, Collection, CollectionItem
from apps.notifications.models import Notification
from apps.users.models import User, UserSession
from tests.integration.authorization import (
    ARTICLE_STATES,
    ROLES,
    SEARCH_WORD,
    TAG_NAME,
    Case,
    World,
    answer_ids,
    api_routes_outside_schema,
    database_snapshot,
    request,
    rows,
    schema_operations,
    snapshot_changes,
    world_build,
    world_redis_restore,
)
from tests.users.factories import PASSWORD

ARTICLES = "/api/v1/articles"
DETAIL = "/api/v1/articles/{id}"
DRAFT = "/api/v1/articles/{id}/draft"
PUBLISH = "/api/v1/articles/{id}/publish"
WITHDRAW = "/api/v1/articles/{id}/withdraw"
ME_ARTICLES = "/api/v1/me/articles"
TAGS = "/api/v1/tags"
TAG_ARTICLES = "/api/v1/tags/{name}/articles"
SEARCH = "/api/v1/search"
USER = "/api/v1/users/{id}"
ME = "/api/v1/users/me"
REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
SESSIONS = "/api/v1/auth/sessions"
SESSION = "/api/v1/auth/sessions/{id}"
SMS_SEND = "/api/v1/auth/sms/send"
SMS_LOGIN = "/api/v1/auth/sms/login"
WECHAT_URL = "/api/v1/auth/wechat/url"
WECHAT_CALLBACK = "/api/v1/auth/wechat/callback"
MFA = "/api/v1/auth/2fa"
MFA_ENROL = "/api/v1/auth/2fa/enrol"
MFA_CONFIRM = "/api/v1/auth/2fa/confirm"
MFA_DISABLE = "/api/v1/auth/2fa/disable"
MFA_RECOVERY_CODES = "/api/v1/auth/2fa/recovery-codes"
MFA_VERIFY = "/api/v1/auth/2fa/verify"
ORCID_AUTHORIZE = "/api/v1/auth/orcid/authorize"
ORCID_CALLBACK = "/api/v1/auth/orcid/callback"
ORCID_LINK = "/api/v1/me/orcid/link"
ORCID_UNLINK = "/api/v1/me/orcid/unlink"
HOT = "/api/v1/articles/hot"
LIKE = "/api/v1/articles/{id}/like"
COLLECT = "/api/v1/articles/{id}/collect"
FOLDERS = "/api/v1/me/collections"
FOLDER = "/api/v1/me/collections/{id}"
FOLDER_ITEMS = "/api/v1/me/collections/{id}/items"
FOLDER_MOVE = "/api/v1/me/collections/{id}/move"
FOLLOW = "/api/v1/users/{id}/follow"
FOLLOWERS = "/api/v1/users/{id}/followers"
FOLLOWEES = "/api/v1/users/{id}/followees"
TAG_FOLLOW = "/api/v1/tags/{name}/follow"
FOLLOWED_TAGS = "/api/v1/me/followed-tags"

# Routes under /api/ that are not API operations, so no row can describe them.
EXEMPT_ROUTES = {
    "/api/schema/": "the OpenAPI document itself, public by design",
    "/api/docs/": "Swagger UI, a static page that reads /api/schema/",
}

PUBLIC = ("published", "deactivated_article")
HIDDEN = ("draft", "private", "taken_down", "deleted")
MINE = ("draft", "published", "private", "taken_down")
NOT_FOUND = "not_found"
SIGNED_IN = {"anonymous": 401, "bad": 401}  # the rest of a signed-in-only operation's roles


def _status(target: str, value: str) -> bool:
    return Article.objects.filter(pk=_pk(target), status=value).exists()


_WORLD: dict[str, World] = {}  # the module's world, for effects (set by the fixture)


def _pk(target: str) -> int:
    return _WORLD["world"].pk(target)


def _gone(target: str) -> bool:
    return not Article.objects.filter(pk=_pk(target)).exists()


def _revoked(target: str) -> bool:
    sid = _WORLD["world"].targets[target]["id"]
    return UserSession.objects.filter(sid=sid, revoked_at__isnull=False).exists()


def _liked(world: World) -> bool:
    return ArticleLike.objects.filter(user=world.user(), article_id=world.pk("published")).exists()


def _collected(world: World) -> bool:
    items = CollectionItem.objects.filter(user=world.user(), article_id=world.pk("published"))
    return items.exists()


def _move_body(world: World, article: str, folder: str) -> dict[str, int]:
    return {"article_id": world.pk(article), "to_collection_id": world.pk(folder)}


def _in_folder(world: World, folder: str, article: str) -> bool:
    items = CollectionItem.objects.filter(collection_id=world.pk(folder))
    return items.filter(article_id=world.pk(article)).exists()


def _follows_owner(world: World) -> bool:
    # The requester's own follow: "other" follows the owner in the world already.
    return Follow.objects.filter(follower=world.user(), followee=world.users["owner"]).exists()


def _follows_tag(world: World) -> bool:
    return TagFollow.objects.filter(name=TAG_NAME).count() == 1


def _not_public_rows(method: str, path: str, **options: object) -> list[Case]:
    """An operation only a public article allows: 404 for every other state, its author too."""
    return [
        case
        for state in HIDDEN
        for case in rows(
            method, path, on=state, code=NOT_FOUND, **SIGNED_IN, everyone=404, **options
        )
    ]


def _author_rows(method: str, path: str, state: str, **options: object) -> list[Case]:
    """An author-only operation on one of the owner's articles: 404 for every other user."""
    return rows(method, path, on=state, code=NOT_FOUND, **SIGNED_IN, everyone=404, **options)


EDITED = {"title": f"{SEARCH_WORD} edited"}
NEW_DRAFT = {"title": "A new draft", "content": "Body."}
NEW_ACCOUNT = {"email": "newcomer@example.org", "password": PASSWORD}
NEW_PHONE = "+8613800000009"

TABLE: list[Case] = [
    # --- articles: public reads --------------------------------------------------------------
    *rows("GET", ARTICLES, everyone=200, bad=401, shows=PUBLIC, hides=HIDDEN),
    *rows(
        "GET",
        ARTICLES,
        query=lambda w: {"author": w.pk("owner_user")},
        everyone=200,
        bad=401,
        shows=("published",),
        hides=(*HIDDEN, "deactivated_article"),
    ),
    *rows("GET", DETAIL, on="published", everyone=200, bad=401),
    *rows("GET", DETAIL, on="deactivated_article", everyone=200, bad=401),
    *rows("GET", DETAIL, on="draft", code=NOT_FOUND, everyone=404, bad=401),
    *rows("GET", DETAIL, on="private", code=NOT_FOUND, owner=200, everyone=404, bad=401),
    *rows("GET", DETAIL, on="taken_down", code=NOT_FOUND, owner=200, everyone=404, bad=401),
    *rows("GET", DETAIL, on="deleted", code=NOT_FOUND, everyone=404, bad=401),
    *rows("GET", DETAIL, on="missing_article", code=NOT_FOUND, everyone=404, bad=401),
    # --- articles: writing ----------------------------------------------------------------
    *rows(
        "POST",
        ARTICLES,
        body=NEW_DRAFT,
        **SIGNED_IN,
        everyone=201,
        effect=lambda w: Article.objects.filter(title=NEW_DRAFT["title"]).count() == 1,
    ),
    *rows("POST", ARTICLES, body={"title": "", "content": "x"}, owner=(400, "invalid")),
    *rows("POST", ARTICLES, body={"content": "no title"}, other=(400, "invalid")),
    *[
        case
        for state in MINE
        for case in (
            *_author_rows("GET", DRAFT, state, owner=200),
            *_author_rows(
                "PATCH",
                DRAFT,
                state,
                body=EDITED,
                owner=200,
                effect=lambda w, s=state: Article.objects.get(pk=_pk(s)).title == EDITED["title"],
            ),
            *_author_rows("DELETE", DRAFT, state, owner=204, effect=lambda w, s=state: _gone(s)),
            *_author_rows(
                "POST",
                PUBLISH,
                state,
                owner=200,
                effect=lambda w, s=state: _status(s, ArticleStatus.PUBLISHED),
            ),
        )
    ],
    # Input is validated before the article is looked up: the same 400 for every id and every
    # user, so it tells nobody whether the article exists.
    *rows(
        "PATCH", DRAFT, on="published", body={"title": ""}, **SIGNED_IN, everyone=(400, "invalid")
    ),
    *rows("PATCH", DRAFT, on="missing_article", body={"title": ""}, owner=(400, "invalid")),
    *_author_rows("GET", DRAFT, "deleted"),
    *_author_rows("PATCH", DRAFT, "deleted", body=EDITED),
    *_author_rows("DELETE", DRAFT, "deleted"),
    *_author_rows("POST", PUBLISH, "deleted"),
    *_author_rows("POST", WITHDRAW, "draft", owner=(409, "article_not_published")),
    *[
        case
        for state in ("published", "private", "taken_down")
        for case in _author_rows(
            "POST",
            WITHDRAW,
            state,
            owner=200,
            effect=lambda w, s=state: _status(s, ArticleStatus.PRIVATE),
        )
    ],
    *_author_rows("POST", WITHDRAW, "deleted"),
    # --- the author's own list --------------------------------------------------------------
    *rows("GET", ME_ARTICLES, owner=200, shows=MINE, hides=("deleted", "deactivated_article")),
    *rows("GET", ME_ARTICLES, **SIGNED_IN, other=200, staff=200, hides=(*MINE, "deleted")),
    # --- tags -------------------------------------------------------------------------------
    *rows("GET", TAGS, owner=200, shows=("tag",)),
    *rows("GET", TAGS, anonymous=200, other=200, staff=200, bad=401, hides=("tag",)),
    *rows("GET", TAGS, query={"mine": "1"}, owner=200, shows=("tag",)),
    *rows("GET", TAGS, query={"mine": "1"}, other=200, staff=200, hides=("tag",)),
    *rows("GET", TAGS, query={"mine": "1"}, anonymous=401, bad=401),
    *rows("GET", TAG_ARTICLES, on="tag", everyone=200, bad=401, shows=PUBLIC, hides=HIDDEN),
    # --- search -----------------------------------------------------------------------------
    *rows(
        "GET", SEARCH, query={"q": SEARCH_WORD}, everyone=200, bad=401, shows=PUBLIC, hides=HIDDEN
    ),
    *rows(
        "GET",
        SEARCH,
        query={"q": "Ada", "type": "user"},
        everyone=200,
        bad=401,
        shows=("owner_user",),
        hidden_keys=("email", "phone"),
    ),
    *rows(
        "GET",
        SEARCH,
        query={"q": "Dee", "type": "user"},
        anonymous=200,
        other=200,
        hides=("deactivated_user",),
    ),
    *rows("GET", SEARCH, query={"q": TAG_NAME, "type": "tag"}, owner=200, shows=("tag",)),
    *rows(
        "GET",
        SEARCH,
        query={"q": TAG_NAME, "type": "tag"},
        anonymous=200,
        other=200,
        staff=200,
        bad=401,
        hides=("tag",),
    ),
    *rows("GET", SEARCH, query={"q": ""}, code="query_empty", everyone=400, bad=401),
    # --- profiles ---------------------------------------------------------------------------
    *rows("GET", USER, on="owner_user", everyone=200, bad=401, hidden_keys=("email", "phone")),
    *rows("GET", USER, on="deactivated_user", code=NOT_FOUND, everyone=404, bad=401),
    *rows("GET", USER, on="missing_user", code=NOT_FOUND, everyone=404, bad=401),
    *rows("GET", ME, **SIGNED_IN, everyone=200),
    *rows(
        "PATCH",
        ME,
        body={"about": "Edited about."},
        **SIGNED_IN,
        everyone=200,
        effect=lambda w: User.objects.filter(about="Edited about.").count() == 1,
    ),
    *rows("PATCH", ME, body={"avatar_url": "not a url"}, owner=(400, "invalid")),
    # --- likes, collections, the hot list ------------------------------------------------------
    *rows("PUT", LIKE, on="published", **SIGNED_IN, everyone=200, effect=_liked),
    *_not_public_rows("PUT", LIKE),
    *rows(
        "DELETE", LIKE, on="published", **SIGNED_IN, everyone=200, effect=lambda w: not _liked(w)
    ),
    *_not_public_rows("DELETE", LIKE),
    *rows("PUT", COLLECT, on="published", **SIGNED_IN, everyone=200, effect=_collected),
    *rows(
        "PUT",
        COLLECT,
        on="published",
        body=lambda w: {"collection_id": w.pk("owner_folder")},
        other=(404, "collection_not_found"),
    ),
    *rows(
        "PUT",
        COLLECT,
        on="published",
        body=lambda w: {"collection_id": w.pk("owner_folder")},
        staff=(404, "collection_not_found"),
    ),
    *_not_public_rows("PUT", COLLECT),
    *rows(
        "DELETE",
        COLLECT,
        on="published",
        **SIGNED_IN,
        everyone=200,
        effect=lambda w: not _collected(w),
    ),
    *rows(
        "DELETE",
        COLLECT,
        on="published",
        body=lambda w: {"collection_id": w.pk("others_folder")},
        owner=(404, "collection_not_found"),
    ),
    *_not_public_rows("DELETE", COLLECT),
    *rows(
        "GET",
        FOLDERS,
        owner=200,
        shows=("owner_folder", "owner_default_folder"),
        hides=("others_folder",),
    ),
    *rows(
        "GET",
        FOLDERS,
        **SIGNED_IN,
        other=200,
        staff=200,
        hides=("owner_folder", "owner_default_folder"),
    ),
    *rows(
        "POST",
        FOLDERS,
        body={"name": "New folder"},
        **SIGNED_IN,
        everyone=201,
        effect=lambda w: Collection.objects.filter(owner=w.user(), name="New folder").exists(),
    ),
    *rows("POST", FOLDERS, body={"name": "Reading list"}, owner=(409, "collection_name_taken")),
    *rows(
        "PATCH",
        FOLDER,
        on="owner_folder",
        body={"name": "Renamed"},
        code="collection_not_found",
        **SIGNED_IN,
        everyone=404,
        owner=200,
        effect=lambda w: Collection.objects.get(pk=w.pk("owner_folder")).name == "Renamed",
    ),
    *rows(
        "DELETE",
        FOLDER,
        on="owner_folder",
        staff=(404, "collection_not_found"),
    ),
    *rows(
        "DELETE",
        FOLDER,
        on="owner_folder",
        code="collection_not_found",
        **SIGNED_IN,
        other=404,
        owner=204,
        effect=lambda w: not Collection.objects.filter(pk=w.pk("owner_folder")).exists(),
    ),
    *rows(
        "DELETE",
        FOLDER,
        on="owner_default_folder",
        owner=(409, "collection_default_undeletable"),
        other=(404, "collection_not_found"),
    ),
    *rows(
        "GET",
        FOLDER_ITEMS,
        on="owner_folder",
        code="collection_not_found",
        **SIGNED_IN,
        everyone=404,
        owner=200,
        shows=("published",),
        hides=HIDDEN,
    ),
    *rows("GET", FOLDER_ITEMS, on="missing_article", code="collection_not_found", owner=404),
    *rows(
        "POST",
        FOLDER_MOVE,
        on="owner_folder",
        body=lambda w: _move_body(w, "published", "owner_default_folder"),
        code="collection_not_found",
        **SIGNED_IN,
        everyone=404,
        owner=200,
        effect=lambda w: (
            _in_folder(w, "owner_default_folder", "published")
            and not _in_folder(w, "owner_folder", "published")
        ),
    ),
    *rows(
        "POST",
        FOLDER_MOVE,
        on="owner_folder",
        body=lambda w: _move_body(w, "published", "others_folder"),
        owner=(404, "collection_not_found"),
        other=(404, "collection_not_found"),
    ),
    *rows(
        "POST",
        FOLDER_MOVE,
        on="owner_default_folder",
        body=lambda w: _move_body(w, "published", "owner_folder"),
        owner=(404, "collection_item_not_found"),
    ),
    *rows(
        "POST",
        FOLDER_MOVE,
        on="owner_folder",
        body=lambda w: _move_body(w, "private", "owner_default_folder"),
        owner=(404, NOT_FOUND),
    ),
    *rows(
        "POST",
        FOLDER_MOVE,
        on="owner_folder",
        body={"article_id": "one", "to_collection_id": 0},
        owner=(400, "invalid"),
    ),
    *rows(
        "POST",
        FOLDER_MOVE,
        on="missing_article",
        body=lambda w: _move_body(w, "published", "owner_default_folder"),
        owner=(404, "collection_not_found"),
    ),
    *rows(
        "PATCH",
        FOLDER,
        on="missing_article",
        body={"name": "x"},
        owner=(404, "collection_not_found"),
    ),
    # Ranked while every article was public; the hidden ones must drop out at once.
    *rows("GET", HOT, everyone=200, bad=401, shows=("published",), hides=HIDDEN),
    # --- follows ------------------------------------------------------------------------------
    *rows(
        "PUT",
        FOLLOW,
        on="owner_user",
        **SIGNED_IN,
        everyone=200,
        owner=(400, "cannot_follow_self"),
        effect=_follows_owner,
    ),
    *rows("PUT", FOLLOW, on="deactivated_user", code=NOT_FOUND, **SIGNED_IN, everyone=404),
    *rows("PUT", FOLLOW, on="missing_user", code=NOT_FOUND, **SIGNED_IN, everyone=404),
    *rows(
        "DELETE",
        FOLLOW,
        on="owner_user",
        **SIGNED_IN,
        everyone=200,
        owner=(400, "cannot_follow_self"),
    ),
    *rows("DELETE", FOLLOW, on="missing_user", code=NOT_FOUND, **SIGNED_IN, everyone=404),
    *[
        case
        for path in (FOLLOWERS, FOLLOWEES)
        for target, status in (
            ("owner_user", 200),
            ("deactivated_user", 404),
            ("missing_user", 404),
        )
        for case in rows("GET", path, on=target, code=NOT_FOUND, everyone=status, bad=401)
    ],
    *rows("PUT", TAG_FOLLOW, on="tag", **SIGNED_IN, everyone=200, effect=_follows_tag),
    *rows("DELETE", TAG_FOLLOW, on="tag", **SIGNED_IN, everyone=200),
    *rows("GET", FOLLOWED_TAGS, **SIGNED_IN, everyone=200),
    # --- accounts and sessions --------------------------------------------------------------
    *rows(
        "POST",
        REGISTER,
        body=NEW_ACCOUNT,
        everyone=201,
        effect=lambda w: User.objects.filter(email=NEW_ACCOUNT["email"]).exists(),
    ),
    *rows(
        "POST",
        REGISTER,
        body=lambda w: {"email": w.email("owner"), "password": PASSWORD},
        everyone=(409, "email_taken"),
    ),
    *rows(
        "POST",
        LOGIN,
        body=lambda w: {"email": w.email("owner"), "password": PASSWORD},
        everyone=200,
    ),
    *rows(
        "POST",
        LOGIN,
        body=lambda w: {"email": w.email("owner"), "password": "wrong-password-1"},
        everyone=(401, "invalid_credentials"),
    ),
    *rows(
        "POST",
        LOGIN,
        body=lambda w: {"email": w.email("deactivated"), "password": PASSWORD},
        everyone=(401, "invalid_credentials"),
    ),
    *rows("POST", REFRESH, body=lambda w: {"refresh": w.refresh["owner_spare"]}, everyone=200),
    *rows(
        "POST",
        REFRESH,
        body=lambda w: {"refresh": w.refresh["revoked"]},
        everyone=(401, "session_revoked"),
    ),
    *rows(
        "POST",
        REFRESH,
        body=lambda w: {"refresh": w.refresh["deactivated"]},
        everyone=(401, "session_revoked"),
    ),
    *rows("POST", REFRESH, body={"refresh": "not.a.token"}, everyone=(401, "token_invalid")),
    *rows("POST", LOGOUT, **SIGNED_IN, other=204, staff=204),
    *rows("POST", LOGOUT, owner=204, effect=lambda w: _revoked("owner_session")),
    *rows(
        "GET",
        SESSIONS,
        owner=200,
        shows=("owner_session", "own_session"),
        hides=("others_session", "revoked_session"),
    ),
    *rows(
        "GET", SESSIONS, **SIGNED_IN, other=200, staff=200, hides=("own_session", "owner_session")
    ),
    *rows(
        "DELETE",
        SESSION,
        on="own_session",
        code=NOT_FOUND,
        **SIGNED_IN,
        everyone=404,
        owner=204,
        effect=lambda w: _revoked("own_session"),
    ),
    *rows(
        "DELETE",
        SESSION,
        on="others_session",
        code=NOT_FOUND,
        **SIGNED_IN,
        everyone=404,
        other=204,
        effect=lambda w: _revoked("others_session"),
    ),
    *rows("POST", SMS_SEND, body={"phone": NEW_PHONE}, everyone=202),
    *rows("POST", SMS_SEND, body={"phone": "12345"}, everyone=(400, "invalid")),
    *rows(
        "POST",
        SMS_LOGIN,
        body={"phone": NEW_PHONE, "code": "000000"},
        everyone=(400, "code_expired"),  # no code was sent to this phone
    ),
    *rows("GET", WECHAT_URL, everyone=(404, "wechat_login_disabled")),
    *rows(
        "GET",
        WECHAT_CALLBACK,
        query={"code": "abc", "state": "xyz"},
        everyone=(404, "wechat_login_disabled"),
    ),
    # Two-factor sign-in: only ever about the requester's own devices.
    *rows("GET", MFA, **SIGNED_IN, everyone=200),
    *rows(
        "POST",
        MFA_ENROL,
        **SIGNED_IN,
        everyone=200,
        effect=lambda w: TOTPDevice.objects.filter(user=w.user(), confirmed=False).exists(),
    ),
    *rows(
        "POST",
        MFA_CONFIRM,
        body={"code": "123456"},
        **SIGNED_IN,
        everyone=(409, "mfa_not_enrolled"),
    ),
    *rows(
        "POST", MFA_DISABLE, body={"code": "123456"}, **SIGNED_IN, everyone=(409, "mfa_not_enabled")
    ),
    *rows(
        "POST",
        MFA_RECOVERY_CODES,
        body={"code": "123456"},
        **SIGNED_IN,
        everyone=(409, "mfa_not_enabled"),
    ),
    *rows(
        "POST",
        MFA_VERIFY,
        body={"challenge": "not-a-challenge", "code": "123456"},
        everyone=(401, "mfa_challenge_invalid"),  # the challenge is the credential
    ),
    # ORCID (the simulator is on in the test settings): the callback needs this browser's state.
    *rows("GET", ORCID_AUTHORIZE, everyone=200),
    *rows(
        "GET",
        ORCID_CALLBACK,
        query={"code": "abc", "state": "xyz"},
        everyone=(400, "orcid_state_invalid"),
    ),
    *rows("POST", ORCID_LINK, **SIGNED_IN, everyone=200),
    *rows("POST", ORCID_UNLINK, **SIGNED_IN, everyone=(409, "orcid_not_linked")),
]


COMMENTS = "/api/v1/articles/{id}/comments"
REPLIES = "/api/v1/comments/{id}/replies"
COMMENT = "/api/v1/comments/{id}"


def _comment_gone(world: World) -> bool:
    return not Comment.objects.filter(pk=world.pk("comment")).exists()


def _comment_posted(world: World) -> bool:
    return Comment.objects.filter(author=world.user(), content="Posted.").exists()


# Staff are the comments' moderators: the one place the API gives them more.
COMMENT_ROWS: list[Case] = [
    *rows("GET", COMMENTS, on="published", everyone=200, bad=401, shows=("comment",)),
    *[
        case
        for state in HIDDEN
        for case in rows("GET", COMMENTS, on=state, code=NOT_FOUND, everyone=404, bad=401)
    ],
    *rows(
        "POST",
        COMMENTS,
        on="published",
        body={"content": "Posted."},
        **SIGNED_IN,
        everyone=201,
        effect=_comment_posted,
    ),
    *_not_public_rows("POST", COMMENTS, body={"content": "Posted."}),
    *rows("POST", COMMENTS, on="published", body={"content": ""}, owner=(400, "invalid")),
    *rows(
        "POST",
        COMMENTS,
        on="published",
        body=lambda w: {"content": "Posted.", "parent_id": w.pk("staff_comment")},
        other=(400, "invalid_parent"),
    ),
    *rows("GET", REPLIES, on="comment", everyone=200, bad=401, shows=("reply",)),
    *rows("GET", REPLIES, on="reply", code="comment_not_found", everyone=404, bad=401),
    *rows("GET", REPLIES, on="hidden_comment", code="comment_not_found", everyone=404, bad=401),
    *rows("DELETE", COMMENT, on="comment", **SIGNED_IN, everyone=204, effect=_comment_gone),
    *rows(
        "DELETE",
        COMMENT,
        on="staff_comment",
        code="comment_delete_denied",
        **SIGNED_IN,
        everyone=403,
        staff=204,
    ),
    *rows(
        "DELETE",
        COMMENT,
        on="hidden_comment",
        code="comment_not_found",
        **SIGNED_IN,
        everyone=404,
        staff=204,
    ),
    *rows(
        "DELETE", COMMENT, on="missing_article", code="comment_not_found", **SIGNED_IN, everyone=404
    ),
]
TABLE += COMMENT_ROWS

NOTIFICATIONS = "/api/v1/notifications"
NOTIFICATIONS_UNREAD = "/api/v1/notifications/unread-count"
NOTIFICATIONS_READ = "/api/v1/notifications/read"
NOTIFICATIONS_UNSUBSCRIBE = "/api/v1/notifications/unsubscribe"


def _unsubscribe_token(user_id: int) -> str:
    from apps.notifications.digest import unsubscribe_token

    return unsubscribe_token(user_id=user_id)


def _owner_notification_read(world: World) -> bool:
    notification = Notification.objects.get(pk=world.pk("owner_notification"))
    return notification.read_at is not None


# Every list and count is the requester's own; read marks ignore ids that are not theirs.
TABLE += [
    *rows("GET", NOTIFICATIONS, owner=200, shows=("owner_notification",)),
    *rows("GET", NOTIFICATIONS, other=200, staff=200, hides=("owner_notification",)),
    *rows(
        "POST",
        NOTIFICATIONS_READ,
        body=lambda w: {"ids": [w.pk("owner_notification")]},
        owner=200,
        effect=_owner_notification_read,
    ),
    *rows(
        "POST",
        NOTIFICATIONS_READ,
        body=lambda w: {"ids": [w.pk("owner_notification")]},
        other=200,
        staff=200,
        effect=lambda w: not _owner_notification_read(w),
    ),
    *rows("GET", NOTIFICATIONS, **SIGNED_IN, everyone=200),
    *rows("GET", NOTIFICATIONS, query={"kind": "nope"}, **SIGNED_IN, everyone=(400, "invalid")),
    *rows("GET", NOTIFICATIONS_UNREAD, **SIGNED_IN, everyone=200),
    *rows("POST", NOTIFICATIONS_READ, body={"all": True}, **SIGNED_IN, everyone=200),
    *rows("POST", NOTIFICATIONS_READ, body={}, **SIGNED_IN, everyone=(400, "invalid")),
    # The digest's link works for anyone holding it, signed in or not (credentials ignored).
    *rows(
        "GET",
        NOTIFICATIONS_UNSUBSCRIBE,
        query=lambda w: {"token": _unsubscribe_token(w.pk("owner_user"))},
        everyone=200,
    ),
    *rows("GET", NOTIFICATIONS_UNSUBSCRIBE, query={"token": "x"}, everyone=(400, "invalid_token")),
]

REPORTS = "/api/v1/reports"


def _report_body(target_type: str, target: str, reason: str = "spam") -> Any:
    return lambda w: {"target_type": target_type, "target_id": w.pk(target), "reason": reason}


def _reported(target_type: str, target: str) -> Any:
    def effect(world: World) -> bool:
        from apps.moderation.models import Report

        return Report.objects.filter(
            reporter=world.user(), target_type=target_type, target_id=world.pk(target), open=True
        ).exists()

    return effect


# Any signed-in reader may report what they can see, never their own; what they cannot see
# (a hidden article, a comment on one, a closed account, nothing) is 404 for everyone.
TABLE += [
    *rows(
        "POST",
        REPORTS,
        body=_report_body("article", "published"),
        **SIGNED_IN,
        everyone=201,
        owner=(400, "cannot_report_own"),
        effect=_reported("article", "published"),
    ),
    *[
        case
        for state in HIDDEN
        for case in rows(
            "POST",
            REPORTS,
            body=_report_body("article", state),
            code="report_target_not_found",
            **SIGNED_IN,
            everyone=404,
        )
    ],
    *rows(
        "POST",
        REPORTS,
        body=_report_body("comment", "comment"),
        **SIGNED_IN,
        everyone=201,
        other=(400, "cannot_report_own"),
        effect=_reported("comment", "comment"),
    ),
    *rows(
        "POST",
        REPORTS,
        body=_report_body("comment", "hidden_comment"),
        code="report_target_not_found",
        **SIGNED_IN,
        everyone=404,
    ),
    *rows(
        "POST",
        REPORTS,
        body=_report_body("user", "owner_user", "harassment"),
        **SIGNED_IN,
        everyone=201,
        owner=(400, "cannot_report_own"),
        effect=_reported("user", "owner_user"),
    ),
    *rows(
        "POST",
        REPORTS,
        body=_report_body("user", "deactivated_user"),
        code="report_target_not_found",
        **SIGNED_IN,
        everyone=404,
    ),
    *rows(
        "POST",
        REPORTS,
        body=_report_body("article", "missing_article"),
        code="report_target_not_found",
        **SIGNED_IN,
        everyone=404,
    ),
    *rows(
        "POST",
        REPORTS,
        body=_report_body("article", "published", reason="rude"),
        **SIGNED_IN,
        everyone=(400, "invalid"),
    ),
]

PAYMENTS_NOTIFY = "/api/v1/payments/wechat/notify"
# WeChat's callback: credentials are ignored, the signature is the only authority; a request
# without WeChat's signature headers is refused with WeChat's FAIL body and stores nothing.
TABLE += rows("POST", PAYMENTS_NOTIFY, body={}, everyone=(401, "FAIL"))

REWARDS = "/api/v1/articles/{id}/rewards"
REWARDS_SUMMARY = "/api/v1/articles/{id}/rewards/summary"
REWARD = "/api/v1/rewards/{id}"
WALLET = "/api/v1/me/wallet"


def _rewarded(world: World) -> bool:
    from apps.rewards.models import Reward

    return Reward.objects.filter(payer=world.user(), article_id=world.pk("published")).exists()


def _world_money(world: World) -> None:
    """A paid reward of ``other`` on the owner's public article, credited to the owner."""
    from apps.ledger.models import AccountKind, Entry
    from apps.ledger.services import (
        Posting,
        account_for_system,
        account_for_user,
        ledger_transaction_post,
    )
    from apps.rewards.models import Reward, RewardStatus

    reward = Reward.objects.create(
        article_id=world.pk("published"),
        author=world.users["owner"],
        payer=world.users["other"],
        amount=500,
        status=RewardStatus.PAID,
        out_trade_no="RWmatrixworld0001",
        code_url="weixin://wxpay/bizpayurl?pr=matrix",
    )
    ledger_transaction_post(
        idempotency_key=f"reward:{reward.pk}:paid",
        kind="reward",
        postings=[
            Posting(account_id=account_for_system(kind=AccountKind.WECHAT_CLEARING), amount=-500),
            Posting(account_id=account_for_user(user_id=reward.author_id), amount=500),
        ],
    )
    entry = Entry.objects.get(account__user=world.users["owner"])
    world.targets["reward"] = {"id": reward.pk}
    world.ids["owner_entry"] = str(entry.pk)


# A tip goes to a public article's author from anyone else (the author: 400), through WeChat
# (the simulator in tests); a reward is its payer's alone (404 for the author too); a wallet
# is the requester's own.
TABLE += [
    *rows(
        "POST",
        REWARDS,
        on="published",
        body={"amount": 500},
        **SIGNED_IN,
        everyone=201,
        owner=(400, "reward_own_article"),
        effect=_rewarded,
    ),
    *_not_public_rows("POST", REWARDS, body={"amount": 500}),
    *rows("POST", REWARDS, on="published", body={"amount": 0}, other=(400, "invalid")),
    *rows("GET", REWARDS_SUMMARY, on="published", everyone=200, bad=401),
    *[
        case
        for state in HIDDEN
        for case in rows("GET", REWARDS_SUMMARY, on=state, code=NOT_FOUND, everyone=404, bad=401)
    ],
    *rows("GET", REWARD, on="reward", code=NOT_FOUND, **SIGNED_IN, everyone=404, other=200),
    *rows("GET", WALLET, owner=200, shows=("owner_entry",)),
    *rows("GET", WALLET, other=200, staff=200, hides=("owner_entry",)),
    *rows("GET", WALLET, **SIGNED_IN, everyone=200),
]


@pytest.fixture(autouse=True)
def _wechat_simulator(request: pytest.FixtureRequest) -> Iterator[None]:
    """Rows that create rewards reach the local WeChat simulator through the test client."""
    case = getattr(getattr(request.node, "callspec", None), "params", {}).get("case")
    if case is None or case.path != REWARDS:
        yield
        return
    from apps.payments.wechatpay import wechatpay_client_reset
    from tests.wechat_sim.routing import site_over_http

    wechatpay_client_reset()
    with site_over_http():
        yield
    wechatpay_client_reset()


FEED = "/api/v1/feed"
# "other" follows the owner; the owner and staff follow nobody and get the default feed (the
# newest public articles and the hot list, ranked while the hidden articles were public).
TABLE += rows("GET", FEED, **SIGNED_IN, everyone=200, shows=("published",), hides=HIDDEN)


# --- academic: citations, revisions, reviews, editors, attachments, DOI import ----------------

CITE = "/api/v1/articles/{id}/cite"
REVISIONS = "/api/v1/articles/{id}/revisions"
REVISION = "/api/v1/articles/{id}/revisions/{number}"
REVISIONS_DIFF = "/api/v1/articles/{id}/revisions/diff"
REVIEWS = "/api/v1/articles/{id}/reviews"
EDITORS = "/api/v1/articles/{id}/editors"
EDITOR = "/api/v1/articles/{id}/editors/{user_id}"
ARTICLE_ATTACHMENTS = "/api/v1/articles/{id}/attachments"
ATTACHMENT = "/api/v1/attachments/{id}"
DOI_IMPORT = "/api/v1/articles/doi-import"


def _as_detail_rows(method: str, path: str, **options: object) -> list[Case]:
    """A read with the detail's visibility: public for everyone, private and taken down for
    their author only, a draft or a deleted article for nobody."""
    return [
        *rows(method, path, on="published", everyone=200, bad=401, **options),
        *rows(method, path, on="draft", code=NOT_FOUND, everyone=404, bad=401, **options),
        *rows(
            method, path, on="private", code=NOT_FOUND, owner=200, everyone=404, bad=401, **options
        ),
        *rows(
            method,
            path,
            on="taken_down",
            code=NOT_FOUND,
            owner=200,
            everyone=404,
            bad=401,
            **options,
        ),
        *rows(method, path, on="deleted", code=NOT_FOUND, everyone=404, bad=401, **options),
    ]


def _attachment_gone(world: World) -> bool:
    from apps.attachments.models import Attachment

    return not Attachment.objects.filter(pk=world.pk("published_attachment")).exists()


def _editor_added(world: World) -> bool:
    from apps.comments.models import ArticleEditor

    return ArticleEditor.objects.filter(
        article_id=world.pk("published"), user_id=world.users["staff"].pk
    ).exists()


TABLE += [
    *_as_detail_rows("GET", CITE, query={"format": "bibtex"}),
    *_as_detail_rows("GET", CITE, query={"format": "csl-json"}),
    *_as_detail_rows("GET", REVISIONS),
    *_as_detail_rows("GET", REVISION),
    *_as_detail_rows("GET", REVISIONS_DIFF, query={"from": 1, "to": 1}),
    # The author sees their own draft's files too; readers as the detail.
    *rows("GET", ARTICLE_ATTACHMENTS, on="published", everyone=200, bad=401),
    *rows("GET", ARTICLE_ATTACHMENTS, on="draft", code=NOT_FOUND, owner=200, everyone=404, bad=401),
    *rows(
        "GET", ARTICLE_ATTACHMENTS, on="private", code=NOT_FOUND, owner=200, everyone=404, bad=401
    ),
    *rows(
        "GET",
        ARTICLE_ATTACHMENTS,
        on="taken_down",
        code=NOT_FOUND,
        owner=200,
        everyone=404,
        bad=401,
    ),
    *rows("GET", ARTICLE_ATTACHMENTS, on="deleted", code=NOT_FOUND, everyone=404, bad=401),
    *rows("GET", REVIEWS, on="published", everyone=200, bad=401),
    *[
        case
        for state in HIDDEN
        for case in rows("GET", REVIEWS, on=state, code=NOT_FOUND, everyone=404, bad=401)
    ],
    # The author of a public article names its editors (who may write meta reviews); anyone
    # else is refused, and a hidden article has none to name.
    *rows(
        "GET",
        EDITORS,
        on="published",
        code="editor_change_denied",
        **SIGNED_IN,
        everyone=403,
        owner=200,
    ),
    *rows(
        "POST",
        EDITORS,
        on="published",
        body=lambda w: {"user_id": w.users["staff"].pk},
        code="editor_change_denied",
        **SIGNED_IN,
        everyone=403,
        owner=201,
        effect=_editor_added,
    ),
    *rows(
        "DELETE",
        EDITOR,
        on="published",
        code="editor_change_denied",
        **SIGNED_IN,
        everyone=403,
        owner=204,
    ),
    *[
        case
        for state in HIDDEN
        for method, path in (("GET", EDITORS), ("POST", EDITORS), ("DELETE", EDITOR))
        for case in _author_rows(
            method, path, state, body=(lambda w: {"user_id": w.users["staff"].pk})
        )
    ],
    # Files come as multipart: a JSON body is refused before anything is looked up, the same
    # for every article and every user, so it tells nobody whether the article exists.
    *[
        case
        for state in ARTICLE_STATES
        for case in rows(
            "POST",
            ARTICLE_ATTACHMENTS,
            on=state,
            body={"file": "not a file"},
            **SIGNED_IN,
            everyone=(415, "unsupported_media_type"),
        )
    ],
    *rows("GET", ATTACHMENT, on="published_attachment", everyone=200, bad=401),
    *rows(
        "GET",
        ATTACHMENT,
        on="private_attachment",
        code="attachment_not_found",
        owner=200,
        everyone=404,
        bad=401,
    ),
    *rows(
        "DELETE",
        ATTACHMENT,
        on="published_attachment",
        code="attachment_denied",
        **SIGNED_IN,
        everyone=403,
        owner=204,
        effect=_attachment_gone,
    ),
    *rows(
        "DELETE",
        ATTACHMENT,
        on="private_attachment",
        code="attachment_not_found",
        **SIGNED_IN,
        everyone=404,
        owner=204,
    ),
    # A malformed DOI is refused before Crossref is asked (no request leaves the machine).
    *rows(
        "POST", DOI_IMPORT, body={"doi": "not-a-doi"}, **SIGNED_IN, everyone=(400, "doi_invalid")
    ),
]


def _world_scholarly(world: World) -> None:
    """Revision 1 and an editor to name on every article; a PDF on the public and the private
    article."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.attachments.services import attachment_create
    from tests.attachments.pdfs import pdf_with_text

    for state in (*ARTICLE_STATES, "missing_article"):
        world.targets[state] = {
            **world.targets[state],
            "number": 1,
            "user_id": world.users["other"].pk,
        }
    for state in ("published", "private"):
        upload = SimpleUploadedFile("paper.pdf", pdf_with_text("matrix"), "application/pdf")
        attachment = attachment_create(
            user=world.users["owner"], article_id=world.pk(state), upload=upload
        )
        world.targets[f"{state}_attachment"] = {"id": attachment.pk}
        world.ids[f"{state}_attachment"] = str(attachment.pk)


def _params() -> list[object]:
    return [
        pytest.param(
            case,
            id=case.label,
            marks=[pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else [],
        )
        for case in TABLE
    ]


def _storages(location: Any) -> dict[str, Any]:
    from django.conf import settings

    attachments = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location)},
    }
    return {**settings.STORAGES, "attachments": attachments}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The objects every row points at, built once, inside a transaction rolled back at the
    end; each test runs in a savepoint of it (pytest-django's), so an allowed write is undone
    before the next row."""
    search_path = tmp_path_factory.mktemp("authorization-search")
    with (
        django_db_blocker.unblock(),
        override_settings(SEARCH_BACKEND="tantivy", SEARCH_TANTIVY_PATH=search_path),
        override_settings(STORAGES=_storages(tmp_path_factory.mktemp("authorization-files"))),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _WORLD["world"] = world_build()
            _world_money(_WORLD["world"])
            _world_scholarly(_WORLD["world"])
            yield _WORLD["world"]
        finally:
            _WORLD.clear()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def signed_world(world, _clean_redis) -> World:
    world_redis_restore(world)
    return world


@pytest.mark.django_db
@pytest.mark.parametrize("case", _params())
def test_row(case: Case, signed_world: World) -> None:
    before = database_snapshot() if case.status >= 400 else None

    response = request(case, signed_world)

    body = _body(response)
    assert response.status_code == case.status, body
    if case.expected_code is not None:
        assert body["code"] == case.expected_code, body
    if before is not None:
        assert snapshot_changes(before, database_snapshot()) == {}
    if case.status < 300:
        signed_world.role = case.role
        _check_allowed(case, signed_world, body)


def _body(response: Any) -> Any:
    """The answer's JSON; a file (an attachment, a BibTeX citation) is not looked into."""
    if getattr(response, "streaming", False) or not response.content:
        return None
    if "json" not in response.get("Content-Type", ""):
        return None
    return response.json()


def _check_allowed(case: Case, world: World, body: Any) -> None:
    ids = answer_ids(body) if case.shows or case.hides else set()
    assert {world.ids[name] for name in case.shows} <= ids
    assert not {world.ids[name] for name in case.hides} & ids
    items = body.get("results", [body]) if isinstance(body, dict) else body or []
    for item in items if case.hidden_keys else []:
        assert not set(case.hidden_keys) & set(item), item
    if case.effect is not None:
        assert case.effect(world), "the allowed write did not happen"


# --- the table covers the API -----------------------------------------------------------------


@pytest.fixture(scope="module")
def operations() -> set[tuple[str, str]]:
    return schema_operations()


def test_every_api_operation_has_rows_for_every_role(operations):
    walked: dict[tuple[str, str], set[str]] = {}
    for case in TABLE:
        walked.setdefault((case.path, case.method), set()).add(case.role)
    missing = sorted(f"{method} {path}" for path, method in operations - set(walked))
    assert not missing, f"operations without authorization-matrix rows: {missing}"
    partial = {
        f"{method} {path}": sorted(set(ROLES) - roles)
        for (path, method), roles in walked.items()
        if set(ROLES) - roles
    }
    assert not partial, f"operations missing roles: {partial}"


def test_every_article_operation_is_walked_over_every_article_state(operations):
    states: dict[tuple[str, str], set[str]] = {}
    for case in TABLE:
        if case.path.startswith(f"{ARTICLES}/{{id}}"):
            states.setdefault((case.path, case.method), set()).add(str(case.on))
    for path, method in operations:
        if path.startswith(f"{ARTICLES}/{{id}}"):
            missing = set(ARTICLE_STATES) - states.get((path, method), set())
            assert not missing, f"{method} {path} has no rows for articles {sorted(missing)}"


def test_every_refused_row_names_its_error_code():
    silent = [case.label for case in TABLE if case.status >= 400 and case.expected_code is None]
    assert not silent, f"error rows without a code: {silent}"


def test_every_row_names_a_real_operation(operations):
    unknown = sorted(
        {f"{case.method} {case.path}" for case in TABLE}
        - {f"{method} {path}" for path, method in operations}
    )
    assert not unknown, f"rows for operations the API does not have: {unknown}"


def test_every_api_route_is_in_the_schema_or_exempt():
    assert api_routes_outside_schema() == set(EXEMPT_ROUTES)


@pytest.mark.django_db
def test_the_snapshot_sees_a_changed_row(signed_world):
    before = database_snapshot()
    Collection.objects.filter(pk=signed_world.pk("owner_folder")).update(name="Changed")

    changes = snapshot_changes(before, database_snapshot())

    assert list(changes) == ["interactions.Collection"]
    assert [row[2] for row in changes["interactions.Collection"]["came"]] == ["Changed"]
