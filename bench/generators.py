"""The bench data generators, one per kind of row, run by ``manage.py bench_data``.

Each generator is deterministic and resumable: row ``i`` is derived from ``(seed, kind, i)`` only,
so an interrupted run resumed later, or batches of another size, produce the same data. Generated
rows are recognisable (users by the ``@bench.scholarnet.test`` email domain), which is how a
generator counts what already exists and continues after it.

Add a generator (``articles``, ``follows`` …) with ``register(Generator(...))``; ``bench_data``
grows a ``--<name>`` option for it. Generators run in registration order, so register one after
the generators whose rows it refers to.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Max, QuerySet

from apps.articles.models import (
    Article,
    ArticleStatus,
    PublishedArticle,
    PublishedArticleTag,
    PublishSequence,
)
from apps.articles.rendering import derive_abstract, plain_text, render_markdown
from apps.tags.models import TagBinding
from apps.tags.names import name_key
from apps.tags.services import tag_create_official

BENCH_EMAIL_DOMAIN = "bench.scholarnet.test"
# Every generated user signs in with this password; scenarios that log in use it.
BENCH_USER_PASSWORD = "bench-password"


@dataclass(frozen=True)
class Existing:
    count: int
    # One past the highest generated index: rows are created in index order, so this equals
    # ``count`` unless generated rows were deleted by hand, and never collides with a row.
    next_index: int


@dataclass(frozen=True)
class Generator:
    name: str
    help: str
    existing: Callable[[], Existing]
    # Create rows [start, stop) for the seed; returns how many were created.
    create_rows: Callable[[int, int, int], int]
    # The models whose tables it fills (``bench_data`` refreshes their statistics after).
    models: tuple[type[Any], ...] = ()


GENERATORS: dict[str, Generator] = {}


# Values a generator reads once per run and keeps for its batches (user and article ids);
# ``bench_data`` empties it before each generator runs, so one run never sees another's rows.
_RUN: dict[str, Any] = {}


def run_begin() -> None:
    _RUN.clear()


def register(generator: Generator) -> Generator:
    GENERATORS[generator.name] = generator
    return generator


def batches(start: int, stop: int, size: int) -> Iterator[tuple[int, int]]:
    for batch_start in range(start, stop, size):
        yield batch_start, min(batch_start + size, stop)


def row_random(seed: int, kind: str, index: int) -> random.Random:
    """A generator of its own for one row, so a row never depends on the rows before it."""
    return random.Random(f"{seed}:{kind}:{index}")


# --- users --------------------------------------------------------------------------------------

_FIRST = ("Ada", "Alan", "Emmy", "Kurt", "Lise", "Marie", "Niels", "Paul", "Rosalind", "Srinivasa")
_LAST = ("Curie", "Dirac", "Gödel", "Hopper", "Meitner", "Noether", "Bohr", "Turing", "Franklin")


def bench_user_email(index: int) -> str:
    return f"user{index:09d}@{BENCH_EMAIL_DOMAIN}"


def _bench_users() -> QuerySet[Any]:
    return get_user_model().objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}")


@cache
def _password_hash(seed: int) -> str:
    # One hash for every generated user: hashing per user would dominate the generation time.
    return make_password(BENCH_USER_PASSWORD, salt=f"benchseed{seed}")


def _bench_user_count() -> int:
    # Read once per run (see run_begin): articles are created after the users.
    if "user_count" not in _RUN:
        _RUN["user_count"] = _bench_users().count()
    return int(_RUN["user_count"])


def existing_users() -> Existing:
    users = _bench_users()
    last_email = users.order_by("-email").values_list("email", flat=True).first()
    next_index = int(last_email.split("@")[0].removeprefix("user")) + 1 if last_email else 0
    return Existing(count=users.count(), next_index=next_index)


def create_users(seed: int, start: int, stop: int) -> int:
    user_model = get_user_model()
    users = [
        user_model(
            email=bench_user_email(index),
            nickname=_nickname(seed, index),
            password=_password_hash(seed),
        )
        for index in range(start, stop)
    ]
    with transaction.atomic():
        user_model.objects.bulk_create(users)
    return len(users)


def _nickname(seed: int, index: int) -> str:
    rng = row_random(seed, "users", index)
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {index}"


register(
    Generator(
        name="users",
        help="total number of generated users (emails user000000000@bench.scholarnet.test …); "
        f"password {BENCH_USER_PASSWORD!r}",
        existing=existing_users,
        create_rows=create_users,
        models=(get_user_model(),),
    )
)


# --- articles -----------------------------------------------------------------------------------
#
# Published articles by generated users, written in bulk straight into both stores, the live tag
# index and the tag bindings, as publishing would leave them (no outbox events: rebuild the search
# index afterwards). Authorship is skewed (log-uniform over the users: a few prolific authors, a
# long tail), tags come from a small vocabulary with a Zipf skew, and the Markdown is assembled
# from blocks (prose with inline math, display equations, code, tables) whose rendering is
# computed once per block: blocks separated by blank lines render independently, so the
# concatenation is exactly what publishing would store. Data depend on the seed, the row index
# and the number of generated users.

BENCH_ARTICLE_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_ARTICLE_SPACING = timedelta(minutes=5)
# Rows per INSERT of the text-heavy tables, well under MySQL's default max_allowed_packet.
_TEXT_INSERT_BATCH = 200

_TAG_VOCABULARY = (
    "machine learning", "linear algebra", "optimization", "probability", "statistics",
    "graph theory", "numerical analysis", "topology", "number theory", "quantum computing",
    "cryptography", "signal processing", "differential equations", "bioinformatics",
    "computational physics", "control theory", "information theory", "combinatorics",
    "algorithms", "databases", "distributed systems", "category theory", "game theory",
    "econometrics",
)  # fmt: skip
_TAG_WEIGHTS = tuple(1 / (rank + 1) for rank in range(len(_TAG_VOCABULARY)))
_TITLE_OPENINGS = (
    "On the convergence of", "A note on", "Revisiting", "Sharp bounds for", "Towards scalable",
    "A spectral view of", "Randomised methods for", "Lower bounds on", "Stability of",
)  # fmt: skip
_TITLE_SUBJECTS = (
    "sparse linear solvers", "stochastic gradient descent", "expander graphs",
    "Krylov subspace methods", "low-rank approximation", "Markov chain mixing",
    "interior-point methods", "persistent homology", "lattice-based signatures",
)  # fmt: skip
_PROSE = (
    "We study the problem in the regime where $n \\gg d$ and the data matrix $A \\in "
    "\\mathbb{R}^{n \\times d}$ has full column rank. Our analysis is elementary and relies only "
    "on the spectral decomposition of $A^\\top A$.",
    "Let $\\kappa = \\sigma_{\\max} / \\sigma_{\\min}$ denote the condition number. Classical "
    "results give a rate of $O(\\sqrt{\\kappa} \\log(1/\\varepsilon))$ iterations; we show this "
    "is attained up to constants for a wide class of inputs.",
    "The proof proceeds in three steps. First we bound the bias, then the variance, and finally "
    "we combine both with a union bound over a $\\delta$-net of the unit sphere.",
    "Experiments on synthetic and real-world data confirm the theory: the observed error decays "
    "geometrically with ratio close to $1 - 1/\\sqrt{\\kappa}$, as predicted.",
    "For a graph $G = (V, E)$ with Laplacian $L$, the second smallest eigenvalue $\\lambda_2(L)$ "
    "controls both the mixing time of the random walk and the edge expansion of $G$.",
    "We emphasise that none of the constants depend on the dimension $d$, which makes the bound "
    "useful in the high-dimensional setting that motivates this work.",
    "Related work includes the classical analysis of conjugate gradients, randomised sketching "
    "and recent results on preconditioning with sparse approximate inverses.",
    "A limitation of our approach is the assumption that $\\mathbb{E}[\\xi] = 0$; relaxing it "
    "to a bounded bias $\\|\\mathbb{E}[\\xi]\\| \\le \\beta$ is an interesting open question.",
    "Throughout, $\\|\\cdot\\|$ denotes the Euclidean norm and $\\langle x, y \\rangle$ the "
    "standard inner product; all logarithms are natural.",
    "We thank the anonymous reviewers for their comments, which improved the presentation.",
)
_EQUATIONS = (
    "$$\n\\|x_k - x^\\star\\|_A \\le 2 \\left( \\frac{\\sqrt{\\kappa} - 1}{\\sqrt{\\kappa} + 1} "
    "\\right)^k \\|x_0 - x^\\star\\|_A\n$$",
    "$$\n\\Pr\\left[ \\left| \\frac{1}{n} \\sum_{i=1}^n X_i - \\mu \\right| \\ge t \\right] \\le "
    "2 \\exp\\left( -\\frac{n t^2}{2 \\sigma^2} \\right)\n$$",
    "$$\n\\lambda_2(L) = \\min_{x \\perp \\mathbf{1}} \\frac{x^\\top L x}{x^\\top x}\n$$",
    "$$\n\\hat{\\theta} = \\arg\\min_{\\theta} \\frac{1}{n} \\sum_{i=1}^n \\ell(f_\\theta(x_i), "
    "y_i) + \\lambda \\|\\theta\\|_2^2\n$$",
    "$$\nH(X) = -\\sum_{x \\in \\mathcal{X}} p(x) \\log p(x)\n$$",
)
_EXTRAS = (
    "```python\nimport numpy as np\n\ndef cg(A, b, iterations=100):\n    x = np.zeros_like(b)\n"
    "    r = b - A @ x\n    p = r.copy()\n    for _ in range(iterations):\n"
    "        alpha = (r @ r) / (p @ A @ p)\n        x += alpha * p\n    return x\n```",
    "| method | iterations | time (s) |\n|:--|--:|--:|\n| Jacobi | 1240 | 3.1 |\n"
    "| CG | 87 | 0.4 |\n| PCG | 23 | 0.2 |",
    "- the bound is tight for diagonal matrices;\n- it degrades gracefully with noise;\n"
    "- it needs no tuning of the step size.",
    "> All models are wrong, but some are useful. — G. E. P. Box",
)


def bench_article_title(seed: int, index: int) -> str:
    rng = row_random(seed, "article-titles", index)
    return f"{rng.choice(_TITLE_OPENINGS)} {rng.choice(_TITLE_SUBJECTS)} (no. {index})"


def _bench_articles() -> QuerySet[Article]:
    return Article.objects.filter(author__email__endswith=f"@{BENCH_EMAIL_DOMAIN}")


def existing_articles() -> Existing:
    articles = _bench_articles()
    last_title = articles.order_by("-id").values_list("title", flat=True).first()
    next_index = int(last_title.rsplit("(no. ", 1)[1].rstrip(")")) + 1 if last_title else 0
    return Existing(count=articles.count(), next_index=next_index)


@cache
def _rendered_block(block: str) -> str:
    return render_markdown(block)


def _article_blocks(rng: random.Random, title: str) -> list[str]:
    """Three sections of prose with math: about 2 KB of Markdown on average."""
    blocks = [f"# {title}", "## Introduction", *rng.sample(_PROSE, rng.randint(3, 6))]
    blocks += ["## Method", *rng.sample(_PROSE, rng.randint(2, 4))]
    blocks += rng.sample(_EQUATIONS, rng.randint(0, 2))
    if rng.random() < 0.6:
        blocks.append(rng.choice(_EXTRAS))
    blocks += ["## Results", *rng.sample(_PROSE, rng.randint(2, 4))]
    blocks += rng.sample(_EQUATIONS, rng.randint(0, 1))
    return blocks


def _article_tags(rng: random.Random) -> list[str]:
    wanted = rng.randint(1, 4)
    tags: list[str] = []
    while len(tags) < wanted:
        tag = rng.choices(_TAG_VOCABULARY, weights=_TAG_WEIGHTS)[0]
        if tag not in tags:
            tags.append(tag)
    return tags


def _author_rank(rng: random.Random, user_count: int) -> int:
    # Log-uniform: P(rank < r) = log(r) / log(users), a Zipf-like tail of occasional authors.
    return min(user_count - 1, int(user_count ** rng.random()) - 1)


@dataclass(frozen=True)
class _ArticleRow:
    author_email: str
    title: str
    content: str
    content_html: str
    abstract: str
    tags: list[str]
    published_at: datetime


def _article_row(seed: int, index: int, user_count: int) -> _ArticleRow:
    rng = row_random(seed, "articles", index)
    title = bench_article_title(seed, index)
    blocks = _article_blocks(rng, title)
    published_at = BENCH_ARTICLE_EPOCH + index * _ARTICLE_SPACING
    content_html = "".join(_rendered_block(block) for block in blocks)
    return _ArticleRow(
        author_email=bench_user_email(_author_rank(rng, user_count)),
        title=title,
        content="\n\n".join(blocks) + "\n",
        content_html=content_html,
        abstract=derive_abstract(
            plain_text(content_html), max_length=settings.ARTICLE_ABSTRACT_LENGTH
        ),
        tags=_article_tags(rng),
        published_at=published_at + timedelta(seconds=rng.randrange(300)),
    )


def create_articles(seed: int, start: int, stop: int) -> int:
    user_count = _bench_user_count()
    if not user_count:
        raise CommandError("Articles need generated authors: run bench_data --users N first.")
    rows = [_article_row(seed, index, user_count) for index in range(start, stop)]
    with transaction.atomic():
        _insert_articles(rows)
    return len(rows)


def _insert_articles(rows: list[_ArticleRow]) -> None:
    author_ids = dict(
        _bench_users()
        .filter(email__in={row.author_email for row in rows})
        .values_list("email", "id")
    )
    article_ids = _bulk_insert(
        Article,
        [
            Article(
                author_id=author_ids[row.author_email],
                title=row.title,
                content=row.content,
                abstract=row.abstract,
                status=ArticleStatus.PUBLISHED,
                published_version=1,
                created_at=row.published_at - timedelta(hours=6),
                updated_at=row.published_at,
                published_at=row.published_at,
            )
            for row in rows
        ],
        key="title",
    )
    sequence_ids = _bulk_insert(
        PublishSequence,
        [
            PublishSequence(article_id=article_ids[row.title], created_at=row.published_at)
            for row in rows
        ],
        key="article_id",
    )
    _insert_live_rows(rows, author_ids, article_ids, sequence_ids)


def _bulk_insert(model: type[Any], objects: list[Any], *, key: str) -> dict[Any, int]:
    """Insert ``objects``; ``{key: id}`` of the new rows, found at a cost independent of the table.

    MariaDB and SQLite return the ids from the INSERT itself. MySQL does not: there the rows are
    read back by a primary-key range above the table's end before the insert. (Reading them back
    by an unindexed column, as this once did, scanned every row inserted so far, so each batch
    was slower than the one before.)
    """
    manager = model._default_manager
    if connection.features.can_return_rows_from_bulk_insert:
        created = manager.bulk_create(objects, batch_size=_TEXT_INSERT_BATCH)
        return {getattr(obj, key): obj.pk for obj in created}
    end = manager.aggregate(end=Max("pk"))["end"] or 0
    manager.bulk_create(objects, batch_size=_TEXT_INSERT_BATCH)
    wanted = {getattr(obj, key) for obj in objects}
    rows = manager.filter(pk__gt=end).values_list(key, "pk")
    return {value: pk for value, pk in rows if value in wanted}


def _insert_live_rows(
    rows: list[_ArticleRow],
    author_ids: dict[str, int],
    article_ids: dict[str, int],
    sequences: dict[int, int],
) -> None:
    if "tags" not in _RUN:
        _RUN["tags"] = {name: tag_create_official(name=name) for name in _TAG_VOCABULARY}
    tags = _RUN["tags"]
    PublishedArticle.objects.bulk_create(
        [
            PublishedArticle(
                id=article_ids[row.title],
                author_id=author_ids[row.author_email],
                title=row.title,
                content=row.content,
                content_html=row.content_html,
                content_bytes=len(row.content.encode("utf-8")),
                abstract=row.abstract,
                publish_seq=sequences[article_ids[row.title]],
                published_at=row.published_at,
                updated_at=row.published_at,
            )
            for row in rows
        ],
        batch_size=_TEXT_INSERT_BATCH,
    )
    PublishedArticleTag.objects.bulk_create(
        PublishedArticleTag(
            article_id=article_ids[row.title],
            name=tags[name].name,
            name_key=name_key(name),
            publish_seq=sequences[article_ids[row.title]],
        )
        for row in rows
        for name in row.tags
    )
    TagBinding.objects.bulk_create(
        TagBinding(tag=tags[name], biz="article", biz_id=article_ids[row.title])
        for row in rows
        for name in row.tags
    )


register(
    Generator(
        name="articles",
        help="total number of generated published articles, by generated users (run after "
        "--users), with Markdown, math and tags; no events: reindex search afterwards",
        existing=existing_articles,
        create_rows=create_articles,
        models=(Article, PublishSequence, PublishedArticle, PublishedArticleTag, TagBinding),
    )
)


# Generators of later apps' rows, registered after the rows they refer to.
from bench import likes as _likes  # noqa: E402, F401
