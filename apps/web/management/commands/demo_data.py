"""``manage.py demo_data``: the demo moderator and a small living site for a newcomer's first page.

Idempotent. The moderator is created once with a generated password (shown that once, as
before). The content (a handful of authors with profiles, articles with math in their titles,
abstracts and bodies, tags, comments and replies, likes, follows) is created once: when the first
demo author exists, nothing is added. Everything goes through the apps' services, as the API's
writes do, so counters, caches, events and the search index's feed are what real use produces.
``--no-content`` creates the moderator only.

With the WeChat simulator on, the demo also holds one paid tip (checked on every run, paid once),
so an author's wallet shows a ledger entry from the start. It takes the real payment path: the
rewards service creates the reward and its WeChat Native order through the SDK, the simulator's
order is paid as its pay page pays it, and its signed notification goes to the payments service
the notify endpoint calls. No server runs yet (``make run`` loads the demo first), so the SDK's
calls to the simulator are served in process (``apps.wechat_sim.in_process``), never over a
socket.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from apps.articles import services as articles
from apps.articles.selectors import article_author_list
from apps.comments import services as comments
from apps.comments.models import CommentKind
from apps.follows import services as follows
from apps.interactions import services as interactions
from apps.ledger.selectors import wallet_get
from apps.payments.callbacks import payment_notification_receive
from apps.ranking import services as ranking
from apps.rewards import services as rewards
from apps.rewards.models import Reward, RewardStatus
from apps.users import services as users
from apps.users.models import User
from scholarnet.api.errors import ApplicationError
from scholarnet.runtime.demo import demo_admin_ensure, demo_login_lines

DEMO_DOMAIN = "demo.scholarnet.local"

AUTHORS = [
    ("ada", "Ada Lovelace", "Analyst of engines and of the numbers of Bernoulli."),
    ("emmy", "Emmy Noether", "Symmetries, invariants and rings with ascending chains."),
    ("alan", "Alan Turing", "Machines, morphogenesis and what can be computed."),
    ("sofia", "Sofia Kovalevskaya", "Spinning tops and partial differential equations."),
]

ARTICLES: list[dict[str, Any]] = [
    {
        "author": "emmy",
        "title": "Symmetry and conservation: why $E=mc^2$ is not the whole story",
        "tags": ["physics", "symmetry"],
        "abstract": "Every continuous symmetry $\\phi$ of an action gives a conserved quantity.",
        "content": (
            "Noether's theorem ties symmetries to conserved quantities. Mass and energy are "
            "related by $E = mc^2$, and time-translation symmetry gives energy conservation:\n\n"
            "$$\n\\frac{d}{dt}\\left(\\sum_i \\dot q_i \\frac{\\partial L}{\\partial \\dot q_i}"
            " - L\\right) = 0\n$$\n\n"
            "## Rotations\n\nInvariance under rotation gives angular momentum "
            "$\\vec L = \\vec r \\times \\vec p$.\n"
        ),
    },
    {
        "author": "ada",
        "title": "Bernoulli numbers by machine",
        "tags": ["computing", "number-theory"],
        "abstract": "A table of operations unrolls $\\sum_{k=0}^{n} \\binom{n+1}{k} B_k = 0$.",
        "content": (
            "The Bernoulli numbers satisfy $\\sum_{k=0}^{n} \\binom{n+1}{k} B_k = 0$ for "
            "$n \\ge 1$, which a machine can unroll step by step.\n\n"
            "$$\nB_0 = 1,\\quad B_1 = -\\tfrac{1}{2},\\quad B_2 = \\tfrac{1}{6}\n$$\n\n"
            "A table of operations computes each $B_n$ from the ones before it.\n"
        ),
    },
    {
        "author": "alan",
        "title": "On computable numbers, briefly",
        "tags": ["computing", "logic"],
        "abstract": "A number is computable when a machine writes its digits: $x = \\sum d_i$.",
        "content": (
            "A real number $x$ is *computable* when a finite machine prints its decimal digits "
            "one by one.\n\nThe halting problem has no solution: assume a decider $H$ and build "
            "$D(x) = \\neg H(x, x)$; then $D(D)$ contradicts itself.\n\n"
            "$$\n\\lim_{n\\to\\infty} \\sum_{i=1}^{n} d_i 10^{-i} = x\n$$\n"
        ),
    },
    {
        "author": "alan",
        "title": "Turing patterns: diffusion makes stripes",
        "tags": ["biology", "pde"],
        "abstract": "Diffusion at rates $D_v \\gg D_u$ turns a uniform state into stripes.",
        "content": (
            "Two chemicals that react and diffuse at different rates form stable patterns:\n\n"
            "$$\n\\partial_t u = D_u \\nabla^2 u + f(u, v), \\qquad "
            "\\partial_t v = D_v \\nabla^2 v + g(u, v)\n$$\n\n"
            "with $D_v \\gg D_u$ the uniform state becomes unstable.\n"
        ),
    },
    {
        "author": "sofia",
        "title": "The Kovalevskaya top",
        "tags": ["physics", "pde"],
        "abstract": "An integrable case of the heavy top, with moments $I_1 = I_2 = 2 I_3$.",
        "content": (
            "Euler and Lagrange found two integrable tops; the third has moments of inertia "
            "$I_1 = I_2 = 2I_3$ with the centre of mass in the equatorial plane.\n\n"
            "Its extra integral is\n\n$$\nK = |(\\omega_1 + i\\omega_2)^2 + c(\\gamma_1 + "
            "i\\gamma_2)|^2\n$$\n"
        ),
    },
    {
        "author": "emmy",
        "title": "Ascending chains in rings",
        "tags": ["algebra"],
        "abstract": "Every chain of ideals $I_1 \\subseteq I_2 \\subseteq \\cdots$ stabilises.",
        "content": (
            "A ring is *Noetherian* when every ascending chain of ideals "
            "$I_1 \\subseteq I_2 \\subseteq \\cdots$ stabilises.\n\n"
            "Hilbert's basis theorem: if $R$ is Noetherian, so is $R[x]$.\n"
        ),
    },
]

COMMENTS = [
    # (article index, commenter, text, replies: [(replier, text)])
    (
        0,
        "alan",
        "Does the argument need the action to be local?",
        [
            ("emmy", "Locality makes the current a local density; the charge exists without it."),
            ("sofia", "For the top it is enough that the Lagrangian has no explicit time."),
        ],
    ),
    (
        1,
        "emmy",
        "Lovely table. How many operations for $B_7$?",
        [
            ("ada", "Twenty-five, counting each variable card once."),
        ],
    ),
    (2, "ada", "So a machine that lists all computable numbers cannot exist?", []),
    (3, "sofia", "Which $f$ and $g$ give stripes rather than spots?", []),
]

# (article index, reviewer, rating 1-10, confidence 1-5, review, the author's rebuttal or "")
REVIEWS = [
    (
        0,
        "sofia",
        8,
        4,
        "Clear and correct. The rotation section would gain from the explicit conserved "
        "quantity $\\vec L = \\vec r \\times \\vec p$ derived from the Lagrangian, not stated.",
        "Added in spirit: the derivation is the same as for time translation, with "
        "$\\delta \\vec r = \\vec \\theta \\times \\vec r$.",
    ),
    (4, "emmy", 9, 3, "A careful account of the third integrable case; the figures help.", ""),
]
QUESTIONS = [(0, "ada", "Does the theorem still hold for discrete symmetries?")]

LIKES = [(0, "alan"), (0, "ada"), (0, "sofia"), (1, "emmy"), (2, "ada"), (2, "emmy"), (4, "emmy")]
FOLLOWS = [("alan", "emmy"), ("ada", "emmy"), ("sofia", "alan"), ("emmy", "ada")]
TAG_FOLLOWS = [("ada", "physics"), ("alan", "pde")]
# (payer, article index, amount in fen): the demo's one paid tip.
TIP = ("alan", 0, 1000)


def demo_email(handle: str) -> str:
    return f"{handle}@{DEMO_DOMAIN}"


def demo_content_exists() -> bool:
    return User.objects.filter(email=demo_email(AUTHORS[0][0])).exists()


def demo_content_create() -> dict[str, int]:
    """Create the demo content through the services; the counts of what was created."""
    people: dict[str, User] = {}
    for handle, nickname, about in AUTHORS:
        # Nobody signs in as the demo authors: a random password nobody knows.
        user = users.user_register(
            email=demo_email(handle), password=secrets.token_urlsafe(18), nickname=nickname
        )
        people[handle] = users.user_profile_update(user=user, data={"about": about})
    published = []
    for spec in ARTICLES:
        author = people[spec["author"]]
        with transaction.atomic():
            draft = articles.article_create(
                author=author,
                title=spec["title"],
                content=spec["content"],
                abstract=spec["abstract"],
                tags=spec["tags"],
            )
        published.append(articles.article_publish(article_id=draft.pk, author=author))
    replies = 0
    for index, handle, text, answers in COMMENTS:
        root = comments.comment_create(
            user=people[handle], article_id=published[index].pk, content=text
        )
        for replier, answer in answers:
            comments.comment_create(
                user=people[replier],
                article_id=published[index].pk,
                content=answer,
                parent_id=root.pk,
            )
            replies += 1
    for index, handle, rating, confidence, text, rebuttal in REVIEWS:
        review = comments.comment_create(
            user=people[handle],
            article_id=published[index].pk,
            content=text,
            kind=CommentKind.REVIEW,
            rating=rating,
            confidence=confidence,
        )
        if rebuttal:
            author = people[ARTICLES[index]["author"]]
            comments.comment_create(
                user=author,
                article_id=published[index].pk,
                content=rebuttal,
                parent_id=review.pk,
                kind=CommentKind.REBUTTAL,
            )
    for index, handle, text in QUESTIONS:
        comments.comment_create(
            user=people[handle],
            article_id=published[index].pk,
            content=text,
            kind=CommentKind.QUESTION,
        )
    for index, handle in LIKES:
        interactions.article_like(user=people[handle], article_id=published[index].pk)
    for follower, followee in FOLLOWS:
        follows.user_follow(follower=people[follower], followee_id=people[followee].pk)
    for handle, tag in TAG_FOLLOWS:
        follows.tag_follow(user=people[handle], name=tag)
    # The hot list is recomputed by beat every few minutes; the first page should not wait.
    ranking.ranking_compute()
    return {
        "authors": len(people),
        "articles": len(published),
        "comments": len(COMMENTS),
        "replies": replies,
        "reviews": len(REVIEWS),
        "likes": len(LIKES),
        "follows": len(FOLLOWS) + len(TAG_FOLLOWS),
    }


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:.2f}"


def demo_tip_ensure() -> str:
    """The demo's paid tip, paid once however often this runs; the line to print about it."""
    if not settings.WECHAT_SIMULATOR_ENABLED:
        return "Demo tip: none, the WeChat simulator is off."
    handle, index, amount = TIP
    payer = User.objects.filter(email=demo_email(handle)).first()
    author = User.objects.filter(email=demo_email(ARTICLES[index]["author"])).first()
    article = None
    if author is not None:
        mine = article_author_list(author=author)
        article = mine.filter(title=ARTICLES[index]["title"]).first()
    if payer is None or author is None or article is None:
        return "Demo tip: none, its payer, author or article is gone."
    tips = Reward.objects.filter(payer=payer, article_id=article.pk, amount=amount)
    if tips.filter(status=RewardStatus.PAID).exists():
        return "Demo tip: paid already, nothing added."
    pending = tips.filter(status=RewardStatus.PENDING).exclude(code_url="").first()
    try:
        reward = _demo_tip_pay(pending, payer_id=payer.pk, article_id=article.pk, amount=amount)
    except ApplicationError as error:  # the site starts without its demo tip, and says why
        return f"Demo tip: not paid ({error.code}: {error.detail})."
    if reward.status != RewardStatus.PAID:
        return f"Demo tip: not paid (the reward is {reward.status})."
    balance = wallet_get(user_id=author.pk).balance
    return (
        f"Demo tip: {_yuan(amount)} from {payer.nickname} to {author.nickname}, paid; "
        f"{author.nickname}'s wallet holds {_yuan(balance)}."
    )


def _demo_tip_pay(pending: Reward | None, *, payer_id: int, article_id: int, amount: int) -> Reward:
    """Create the tip (or take the one an interrupted run left pending), pay its order on the
    simulator, apply the signed notification, and let the reward hear of its payment."""
    from apps.wechat_sim.in_process import gateway_in_process, order_pay

    with gateway_in_process():
        reward = pending or rewards.reward_create(
            payer_id=payer_id, article_id=article_id, amount=amount
        )
        notification = order_pay(out_trade_no=reward.out_trade_no)
        if notification is not None:
            headers, body = notification
            payment_notification_receive(headers=headers, body=body)
        # What the tip page does: the reward asks payments and applies the payment's status
        # now; the rewards consumer hears the same payment.changed later and changes nothing.
        return rewards.reward_refresh(reward=reward)


class Command(BaseCommand):
    help = (
        "Create the demo moderator and, once, the demo authors, articles, conversations and "
        "paid tip."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-content", action="store_true", help="only the demo moderator account"
        )
        parser.add_argument(
            "--no-login", action="store_true", help="do not print the moderator's login"
        )

    def handle(self, *args: object, **options: Any) -> None:
        login = demo_admin_ensure()
        if not options["no_login"]:
            for line in demo_login_lines(login):
                self.stdout.write(line)
        if options["no_content"]:
            return
        if demo_content_exists():
            self.stdout.write("Demo content: present already, nothing added.")
        else:
            created = demo_content_create()
            summary = ", ".join(f"{count} {name}" for name, count in created.items())
            self.stdout.write(f"Demo content: {summary}.")
        self.stdout.write(demo_tip_ensure())
