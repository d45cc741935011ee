"""The scenario registry: one entry per measured endpoint.

A scenario names a path on the server under test and, optionally, how to call it (method, headers,
body, or a wrk Lua script of its own) and a ``setup`` hook. The hook runs once, before the server
starts, with a :class:`SetupContext` whose ``manage()`` runs management commands against the bench
database; it may return extra request headers (a token minted by a command, for example).

Add a scenario with ``register(Scenario(...))`` at the bottom of this module. The ``bare`` scenario
is the reference every other one is compared with, so it always runs first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

BARE = "bare"


class SetupContext(Protocol):
    """What a setup hook may use; provided by the runner."""

    @property
    def work_dir(self) -> Path:
        """A scratch directory for files the scenario needs (wrk scripts, fixtures)."""
        ...

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` with the bench settings and environment; returns its stdout."""
        ...


SetupHook = Callable[[SetupContext], Mapping[str, str] | None]


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    description: str
    setup: SetupHook | None = None
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    # A wrk Lua script of the scenario's own (varying paths, several requests); when set it
    # replaces method, headers and body.
    script: Path | None = None
    # Settings the server must run with for this scenario (e.g. a cache switched off). Such
    # scenarios get a second server in the same round, still compared with that round's bare run.
    server_env: Mapping[str, str] = field(default_factory=dict)
    # wrk connections (and threads, at most this many) for this scenario instead of the run's:
    # one connection measures a request's own latency, free of queueing behind the others.
    connections: int | None = None


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    SCENARIOS[scenario.name] = scenario
    return scenario


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios to run, in registry order, with ``bare`` always first."""
    wanted = set(names or SCENARIOS)
    unknown = wanted - SCENARIOS.keys()
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    wanted.add(BARE)
    return [scenario for name, scenario in SCENARIOS.items() if name in wanted]


register(
    Scenario(
        name=BARE,
        path="/bench/bare",
        description="Plain function view returning fixed JSON bytes through the full middleware "
        "stack; the reference for every ratio.",
    )
)
register(
    Scenario(
        name="healthz",
        path="/healthz",
        description="Liveness endpoint (process up); same bytes as the bare view.",
    )
)
register(
    Scenario(
        name="cached_kernel",
        path="/bench/cached",
        description="two_level_cache.get_or_load on one hot key (ttl 60 s), rendered as JSON: "
        "the process-local tier answers.",
    )
)
register(
    Scenario(
        name="cached_redis",
        path="/bench/cached-redis",
        description="The same read with no local lifetime (local_ttl=0): every request goes "
        "local miss, then a Redis hit.",
    )
)


# --- content: generated users and articles --------------------------------------------------

BENCH_USERS = 1_000
BENCH_ARTICLES = 100_000
# Skewed popularity: most reads go to a small hot set, the rest anywhere in the archive.
HOT_ARTICLES = 1_000
HOT_SHARE = 0.9
WORK_DIR = Path(__file__).resolve().parent / ".work"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
_prepared: set[str] = set()


def _content_data(context: SetupContext) -> tuple[int, int]:
    """Generate the users and articles once per run (the generator resumes); their id range."""
    if "content" not in _prepared:
        context.manage("bench_data", "--users", str(BENCH_USERS), "--articles", str(BENCH_ARTICLES))
        _prepared.add("content")
    output = context.manage(
        "shell",
        "-c",
        "from django.db.models import Max, Min; from apps.articles.models import PublishedArticle;"
        " r = PublishedArticle.objects.aggregate(Min('id'), Max('id'));"
        " print('id range', r['id__min'], r['id__max'])",
    )
    low, high = next(line for line in output.splitlines() if line.startswith("id range")).split()[
        2:
    ]
    return int(low), int(high)


def _write_script(name: str, body: str) -> None:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    (WORK_DIR / f"{name}.lua").write_text(body)


def _per_thread_seed(seed: int) -> str:
    """Lua seeding each wrk thread differently: one seed for all of them would send every
    thread through the same ids in the same order, each key read by all threads at once and
    half as many keys covered per second."""
    return (
        "local threads = 0\n"
        "setup = function(thread)\n"
        "  threads = threads + 1\n"
        f'  thread:set("seed", {seed} * 1000 + threads)\n'
        "end\n"
        "init = function(args) math.randomseed(seed) end\n"
    )


def _article_reads(context: SetupContext) -> None:
    low, high = _content_data(context)
    hot_high = min(high, low + HOT_ARTICLES - 1)
    read = 'return wrk.format("GET", "/api/v1/articles/" .. id)'
    _write_script(
        "article_detail",
        f"{_per_thread_seed(7)}request = function()\n  local id = math.random({low}, {hot_high})\n"
        f"  {read}\nend\n",
    )
    _write_script(
        "article_detail_skewed",
        _per_thread_seed(7) + "request = function()\n"
        f"  local id = math.random() < {HOT_SHARE} and math.random({low}, {hot_high})"
        f" or math.random({low}, {high})\n"
        f"  {read}\nend\n",
    )


def _article_list(context: SetupContext) -> None:
    _content_data(context)


def _profiles(context: SetupContext) -> None:
    _content_data(context)
    _write_script(
        "profile_cached",
        _per_thread_seed(11) + "request = function()\n"
        f'  return wrk.format("GET", "/api/v1/users/" .. math.random(1, {BENCH_USERS}))\n'
        "end\n",
    )


def _search_index(context: SetupContext) -> None:
    _content_data(context)
    if "search" in _prepared:
        return
    _prepared.add("search")
    # Generated articles publish no events: build the index from the database, and keep the
    # rebuild's throughput (documents per second for each type) with the results.
    output = context.manage("search_reindex", "--no-progress")
    for line in output.splitlines():
        print(f"bench: {line}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / REINDEX_FILE).write_text(json.dumps(reindex_figures(output), indent=2) + "\n")


REINDEX_FILE = "search_reindex.json"
_REINDEXED = re.compile(
    r"Reindexed (?P<type>\w+): (?P<documents>\d+) documents in (?P<seconds>[\d.]+) s"
    r" \((?P<rate>\d+) documents/s\)"
)


def reindex_figures(output: str) -> dict[str, Any]:
    """``search_reindex``'s summary lines as figures: documents, seconds, documents/s per type."""
    types = [
        {
            "type": match["type"],
            "documents": int(match["documents"]),
            "seconds": float(match["seconds"]),
            # The command's own rate, from its unrounded time.
            "documents_per_second": int(match["rate"]),
        }
        for match in _REINDEXED.finditer(output)
    ]
    return {"timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(), "types": types}


register(
    Scenario(
        name="profile_cached",
        path="/api/v1/users/1",
        description=f"Public profile of one of {BENCH_USERS:,} users chosen at random, anonymous: "
        "the two-level cache answers.",
        setup=_profiles,
        script=WORK_DIR / "profile_cached.lua",
    )
)
register(
    Scenario(
        name="article_detail",
        path="/api/v1/articles/1",
        description=f"Article detail, anonymous, reads spread over the {HOT_ARTICLES:,} hottest of "
        f"{BENCH_ARTICLES:,} articles: after the warm-up the two-level cache answers every read.",
        setup=_article_reads,
        script=WORK_DIR / "article_detail.lua",
    )
)
register(
    Scenario(
        name="article_detail_skewed",
        path="/api/v1/articles/1",
        description=f"Article detail with skewed popularity: {HOT_SHARE:.0%} of reads on the "
        f"{HOT_ARTICLES:,} hottest, the rest anywhere in {BENCH_ARTICLES:,} (mostly cache misses).",
        setup=_article_reads,
        script=WORK_DIR / "article_detail_skewed.lua",
    )
)
register(
    Scenario(
        name="articles_first_page",
        path="/api/v1/articles",
        description=f"First page (20) of the public list over {BENCH_ARTICLES:,} articles, "
        "anonymous: the cached page (without counts), counts and flags added per request.",
        setup=_article_list,
    )
)
register(
    Scenario(
        name="search",
        path="/api/v1/search?q=krylov%20subspace%20methods",
        description=f"Full-text search of {BENCH_ARTICLES:,} generated articles, anonymous: three "
        "terms, a page of 20 hits with highlights and the visibility check (tantivy in embedded "
        "mode).",
        setup=_search_index,
    )
)
register(
    Scenario(
        name="search_latency",
        path="/api/v1/search?q=krylov%20subspace%20methods",
        description="The search query alone on one connection: its own latency (p50/p99), "
        "without queueing behind other requests.",
        setup=_search_index,
        connections=1,
    )
)
register(
    Scenario(
        name="article_detail_uncached",
        path="/api/v1/articles/1",
        description="The article_detail reads (hot set) with the detail cache switched off "
        "(ARTICLE_DETAIL_CACHE_ENABLED=false): every read goes to the database.",
        setup=_article_reads,
        script=WORK_DIR / "article_detail.lua",
        server_env={"ARTICLE_DETAIL_CACHE_ENABLED": "false"},
    )
)
register(
    Scenario(
        name="articles_first_page_uncached",
        path="/api/v1/articles",
        description="The public list's first page with its cache switched off "
        "(ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED=false): keyset query, tags and authors in bulk.",
        setup=_article_list,
        server_env={"ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED": "false"},
    )
)


# --- likes: a signed-in reader toggling likes ------------------------------------------------

LIKE_USER_AGENT = "scholarnet-bench/like-toggle"
_MINT_TOKEN = (
    "from django.contrib.auth import get_user_model; from django.test import RequestFactory;"
    " from apps.users.sessions import session_start;"
    " user = get_user_model().objects.order_by('id').first();"
    f" request = RequestFactory().post('/', HTTP_USER_AGENT={LIKE_USER_AGENT!r});"
    " print('token', session_start(user=user, request=request).access)"
)


def _like_toggle(context: SetupContext) -> dict[str, str]:
    """A token for the first generated user, and a script alternating PUT and DELETE like.

    The headers are returned too: the runner's check request (a PUT) must be signed in.
    """
    low, high = _content_data(context)
    hot_high = min(high, low + HOT_ARTICLES - 1)
    output = context.manage("shell", "-c", _MINT_TOKEN)
    token = next(line for line in output.splitlines() if line.startswith("token ")).split()[1]
    _write_script(
        "like_toggle",
        "math.randomseed(13)\n"
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f'wrk.headers["User-Agent"] = "{LIKE_USER_AGENT}"\n'
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        f"  local id = math.random({low}, {hot_high})\n"
        '  local method = (n % 2 == 0) and "DELETE" or "PUT"\n'
        '  return wrk.format(method, "/api/v1/articles/" .. id .. "/like")\n'
        "end\n",
    )
    return {"Authorization": f"Bearer {token}", "User-Agent": LIKE_USER_AGENT}


register(
    Scenario(
        name="like_insert_floor",
        path="/bench/insert",
        description="One like row INSERTed in a transaction by a bare view: the floor under "
        "like_toggle (same database, same middleware).",
        setup=_article_list,
    )
)
register(
    Scenario(
        name="like_toggle",
        path="/api/v1/articles/1/like",
        method="PUT",
        description=f"A signed-in reader liking and unliking (PUT / DELETE in turn) articles of "
        f"the {HOT_ARTICLES:,} hottest: visibility check, stat row lock and F() update, outbox "
        "row, Redis increment after the commit. The per-user like limit is lifted for the run.",
        setup=_like_toggle,
        script=WORK_DIR / "like_toggle.lua",
        # The runner's users are new accounts: lift their tighter limit too.
        server_env={
            "RATELIMIT_LIKE": "1000000000/60s",
            "RATELIMIT_LIKE_NEW_ACCOUNT": "1000000000/60s",
        },
    )
)


# --- hot list and read counts ------------------------------------------------------------

RANKING_FILE = "ranking.json"


def _hot_list(context: SetupContext) -> None:
    """Compute the hot list over every generated article; keep the recompute's and the read
    ingestion's own figures (time, peak memory, events/s, statements per batch) with the results.
    """
    _content_data(context)
    if "ranking" in _prepared:
        return
    _prepared.add("ranking")
    figures = {
        "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "rank_compute": context.manage("bench_rank", "--repeat", "3").strip().splitlines()[-1:],
        "read_ingest": context.manage("bench_reads", "--events", "100000").strip().splitlines(),
    }
    for lines in (figures["rank_compute"], figures["read_ingest"]):
        for line in lines:
            print(f"bench: {line}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / RANKING_FILE).write_text(json.dumps(figures, indent=2) + "\n")


register(
    Scenario(
        name="hot_list",
        path="/api/v1/articles/hot",
        description=f"The hot list's first page (20 of 100) over {BENCH_ARTICLES:,} articles, "
        "anonymous: the cached ranking, one query keeping the ids still public, tags, authors "
        "and counts in bulk. Setup also records rank_compute and read-ingestion figures.",
        setup=_hot_list,
    )
)
register(
    Scenario(
        name="article_detail_no_read_events",
        path="/api/v1/articles/1",
        description="The article_detail reads with read events switched off "
        "(READS_EMIT_ENABLED=false): the difference to article_detail is what emitting costs.",
        setup=_article_reads,
        script=WORK_DIR / "article_detail.lua",
        server_env={"READS_EMIT_ENABLED": "false"},
    )
)


# --- the personal feed -----------------------------------------------------------------------

FEED_USER_AGENT = "scholarnet-bench/feed"
FEED_FILE = "feed.json"
FANOUT_FOLLOWERS = 10_000


def _feed_read(context: SetupContext) -> Mapping[str, str]:
    """The first generated user follows authors filling a 500-item inbox; a token for them.

    Setup also records the fan-out figure: seconds from the fan-out task's start to its last
    inbox write for an author with 10,000 active followers.
    """
    _content_data(context)
    reader = context.manage("bench_feed", "--reader").strip().splitlines()[-1].split()[1]
    mint = (
        "from django.contrib.auth import get_user_model; from django.test import RequestFactory;"
        " from apps.users.sessions import session_start;"
        f" user = get_user_model().objects.get(pk={int(reader)});"
        f" request = RequestFactory().post('/', HTTP_USER_AGENT={FEED_USER_AGENT!r});"
        " print('token', session_start(user=user, request=request).access)"
    )
    output = context.manage("shell", "-c", mint)
    token = next(line for line in output.splitlines() if line.startswith("token ")).split()[1]
    fanout = context.manage(
        "bench_feed", "--fanout", str(FANOUT_FOLLOWERS), "--push-max", str(FANOUT_FOLLOWERS + 1)
    )
    figure = fanout.strip().splitlines()[-1]
    print(f"bench: {figure}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / FEED_FILE).write_text(
        json.dumps(
            {"timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(), "fanout": figure},
            indent=2,
        )
        + "\n"
    )
    return {"Authorization": f"Bearer {token}", "User-Agent": FEED_USER_AGENT}


_feed_headers: dict[str, str] = {}


def _feed_reader(context: SetupContext) -> Mapping[str, str]:
    """The feed's reader and token, prepared once per run for every signed-in scenario."""
    if not _feed_headers:
        _feed_headers.update(_feed_read(context))
    return dict(_feed_headers)


register(
    Scenario(
        name="feed_read",
        path="/api/v1/feed",
        description="A signed-in reader's feed, first page (20 of a 500-item inbox): the session "
        "check, the inbox range (one Redis round trip), the page's live rows (one query), cards "
        "from the process, counts (one script call) and flags (one query). Setup also records the "
        "fan-out to 10,000 followers.",
        setup=_feed_reader,
    )
)
register(
    Scenario(
        name="signed_in_floor",
        path="/api/v1/notifications/unread-count",
        description="The same reader's unread counts: the session check and one Redis read, the "
        "least a signed-in API read costs; read feed_read's ratio against this one's too.",
        setup=_feed_reader,
    )
)


# --- comments ----------------------------------------------------------------------------------

COMMENTS_SMALL, COMMENTS_LARGE = 1_000, 100_000


def _comment_page(slot: int, total: int, name: str) -> SetupHook:
    """One article gets ``total`` comments (a root with 4 replies each); the page's script."""

    def setup(context: SetupContext) -> None:
        _content_data(context)
        line = context.manage("bench_comments", "--comments", str(total), "--slot", str(slot))
        article_id = line.strip().splitlines()[-1].split()[1]
        print(f"bench: {line.strip()}")
        _write_script(
            name,
            f'request = function()\n  return wrk.format("GET", "/api/v1/articles/{article_id}'
            '/comments")\nend\n',
        )

    return setup


for _slot, _total, _name in (
    (0, COMMENTS_SMALL, "comment_page_1k"),
    (1, COMMENTS_LARGE, "comment_page_100k"),
):
    register(
        Scenario(
            name=_name,
            path="/api/v1/articles/1/comments",
            description=f"The first comment page (20 roots, 3 replies each) of an article with "
            f"{_total:,} comments, anonymous: the roots' keyset range and one query for all their "
            "replies. The goal: p99 of comment_page_100k at most 1.2 x comment_page_1k's.",
            setup=_comment_page(_slot, _total, _name),
            script=WORK_DIR / f"{_name}.lua",
        )
    )


# --- payments: WeChat's notification --------------------------------------------------------

PAYMENT_DIR = WORK_DIR / "wechatpay"
PAYMENT_NOTIFICATIONS = 20_000
# The wrk threads the notification script is split for (the run's default --threads): each
# thread sends its own share, so no notification is sent twice (a second send is a replay, 400).
PAYMENT_SCRIPT_THREADS = 2
PAYMENT_MCHID = "1900000109"
PAYMENT_APIV3_KEY = "benchbenchbenchbenchbenchbench32"  # throwaway: the bench's own test keys


def _payment_check_body() -> str:
    """The notification the runner's check request sends: fixed at import time (a fixed nonce
    and the bench's fixed APIv3 key make the ciphertext deterministic); setup signs it. It pays
    the first bench payment, which the script's own notifications then repeat as duplicates."""
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    resource = {
        "appid": "wxbench",
        "mchid": PAYMENT_MCHID,
        "out_trade_no": "BENCH00000000",
        "transaction_id": "4200benchcheck",
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY"},
    }
    sealed = AESGCM(PAYMENT_APIV3_KEY.encode()).encrypt(
        b"benchcheck00", json.dumps(resource).encode(), b"transaction"
    )
    return json.dumps(
        {
            "id": "bench-check",
            "create_time": "2026-12-02T12:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "ok",
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": "transaction",
                "original_type": "transaction",
                "nonce": "benchcheck00",
            },
        }
    )


def _payment_notify(context: SetupContext) -> Mapping[str, str]:
    PAYMENT_DIR.mkdir(parents=True, exist_ok=True)
    (PAYMENT_DIR / "check_body.json").write_text(_payment_check_body())
    output = context.manage(
        "bench_payment_notify", "--dir", str(PAYMENT_DIR), "--count", str(PAYMENT_NOTIFICATIONS)
    )
    print("bench: " + output.strip().splitlines()[-1])
    # The warm-up and the measurement are two wrk runs: each starts where the last one ended
    # (an offset file written by done()), so no notification is sent twice.
    offset_file = PAYMENT_DIR / "offset"
    offset_file.write_text("0")
    _write_script(
        "payment_notify",
        f'local offset_file = "{offset_file}"\n'
        "local threads = 0\n"
        "local start = tonumber(io.open(offset_file):read('*a')) or 0\n"
        "setup = function(thread)\n"
        "  threads = threads + 1\n"
        '  thread:set("first", start + threads - 1)\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local out = io.open(offset_file, 'w')\n"
        # Threads may send unequal shares: leave a margin rather than reuse a line.
        "  out:write(tostring(start + summary.requests * 2 + 1000))\n"
        "  out:close()\n"
        "end\n"
        "local lines, n = {}, 0\n"
        "init = function(args)\n"
        f'  for line in io.lines("{PAYMENT_DIR / "notifications.tsv"}") do\n'
        "    lines[#lines + 1] = line\n"
        "  end\n"
        "  n = first\n"
        "end\n"
        "request = function()\n"
        "  local line = lines[(n % #lines) + 1]\n"
        f"  n = n + {PAYMENT_SCRIPT_THREADS}\n"
        '  local nonce, timestamp, signature, body = line:match("([^\\t]*)\\t([^\\t]*)\\t'
        '([^\\t]*)\\t(.*)")\n'
        "  return wrk.format('POST', '/api/v1/payments/wechat/notify', {\n"
        "    ['Content-Type'] = 'application/json',\n"
        "    ['Wechatpay-Nonce'] = nonce, ['Wechatpay-Timestamp'] = timestamp,\n"
        "    ['Wechatpay-Signature'] = signature, ['Wechatpay-Serial'] = serial,\n"
        "    ['Wechatpay-Signature-Type'] = 'WECHATPAY2-SHA256-RSA2048',\n"
        "  }, body)\n"
        "end\n",
    )
    serial = (PAYMENT_DIR / "platform-serial").read_text().strip()
    script = WORK_DIR / "payment_notify.lua"
    script.write_text(f'serial = "{serial}"\n' + script.read_text())
    return json.loads((PAYMENT_DIR / "check_headers.json").read_text())


register(
    Scenario(
        name="payment_notify",
        path="/api/v1/payments/wechat/notify",
        description="WeChat's payment notification, each request pre-signed with its own nonce "
        "(RSA-SHA256 verified and AES-256-GCM decrypted by the wechatpayv3 SDK): the raw "
        "notification stored, the compare-and-set on the payment, payment.changed in the outbox "
        "for the first of each payment (later ones are duplicates, as WeChat's retries are).",
        setup=_payment_notify,
        method="POST",
        body=_payment_check_body(),
        script=WORK_DIR / "payment_notify.lua",
        server_env={
            "WECHATPAY_MCHID": PAYMENT_MCHID,
            "WECHATPAY_APPID": "wxbench",
            "WECHATPAY_APIV3_KEY": PAYMENT_APIV3_KEY,
            "WECHATPAY_PRIVATE_KEY_PATH": str(PAYMENT_DIR / "merchant_key.pem"),
            "WECHATPAY_CERT_PATH": str(PAYMENT_DIR / "merchant_cert.pem"),
            # The platform certificate from disk: the SDK contacts no gateway.
            "WECHATPAY_CERT_DIR": str(PAYMENT_DIR / "platform-certs"),
            # Pre-signed before the run: a window wider than the 300 s of production.
            "PAYMENTS_NOTIFY_MAX_AGE": "3600",
        },
    )
)


# --- rewards: a reader clicking "tip" again ------------------------------------------------

REWARD_USER_AGENT = "scholarnet-bench/reward-create"
REWARD_ARTICLES = 200
REWARD_AMOUNT = 500
_REWARD_SETUP = f"""
from django.test import RequestFactory
from django_redis import get_redis_connection
from apps.articles import services as articles
from apps.articles.models import PublishedArticle
from apps.rewards.models import Reward, RewardStatus
from apps.rewards.services import prepay_cache_key
from apps.users.models import User
from apps.users.sessions import session_start
def user(email):
    found = User.objects.filter(email=email).first()
    return found or User.objects.create_user(email, "bench-pass-71")
author = user("bench-reward-author@example.org")
payer = user("bench-reward-payer@example.org")
for n in range({REWARD_ARTICLES} - PublishedArticle.objects.filter(author=author).count()):
    draft = articles.article_create(
        author=author, title=f"Tips {{n}}", content="Body.", abstract="")
    articles.article_publish(article_id=draft.pk, author=author)
ids = list(
    PublishedArticle.objects.filter(author=author).order_by("id").values_list("id", flat=True))
# The runner's check request goes to article 1: give it a pending order too (if it can have one).
authors = dict.fromkeys(ids, author.pk)
first = PublishedArticle.objects.filter(pk=1, status="published").exclude(author=payer).first()
if first is not None:
    authors[1] = first.author_id
redis = get_redis_connection("default")
for article_id, author_id in authors.items():
    reward = Reward.objects.filter(payer=payer, article_id=article_id, amount={REWARD_AMOUNT},
        status=RewardStatus.PENDING).first() or Reward.objects.create(
        article_id=article_id, author_id=author_id, payer=payer, amount={REWARD_AMOUNT},
        out_trade_no=f"RWbench{{article_id}}", code_url=f"weixin://wxpay/bizpayurl?pr={{article_id}}")
    key = prepay_cache_key(article_id=article_id, payer_id=payer.pk, amount={REWARD_AMOUNT})
    redis.set(key, reward.pk, ex=6 * 3600)
request = RequestFactory().post("/", HTTP_USER_AGENT={REWARD_USER_AGENT!r})
print("token", session_start(user=payer, request=request).access)
print("ids", ",".join(map(str, ids)))
"""


def _reward_repeat(context: SetupContext) -> Mapping[str, str]:
    """A payer with a pending order on each of 200 articles; a script asking for them again."""
    output = context.manage("shell", "-c", _REWARD_SETUP)
    lines = dict(line.split(" ", 1) for line in output.splitlines() if " " in line)
    _write_script(
        "reward_create_repeat",
        "math.randomseed(17)\n"
        f'wrk.headers["Authorization"] = "Bearer {lines["token"]}"\n'
        f'wrk.headers["User-Agent"] = "{REWARD_USER_AGENT}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"local ids = {{{lines['ids']}}}\n"
        "request = function()\n"
        "  local id = ids[math.random(#ids)]\n"
        '  return wrk.format("POST", "/api/v1/articles/" .. id .. "/rewards", nil,'
        f" '{{\"amount\": {REWARD_AMOUNT}}}')\n"
        "end\n",
    )
    return {"Authorization": f"Bearer {lines['token']}", "User-Agent": REWARD_USER_AGENT}


register(
    Scenario(
        name="reward_create_repeat",
        path="/api/v1/articles/1/rewards",
        description="POST /articles/{id}/rewards by a signed-in reader who already has a pending "
        f"order of that amount on each of {REWARD_ARTICLES} articles (a repeated click): the "
        "article's visibility, the prepay lock and cache in Redis, the pending reward's row, 201. "
        "A first click also waits for WeChat's prepay, which no bench run reaches. The per-user "
        "reward limit is lifted for the run.",
        setup=_reward_repeat,
        script=WORK_DIR / "reward_create_repeat.lua",
        server_env={"RATELIMIT_REWARD_CREATE": "1000000000/60s"},
        method="POST",
        headers={"Content-Type": "application/json"},
        body=f'{{"amount": {REWARD_AMOUNT}}}',
    )
)


# --- rewards: a reader clicking "tip" for the first time ---------------------------------------

REWARD_FIRST_DIR = WORK_DIR / "wechatpay-first"
REWARD_FIRST_PAYER = "bench-reward-first@example.org"
# The stand-in WeChat gateway (bench/wechat_gateway.py), in the runner's process; outside the
# range bench servers take their ports from.
REWARD_GATEWAY_PORT = 19417
# Each request is a new (article, amount) pair: amounts 1 … 50,000 fen but REWARD_AMOUNT (the
# repeat scenario's pending orders), over the articles; a wrk thread takes a block of this many
# pairs per run, and the next run (warm-up, measurement, later rounds) starts after the last.
REWARD_FIRST_BLOCK = 100_000
_REWARD_FIRST_SETUP = f"""
from django.test import RequestFactory
from django_redis import get_redis_connection
from apps.articles import services as articles
from apps.articles.models import PublishedArticle
from apps.users.models import User
from apps.users.sessions import session_start
def user(email):
    found = User.objects.filter(email=email).first()
    return found or User.objects.create_user(email, "bench-pass-71")
author = user("bench-reward-author@example.org")
payer = user({REWARD_FIRST_PAYER!r})
for n in range({REWARD_ARTICLES} - PublishedArticle.objects.filter(author=author).count()):
    draft = articles.article_create(
        author=author, title=f"Tips {{n}}", content="Body.", abstract="")
    articles.article_publish(article_id=draft.pk, author=author)
ids = list(
    PublishedArticle.objects.filter(author=author).order_by("id").values_list("id", flat=True))
# Orders cached by an earlier run would make its pairs repeats: forget them.
redis = get_redis_connection("default")
for key in redis.scan_iter(match=f"rewards:prepay:*:{{payer.pk}}:*", count=1000):
    redis.delete(key)
request = RequestFactory().post("/", HTTP_USER_AGENT={REWARD_USER_AGENT!r})
print("token", session_start(user=payer, request=request).access)
print("ids", ",".join(map(str, ids)))
"""


def reward_first_lua(*, token: str, ids: str, offset_file: Path) -> str:
    """The wrk script: every request a pair (article, amount) no earlier request used."""
    return (
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f'wrk.headers["User-Agent"] = "{REWARD_USER_AGENT}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'local offset_file = "{offset_file}"\n'
        "local start = tonumber(io.open(offset_file):read('*a')) or 0\n"
        "local threads = 0\n"
        "setup = function(thread)\n"
        "  threads = threads + 1\n"
        f'  thread:set("first", start + (threads - 1) * {REWARD_FIRST_BLOCK})\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local out = io.open(offset_file, 'w')\n"
        f"  out:write(tostring(start + threads * {REWARD_FIRST_BLOCK}))\n"
        "  out:close()\n"
        "end\n"
        f"local ids = {{{ids}}}\n"
        "local n = 0\n"
        "init = function(args)\n"
        "  n = first\n"
        "end\n"
        "request = function()\n"
        "  local id = ids[(n % #ids) + 1]\n"
        "  local amount = 1 + math.floor(n / #ids) % 49999\n"
        f"  if amount >= {REWARD_AMOUNT} then amount = amount + 1 end\n"
        "  n = n + 1\n"
        '  return wrk.format("POST", "/api/v1/articles/" .. id .. "/rewards", nil,'
        " '{\"amount\": ' .. amount .. '}')\n"
        "end\n"
    )


def _reward_first(context: SetupContext) -> Mapping[str, str]:
    """Test keys, the stand-in WeChat gateway, 200 articles, a payer with no order cached."""
    from bench.wechat_gateway import gateway_keys, gateway_start

    keys = gateway_keys(REWARD_FIRST_DIR, apiv3_key=PAYMENT_APIV3_KEY)
    gateway_start(port=REWARD_GATEWAY_PORT, keys=keys)
    output = context.manage("shell", "-c", _REWARD_FIRST_SETUP)
    lines = dict(line.split(" ", 1) for line in output.splitlines() if " " in line)
    offset_file = REWARD_FIRST_DIR / "offset"
    offset_file.write_text("0")
    _write_script(
        "reward_create_first",
        reward_first_lua(token=lines["token"], ids=lines["ids"], offset_file=offset_file),
    )
    return {"Authorization": f"Bearer {lines['token']}", "User-Agent": REWARD_USER_AGENT}


register(
    Scenario(
        name="reward_create_first",
        path="/api/v1/articles/1/rewards",
        description="POST /articles/{id}/rewards, a first click each time: a new (article, "
        f"amount) pair over {REWARD_ARTICLES} articles per request, so a new reward, its ledger "
        "accounts checked, a new payment row and a Native prepay through the wechatpayv3 SDK "
        "(request signed, answer verified) against a stand-in WeChat gateway on localhost "
        "(bench/wechat_gateway.py, outside the server), then the cached prepay in Redis, 201. "
        "WeChat's own latency is not in it. The per-user reward limit is lifted for the run.",
        setup=_reward_first,
        script=WORK_DIR / "reward_create_first.lua",
        server_env={
            "RATELIMIT_REWARD_CREATE": "1000000000/60s",
            "WECHATPAY_GATEWAY": f"http://127.0.0.1:{REWARD_GATEWAY_PORT}",
            "WECHATPAY_MCHID": PAYMENT_MCHID,
            "WECHATPAY_APPID": "wxbench",
            "WECHATPAY_APIV3_KEY": PAYMENT_APIV3_KEY,
            "WECHATPAY_PRIVATE_KEY_PATH": str(REWARD_FIRST_DIR / "merchant_key.pem"),
            "WECHATPAY_CERT_PATH": str(REWARD_FIRST_DIR / "merchant_cert.pem"),
            "WECHATPAY_CERT_DIR": str(REWARD_FIRST_DIR / "platform-certs"),
        },
        method="POST",
        headers={"Content-Type": "application/json"},
        body='{"amount": 499}',
    )
)


# --- the pages (apps/web) -----------------------------------------------------------------------

_WEB_PATHS = """
from apps.articles.models import PublishedArticle
from apps.web.views.reading import article_path
rows = PublishedArticle.objects.order_by("id").values("id", "title")[:{count}]
for row in rows:
    print("path", article_path(row))
"""


def _web_article_pages(context: SetupContext) -> None:
    _content_data(context)
    output = context.manage("shell", "-c", _WEB_PATHS.format(count=HOT_ARTICLES))
    paths = [line.split(" ", 1)[1] for line in output.splitlines() if line.startswith("path ")]
    table = ",".join(f'"{quote(path)}"' for path in paths)
    _write_script(
        "web_article_page",
        f"{_per_thread_seed(13)}local paths = {{{table}}}\n"
        "request = function()\n"
        '  return wrk.format("GET", paths[math.random(1, #paths)])\n'
        "end\n",
    )


register(
    Scenario(
        name="web_article_page",
        path="/a/1/article/",
        description=f"The article page (HTML), anonymous, over the {HOT_ARTICLES:,} hottest "
        f"of {BENCH_ARTICLES:,} articles at their canonical paths: the cached detail, the "
        "content with MathML, counts, comments and the page's template.",
        setup=_web_article_pages,
        script=WORK_DIR / "web_article_page.lua",
    )
)
register(
    Scenario(
        name="web_home",
        path="/",
        description="The home page (HTML), anonymous: the hot list, the latest articles and "
        "the tag chips.",
        setup=_article_list,
    )
)
