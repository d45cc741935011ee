"""The Grafana dashboard and the Prometheus alerts name only metrics the code exports.

The exported names are read from the code itself: every ``counter``/``gauge``/``histogram``
helper call and every prometheus_client metric constructed in ``scholarnet/`` and ``apps/``
(an AST walk, so a module need not be imported), and django-prometheus's own families from the
registry. ``promtool check rules`` checks the rules' syntax in CI (.ci/run).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/scholarnet.json"
ALERTS = ROOT / "deploy/prometheus/alerts.yml"
METRIC = re.compile(r"\b((?:scholarnet|django)_[a-zA-Z0-9_]+)\b")
# Not ScholarNet's: Prometheus' scrape health and the blackbox exporter's probe of /readyz.
EXTERNAL = {"up", "probe_success"}
HELPERS = {"counter": "counter", "gauge": "gauge", "histogram": "histogram"}
CLASSES = {"Counter": "counter", "Gauge": "gauge", "Histogram": "histogram", "Summary": "summary"}


def families_in_code() -> dict[str, str]:
    """Family name -> kind, for every metric defined in scholarnet/ and apps/."""
    found: dict[str, str] = {}
    for path in [*ROOT.glob("scholarnet/**/*.py"), *ROOT.glob("apps/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            if name in HELPERS:
                metric = first.value
                metric = metric if metric.startswith("scholarnet_") else f"scholarnet_{metric}"
                found[metric.removesuffix("_total")] = HELPERS[name]
            elif name in CLASSES and first.value.startswith("scholarnet_"):
                found[first.value.removesuffix("_total")] = CLASSES[name]
    return found


def django_prometheus_families() -> dict[str, str]:
    """django-prometheus's families, under PROMETHEUS_METRIC_NAMESPACE (scholarnet_django_*)."""
    import django_prometheus.db.metrics  # noqa: F401
    from django_prometheus.middleware import Metrics

    Metrics.get_instance()  # the request metrics are registered on first use
    return {
        metric.name: metric.type
        for metric in REGISTRY.collect()
        if metric.name.startswith("scholarnet_django_")
    }


def exported_series() -> set[str]:
    suffixes = {
        "counter": ["_total"],
        "gauge": [""],
        "histogram": ["_bucket", "_sum", "_count"],
        "summary": ["_sum", "_count"],
    }
    families = {**families_in_code(), **django_prometheus_families()}
    return {name + suffix for name, kind in families.items() for suffix in suffixes[kind]}


def dashboard_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]


def alert_rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_collector_sees_metrics_of_both_kinds_of_definition():
    series = exported_series()
    # A helper call (scholarnet.jobs.metrics), a class (scholarnet.cache.metrics), a histogram
    # and django-prometheus's database backends.
    assert "scholarnet_job_runs_total" in series
    assert "scholarnet_cache_hits_total" in series
    assert "scholarnet_job_duration_seconds_bucket" in series
    assert "scholarnet_django_db_query_duration_seconds_bucket" in series
    assert "scholarnet_no_such_metric" not in series


def test_every_dashboard_query_names_exported_metrics():
    series = exported_series()
    expressions = dashboard_expressions()
    assert len(expressions) >= 15
    for title, expr in expressions:
        names = METRIC.findall(expr)
        assert names, f"panel {title!r} queries no ScholarNet metric: {expr}"
        missing = [name for name in names if name not in series]
        assert not missing, f"panel {title!r} names metrics the code does not export: {missing}"


def test_the_dashboard_covers_the_operators_questions():
    exprs = " ".join(expr for _title, expr in dashboard_expressions())
    for needed in [
        "scholarnet_django_http_requests_total_by_view_transport_method_total",  # request rate
        "scholarnet_django_http_requests_latency_seconds_by_view_method_bucket",  # latency
        'status=~"5.."',  # 5xx
        "scholarnet_events_outbox_unsent",
        "scholarnet_events_outbox_oldest_unsent_age_seconds",
        "scholarnet_events_consumer_lag",
        "scholarnet_events_dead_letters",
        "scholarnet_job_runs_total",
        "scholarnet_cache_hits_total",
        "scholarnet_cache_misses_total",
        "scholarnet_django_db_query_duration_seconds_bucket",
    ]:
        assert needed in exprs, needed


def test_the_dashboard_is_importable_grafana_json():
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] == "scholarnet-overview"
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}"


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
def test_every_alert_names_exported_metrics_and_says_what_to_do(rule):
    series = exported_series()
    names = METRIC.findall(rule["expr"])
    external = {name for name in EXTERNAL if re.search(rf"\b{name}\b", rule["expr"])}
    assert names or external, rule["alert"]
    missing = [name for name in names if name not in series]
    assert not missing, f"{rule['alert']} names metrics the code does not export: {missing}"
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"]


def test_the_alerts_cover_the_pipeline_http_jobs_and_readiness():
    exprs = " ".join(rule["expr"] for rule in alert_rules())
    for needed in [
        "scholarnet_events_outbox_unsent",
        "scholarnet_events_consumer_lag",
        "scholarnet_events_dead_letters",
        'status=~"5.."',
        'outcome="failed"',
        'probe_success{job="scholarnet-readyz"}',
    ]:
        assert needed in exprs, needed
