"""The machinery of the authorization matrix (``test_authorization_matrix.py`` holds the table).

- :func:`rows` turns one declarative entry (an operation, an object, a status per role) into
  :class:`Case` rows.
- :func:`world_build` creates, once per module, the users, sessions, articles, tags and search
  documents every row points at; :class:`World` names them.
- :func:`database_snapshot` reads every ScholarNet table, so a denied request can be shown to
  have changed nothing.
- :func:`schema_operations` and :func:`api_routes_outside_schema` enumerate the API at test
  time, so an endpoint without rows fails the module.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.test import APIClient

from apps.articles import services as article_services
from apps.articles.models import Article
from apps.comments.services import comment_create
from apps.follows.services import user_follow
from apps.interactions.services import (
    article_collect,
    article_like,
    collection_create,
    collection_default_get_or_create,
)
from apps.notifications.models import NotificationKind
from apps.notifications.services import Target, notification_add
from apps.ranking.services import ranking_compute
from apps.search.services import search_article_sync, search_document_apply, search_user_sync
from apps.tags.models import Tag
from apps.tags.selectors import tag_search_document
from apps.users import services as user_services
from apps.users.models import User, UserSession
from apps.users.revocation import sessions_mark_revoked
from apps.users.sessions import IssuedSession, session_logout, session_start
from apps.users.tokens import access_lifetime, token_pair_issue
from tests.articles.factories import MARKDOWN
from tests.users.conftest import USER_AGENT
from tests.users.factories import UserFactory

# Who asks. The BAD_CREDENTIALS roles send credentials that must not work: a closed account's,
# a logged-out session's, an expired access token, the owner's token from another browser (it
# is bound to the User-Agent it was issued to) and one that does not verify.
BAD_CREDENTIALS = ("deactivated", "revoked", "expired", "other_device", "forged")
ROLES = ("anonymous", "other", "owner", "staff", *BAD_CREDENTIALS)
# The code of a 401 when the row does not name one: what each role's credentials earn.
UNAUTHENTICATED_CODES = {
    "anonymous": "not_authenticated",
    "deactivated": "user_inactive",
    "revoked": "session_revoked",
    "expired": "token_expired",
    "other_device": "token_user_agent_mismatch",
    "forged": "token_invalid",
}
# Every visibility an article can have; each /articles/{id}… operation is walked over all.
ARTICLE_STATES = ("draft", "published", "private", "taken_down", "deleted")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Changed by every authenticated request at most once a minute: not a write of the request's.
VOLATILE_COLUMNS = {"users.UserSession": {"last_seen_at"}}
SEARCH_WORD = "zymurgy"
FOLDER_NAME = "Reading list"
OTHER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"
SIGNED_IN_ROLES = ("owner", "other", "staff", "deactivated", "revoked")
TAG_NAME = "matrixtag"

Body = dict[str, Any] | Callable[["World"], dict[str, Any]] | None


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the operation's path as the OpenAPI schema spells it
    role: str
    status: int
    on: str | None = None  # the World target filling the path's placeholders
    code: str | None = None  # the error code (401s default to the role's, see above)
    body: Body = None
    query: Body = None
    shows: tuple[str, ...] = ()  # World targets whose ids the answer's list must contain
    hides: tuple[str, ...] = ()  # … and must not contain
    hidden_keys: tuple[str, ...] = ()  # keys the answer must not carry (email, phone)
    effect: Callable[[World], bool] | None = None  # the allowed write happened
    xfail: str | None = None  # a known defect, reported; strict, so a fix is noticed

    @property
    def expected_code(self) -> str | None:
        if self.code is not None or self.status < 400:
            return self.code
        return UNAUTHENTICATED_CODES.get(self.role) if self.status == 401 else None

    @property
    def label(self) -> str:
        target = f" [{self.on}]" if self.on else ""
        query = ""
        if self.query is not None:  # a function of the world has no text before the build
            query = f"?{urlencode(self.query)}" if isinstance(self.query, dict) else "?…"
        return f"{self.method} {self.path}{query}{target} as {self.role} -> {self.status}"


Status = int | tuple[int, str]


def rows(method: str, path: str, *, everyone: Status | None = None, **options: Any) -> list[Case]:
    """One entry of the table: ``role=status`` (or ``role=(status, code)``) for each role.

    ``everyone`` gives the roles not named, ``bad`` the bad-credential roles; every other
    keyword is a :class:`Case` field shared by the entry's rows (``code`` only by its non-401
    rows: a 401's code is the role's unless the status is a tuple).
    """
    statuses: dict[str, Status] = {}
    bad = options.pop("bad", None)
    for role in ROLES:
        status = options.pop(role, None)
        status = status if status is not None else (bad if role in BAD_CREDENTIALS else None)
        status = status if status is not None else everyone
        if status is not None:
            statuses[role] = status
    cases = []
    for role, status in statuses.items():
        code = None
        if isinstance(status, tuple):
            status, code = status
        elif status >= 400 and status != 401:
            code = options.get("code")
        cases.append(Case(method, path, role, status, **{**options, "code": code}))
    return cases


@dataclass
class World:
    users: dict[str, User]
    access: dict[str, str]  # role → access token
    refresh: dict[str, str]  # session name → refresh token
    targets: dict[str, dict[str, Any]]  # target name → path placeholders
    ids: dict[str, str]  # target name → its id as list answers show it
    logged_out: list[str] = field(default_factory=list)  # session ids revoked in Redis
    role: str = ""  # the role of the row being checked, for its effect

    def user(self) -> User:
        return self.users[self.role]

    def pk(self, target: str) -> int:
        return int(self.targets[target]["id"])

    def email(self, role: str) -> str:
        return str(self.users[role].email)


def _session(user: User) -> IssuedSession:
    return session_start(user=user, request=RequestFactory().get("/", HTTP_USER_AGENT=USER_AGENT))


def _users() -> dict[str, User]:
    users: dict[str, Any] = {
        "owner": UserFactory(email="owner@example.org", nickname="Ada", phone="+8613800000001"),
        "other": UserFactory(email="other@example.org", nickname="Grace"),
        "staff": UserFactory(email="staff@example.org", is_staff=True, is_superuser=True),
        "deactivated": UserFactory(email="gone@example.org", nickname="Dee"),
    }
    return users


def _published(author: User, name: str) -> Article:
    article = article_services.article_create(
        author=author, title=f"{SEARCH_WORD} {name}", content=MARKDOWN, tags=[TAG_NAME]
    )
    if name != "draft":
        article_services.article_publish(article_id=article.pk, author=author)
        search_article_sync(article_id=article.pk)
    return article


def _hide(article: Article, state: str, *, moderator: User) -> None:
    """Hide a public article without re-indexing it or re-ranking, as when the relay and the
    ranking job lag: search, the hot list and folders must re-check visibility themselves."""
    author = article.author
    if state == "private":
        article_services.article_withdraw(article_id=article.pk, author=author)
    elif state == "taken_down":
        article_services.article_take_down(article_id=article.pk, moderator=moderator, reason="x")
    elif state == "deleted":
        article_services.article_delete(article_id=article.pk, author=author)


def _notified(users: dict[str, User], article: Article) -> Any:
    """The owner's notification of the like, as its consumer would record it."""
    target = Target(group_key=f"like:article:{article.pk}", article_id=article.pk, title="x")
    return notification_add(
        recipient_id=users["owner"].pk,
        actor_id=users["other"].pk,
        kind=NotificationKind.LIKE,
        target=target,
    )


def _comments(
    users: dict[str, User], articles: dict[str, Article], targets: dict[str, dict[str, Any]]
) -> None:
    """Comments while every article is public: one later hidden with its article."""

    def comment(role: str, article: str, parent: str | None = None) -> dict[str, Any]:
        parent_id = targets[parent]["id"] if parent else None
        created = comment_create(
            user=users[role],
            article_id=articles[article].pk,
            content="A remark.",
            parent_id=parent_id,
        )
        return {"id": created.pk}

    targets["comment"] = comment("other", "published")
    targets["reply"] = comment("owner", "published", parent="comment")
    targets["staff_comment"] = comment("staff", "deactivated_article")
    targets["hidden_comment"] = comment("other", "private")


def _articles(users: dict[str, User], targets: dict[str, dict[str, Any]]) -> None:
    owner = users["owner"]
    articles = {state: _published(owner, state) for state in ARTICLE_STATES}
    articles["deactivated_article"] = _published(users["deactivated"], "deactivated")
    folder = collection_create(user=owner, name=FOLDER_NAME)
    targets["owner_default_folder"] = {"id": collection_default_get_or_create(user=owner).pk}
    targets["owner_folder"] = {"id": folder.pk}
    targets["others_folder"] = {"id": collection_create(user=users["other"], name="Mine").pk}
    for name, article in articles.items():
        targets[name] = {"id": article.pk}
        if name not in ("draft", "deactivated_article"):
            article_collect(user=owner, article_id=article.pk, collection_id=folder.pk)
    article_like(user=users["other"], article_id=articles["published"].pk)
    targets["owner_notification"] = {"id": _notified(users, articles["published"]).pk}
    _comments(users, articles, targets)
    user_follow(follower=users["other"], followee_id=owner.pk)
    ranking_compute()
    for state in ("private", "taken_down", "deleted"):
        _hide(articles[state], state, moderator=users["staff"])


def world_build() -> World:
    users = _users()
    sessions = {role: _session(user) for role, user in users.items()}
    sessions["revoked"] = _session(users["owner"])
    sessions["owner_spare"] = _session(users["owner"])
    targets: dict[str, dict[str, Any]] = {}
    for role, user in users.items():
        # First: a user's first sync re-syncs their indexed articles, which would drop the
        # hidden ones from the index and leave search nothing stale to re-check.
        search_user_sync(user_id=user.pk)
        targets[f"{role}_user"] = {"id": user.pk}
    _articles(users, targets)
    tag = Tag.objects.get(owner=users["owner"], name=TAG_NAME)
    search_document_apply(**tag_search_document(tag=tag))
    targets["tag"] = {"name": TAG_NAME, "id": tag.pk}
    targets["missing_article"] = targets["missing_user"] = {"id": 987654321}
    targets["own_session"] = {"id": str(sessions["owner_spare"].session.sid)}
    targets["others_session"] = {"id": str(sessions["other"].session.sid)}
    targets["owner_session"] = {"id": str(sessions["owner"].session.sid)}
    targets["revoked_session"] = {"id": str(sessions["revoked"].session.sid)}
    _sign_out(users, sessions)
    tokens = {role: str(sessions[role].access) for role in SIGNED_IN_ROLES}
    tokens["other_device"] = tokens["owner"]
    tokens["expired"] = _expired_access(sessions["owner"].session)
    return World(
        users=users,
        access=tokens | {"forged": "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.forged"},
        refresh={name: str(issued.refresh) for name, issued in sessions.items()},
        targets=targets,
        ids={name: str(values["id"]) for name, values in targets.items()},
        logged_out=[str(sessions["revoked"].session.sid)],
    )


def _expired_access(session: UserSession) -> str:
    """An access token of a live session, issued one access lifetime and a minute ago."""
    with time_machine.travel(timezone.now() - access_lifetime() - timedelta(minutes=1)):
        pair = token_pair_issue(
            user_id=session.user_id,
            session_id=str(session.sid),
            generation=session.refresh_generation,
            user_agent=USER_AGENT,
        )
    return pair.access


def _sign_out(users: dict[str, User], sessions: dict[str, IssuedSession]) -> None:
    revoked = sessions["revoked"].session
    session_logout(
        user=users["owner"], session_id=str(revoked.sid), request=RequestFactory().get("/")
    )
    # Deactivated by a moderator; the index is not re-synced, as when the relay lags. The
    # deactivated user's sessions are then revoked in the database but (see world_redis_restore)
    # not in Redis, as when Redis was down: the per-request account check alone must refuse.
    user_services.user_deactivate(user=users["deactivated"])


def world_redis_restore(world: World) -> None:
    """Put back what Redis held after the build; every test starts with Redis flushed."""
    sessions_mark_revoked(world.logged_out)


def request(case: Case, world: World) -> Any:
    client = APIClient(HTTP_USER_AGENT=OTHER_AGENT if case.role == "other_device" else USER_AGENT)
    token = world.access.get(case.role)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = case.path.format(**world.targets[case.on]) if case.on else case.path
    query = case.query(world) if callable(case.query) else case.query
    if query:
        path = f"{path}?{urlencode(query)}"
    body = case.body(world) if callable(case.body) else case.body
    send = getattr(client, case.method.lower())
    return send(path) if case.method == "GET" else send(path, body, format="json")


def answer_ids(body: Any) -> set[str]:
    """The ids in a list answer (its results, and the feed's hot block); an entry that wraps an
    article (a folder's) counts as the article."""
    items = [*body["results"], *(body.get("hot") or [])] if isinstance(body, dict) else body
    return {str(item["article"]["id"] if "article" in item else item["id"]) for item in items}


# --- nothing changed ------------------------------------------------------------------------


def _project_models() -> Iterator[Any]:
    for model in django_apps.get_models():
        if model.__module__.startswith(("apps.", "scholarnet.")) and not model._meta.proxy:
            yield model


@functools.cache
def _snapshot_queries() -> tuple[tuple[str, str], ...]:
    """(table label, SELECT of every row) per ScholarNet model. Plain SQL: compiling ~30 ORM
    queries per snapshot cost most of the matrix's time."""
    quote = connection.ops.quote_name
    queries = []
    for model in _project_models():
        label = model._meta.label
        skip = VOLATILE_COLUMNS.get(label, set())
        columns = [f.column for f in model._meta.concrete_fields if f.attname not in skip]
        select = ", ".join(quote(column) for column in columns)
        order = quote(model._meta.pk.column)
        queries.append(
            (label, f"SELECT {select} FROM {quote(model._meta.db_table)} ORDER BY {order}")
        )
    return tuple(queries)


def database_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ScholarNet table (later apps' tables included, by enumeration)."""
    snapshot = {}
    with connection.cursor() as cursor:
        for label, sql in _snapshot_queries():
            cursor.execute(sql)
            snapshot[label] = [tuple(row) for row in cursor.fetchall()]
    return snapshot


def snapshot_changes(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """The rows that went or came, per table: empty when nothing changed."""
    changes = {}
    for label in before.keys() | after.keys():
        old, new = before.get(label, []), after.get(label, [])
        if old != new:
            gone = [row for row in old if row not in new]
            changes[label] = {"gone": gone, "came": [row for row in new if row not in old]}
    return changes


# --- what the API offers --------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def _shape(path: str) -> str:
    return _PLACEHOLDER.sub("{}", path)


def schema_operations() -> set[tuple[str, str]]:
    """(path, METHOD) of every operation under /api/, from a freshly generated schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (path, method.upper())
        for path, item in schema["paths"].items()
        for method in item
        if method in HTTP_METHODS and path.startswith("/api/")
    }


def _plain_routes(patterns: Iterable[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _plain_routes(pattern.url_patterns, route)
        elif not hasattr(pattern.callback, "cls"):  # not a DRF view: the schema cannot see it
            yield "/" + route


def api_routes_outside_schema() -> set[str]:
    """Routes under /api/ that no schema operation describes: views excluded from the schema,
    and plain Django views."""
    documented = {_shape(path) for path, _ in schema_operations()}
    drf = {_shape(path) for path, *_ in EndpointEnumerator().get_api_endpoints()}
    plain = set(_plain_routes(get_resolver().url_patterns, ""))
    return {route for route in drf | plain if route.startswith("/api/")} - documented
