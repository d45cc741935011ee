"""The layer rule: an app imports only apps of its own layer or below, and the kernel none.

Layers, lowest first (docs/architecture.md): kernel → users/sms/codes → articles/tags/search →
interactions/comments/follows → ranking/feed/notifications/payments/rewards/ledger/moderation
→ web. Every import counts, also one inside a function or under ``TYPE_CHECKING``: a lazy
upward import is still an upward dependency. Where a lower app needs a higher app's data it
declares a provider (``scholarnet.providers``) that the higher app registers in ``ready()``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS: list[set[str]] = [
    {"users", "sms", "codes"},
    {"articles", "tags", "search"},
    {"interactions", "comments", "follows", "attachments"},
    {
        "ranking",
        "feed",
        "notifications",
        "payments",
        "rewards",
        "ledger",
        "moderation",
        "migrator",
        "wechat_sim",
        "orcid_sim",
    },
    {"web"},
]
KERNEL = -1  # below every app


def layer_of(module: str) -> int | None:
    """The layer of a dotted module name; None for anything outside the kernel and apps."""
    parts = module.split(".")
    if parts[0] == "scholarnet":
        return KERNEL
    if parts[0] == "apps" and len(parts) > 1 and parts[1] != "__init__":
        for index, apps in enumerate(LAYERS):
            if parts[1] in apps:
                return index
        raise AssertionError(f"apps.{parts[1]} is in no layer: add it to LAYERS")
    return None


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from apps import interactions" names the app in the alias.
            if node.module == "apps":
                found += [(node.lineno, f"apps.{alias.name}") for alias in node.names]
    return found


def upward_imports(root: Path) -> list[str]:
    """``path:line: importer → imported`` for every import that points up a layer."""
    problems = []
    for path in sorted([*root.glob("apps/**/*.py"), *root.glob("scholarnet/**/*.py")]):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        own = layer_of(module)
        if own is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, imported in imported_modules(tree):
            target = layer_of(imported)
            if target is not None and target > own:
                problems.append(f"{path.relative_to(root)}:{line}: {module} → {imported}")
    return problems


def test_no_app_imports_a_higher_layer_and_the_kernel_imports_no_app():
    assert upward_imports(ROOT) == []


def test_the_check_catches_upward_imports(tmp_path):
    (tmp_path / "apps" / "articles").mkdir(parents=True)
    (tmp_path / "scholarnet" / "cache").mkdir(parents=True)
    (tmp_path / "apps" / "articles" / "selectors.py").write_text(
        "from apps.tags import names\n"  # same layer: fine
        "from scholarnet.cache import two_level_cache\n"  # the kernel: fine
        "def counts():\n"
        "    from apps.interactions.selectors import article_stats_provide\n"
        "    import apps.ranking.services\n"
    )
    (tmp_path / "scholarnet" / "cache" / "x.py").write_text("from apps import users\n")

    assert upward_imports(tmp_path) == [
        "apps/articles/selectors.py:4: apps.articles.selectors → apps.interactions.selectors",
        "apps/articles/selectors.py:5: apps.articles.selectors → apps.ranking.services",
        "scholarnet/cache/x.py:1: scholarnet.cache.x → apps.users",
    ]
