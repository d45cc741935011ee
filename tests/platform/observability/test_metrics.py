"""``/metrics`` and the domain metric helpers."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import checks
from prometheus_client import Counter, Gauge, Histogram

from scholarnet.observability import metrics
from scholarnet.observability.checks import check_metrics_allowed_ips


def unique(name: str) -> str:
    """Metrics live in the process-wide registry; each test uses names of its own."""
    return f"{name}_{uuid.uuid4().hex[:8]}"


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def test_metrics_include_the_django_request_metrics(client):
    client.get("/healthz")

    body = scrape(client)

    assert "# TYPE scholarnet_django_http_requests_total_by_method_total counter" in body
    assert 'scholarnet_django_http_requests_total_by_method_total{method="GET"}' in body
    assert "scholarnet_django_http_responses_total_by_status_total" in body


def test_a_domain_counter_is_exported_after_it_is_incremented(client):
    name = unique("articles_published")
    published = metrics.counter(f"{name}_total", "Articles published.", ["visibility"])

    published.labels(visibility="public").inc(3)
    body = scrape(client)

    assert f"# HELP scholarnet_{name}_total Articles published." in body
    assert f'scholarnet_{name}_total{{visibility="public"}} 3.0' in body


def test_a_domain_histogram_and_gauge_are_exported(client):
    name = unique("relay")
    latency = metrics.histogram(f"{name}_seconds", "Relay latency.", buckets=(0.1, 1.0))
    backlog = metrics.gauge(f"{name}_backlog", "Unsent rows.")

    latency.observe(0.5)
    backlog.set(12)
    body = scrape(client)

    assert f'scholarnet_{name}_seconds_bucket{{le="0.1"}} 0.0' in body
    assert f'scholarnet_{name}_seconds_bucket{{le="1.0"}} 1.0' in body
    assert f"scholarnet_{name}_seconds_count 1.0" in body
    assert f"scholarnet_{name}_backlog 12.0" in body


def test_asking_twice_returns_the_same_metric():
    name = unique("likes")

    first = metrics.counter(name, "Likes.", ["kind"])
    again = metrics.counter(name, "Likes.", ["kind"])
    with_total = metrics.counter(f"{name}_total", "Likes.", ["kind"])
    prefixed = metrics.counter(f"scholarnet_{name}", "Likes.", ["kind"])

    assert again is first
    assert with_total is first
    assert prefixed is first
    assert isinstance(first, Counter)
    assert metrics.histogram(f"{name}_seconds", "h") is metrics.histogram(f"{name}_seconds", "h")
    assert isinstance(metrics.histogram(f"{name}_seconds", "h"), Histogram)
    assert isinstance(metrics.gauge(f"{name}_open", "g"), Gauge)


def test_the_same_metric_survives_a_reload_of_the_helper_module():
    name = unique("reloaded")
    before = metrics.counter(name, "Reloaded.")

    reloaded = importlib.reload(metrics)

    assert reloaded.counter(name, "Reloaded.") is before


def test_another_type_or_other_labels_under_the_same_name_is_an_error():
    name = unique("clash")
    metrics.counter(name, "Clash.", ["kind"])

    with pytest.raises(ValueError, match=f"scholarnet_{name} is already registered as a Counter"):
        metrics.counter(name, "Clash.", ["other"])
    with pytest.raises(ValueError, match="already registered"):
        metrics.gauge(name, "Clash.")


def test_a_metric_registered_directly_is_returned_not_duplicated():
    name = f"scholarnet_{unique('direct')}"
    direct = Counter(name, "Registered without the helper.", ["cache"])

    assert metrics.counter(name, "Registered without the helper.", ["cache"]) is direct


@pytest.mark.parametrize(
    ("allowed", "remote_addr", "status"),
    [
        ([], "203.0.113.9", 200),
        (["10.0.0.0/8"], "10.1.2.3", 200),
        (["10.0.0.0/8", "127.0.0.1"], "127.0.0.1", 200),
        (["10.0.0.0/8"], "203.0.113.9", 403),
        (["2001:db8::/32"], "2001:db8::1", 200),
        (["10.0.0.0/8"], "not-an-ip", 403),
    ],
)
def test_the_allow_list_restricts_scrapers(client, settings, allowed, remote_addr, status):
    settings.METRICS_ALLOWED_IPS = allowed

    response = client.get("/metrics", REMOTE_ADDR=remote_addr)

    assert response.status_code == status
    if status == 403:
        assert response.json() == {
            "detail": "Metrics are not available to this client.",
            "code": "permission_denied",
            "extra": {},
        }


def test_an_invalid_allow_list_entry_fails_the_system_check(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "intranet"]

    [error] = check_metrics_allowed_ips()

    assert isinstance(error, checks.Error)
    assert error.id == "observability.E001"
    assert "'intranet' does not appear to be an IPv4 or IPv6 network" in error.msg


def test_a_valid_allow_list_passes_the_system_check(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "::1"]

    assert check_metrics_allowed_ips() == []


WORKER_SCRIPT = textwrap.dedent(
    """
    from scholarnet.observability.metrics import counter, gauge
    counter("multiprocess_jobs_total", "Jobs.", ["queue"]).labels(queue="mail").inc(2)
    gauge("multiprocess_open", "Open things.").set(5)
    """
)


def run_workers(directory: Path, count: int) -> list[int]:
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }
    pids = []
    for _ in range(count):
        worker = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], env=env)
        assert worker.wait(timeout=60) == 0
        pids.append(worker.pid)
    return pids


def test_multiprocess_mode_sums_every_worker(client, monkeypatch, tmp_path):
    """Two worker processes write their values; /metrics exports the sums."""
    run_workers(tmp_path, 2)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    body = scrape(client)

    assert 'scholarnet_multiprocess_jobs_total{queue="mail"} 4.0' in body
    assert "scholarnet_multiprocess_open 10.0" in body
    # This process's in-memory metrics are not part of a multiprocess scrape.
    assert "django_http_requests_total_by_method" not in body


def test_child_exit_hook_drops_a_dead_workers_live_gauges(client, monkeypatch, tmp_path):
    first, _second = run_workers(tmp_path, 2)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    metrics.gunicorn_child_exit(server=None, worker=SimpleNamespace(pid=first))
    body = scrape(client)

    assert "scholarnet_multiprocess_open 5.0" in body
    assert 'scholarnet_multiprocess_jobs_total{queue="mail"} 4.0' in body
