"""deploy/k8s: valid manifests (kubernetes-validate's bundled schemas, offline, strict), and the
shape ScholarNet needs: one beat, a Deployment per consumer group, probes, resources, config."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from scholarnet.events.batches import batch_registry
from scholarnet.events.registry import registry

K8S = Path(__file__).resolve().parents[2] / "deploy/k8s"


def documents() -> list[tuple[str, dict]]:
    return [
        (path.name, document)
        for path in sorted(K8S.glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def deployments() -> dict[str, dict]:
    return {
        doc["metadata"]["name"]: doc for _file, doc in documents() if doc["kind"] == "Deployment"
    }


def main_container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    "document", [doc for _file, doc in documents()], ids=lambda doc: doc["metadata"]["name"]
)
def test_every_manifest_is_valid_for_the_kubernetes_api(document):
    kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_a_broken_manifest_is_refused():
    broken = dict(deployments()["scholarnet-beat"])
    broken["spec"] = {**broken["spec"], "replicas": "one"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_beat_runs_exactly_once_even_during_a_rollout():
    beat = deployments()["scholarnet-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert main_container(beat)["command"] == [
        "celery",
        "-A",
        "config",
        "beat",
        "--loglevel",
        "INFO",
    ]


def test_every_consumer_group_has_its_own_deployment_and_no_other():
    groups = set(registry.groups() + batch_registry.groups())
    commands = {
        main_container(deployment)["command"][-1]
        for name, deployment in deployments().items()
        if name.startswith("scholarnet-consumer-")
    }
    assert commands == groups
    for group in groups:
        container = main_container(deployments()[f"scholarnet-consumer-{group}"])
        assert container["command"] == ["python", "manage.py", "consume", group]


def test_the_relay_and_the_worker_run_their_commands():
    assert main_container(deployments()["scholarnet-relay"])["command"] == [
        "python", "manage.py", "relay_outbox", "--loop",
    ]  # fmt: skip
    assert main_container(deployments()["scholarnet-worker"])["command"][:4] == [
        "celery", "-A", "config", "worker",
    ]  # fmt: skip
    config = next(doc for _f, doc in documents() if doc["kind"] == "ConfigMap")
    # The relay processes relay; beat then neither relays nor is nudged.
    assert config["data"]["EVENTS_RELAY_MODE"] == "loop"
    assert config["data"]["EVENTS_TRANSPORT"] == "kafka"


def test_the_web_is_ready_on_readyz_and_alive_on_healthz_with_an_allowed_host():
    web = main_container(deployments()["scholarnet-web"])
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    config = next(doc for _f, doc in documents() if doc["kind"] == "ConfigMap")
    allowed = config["data"]["DJANGO_ALLOWED_HOSTS"].split(",")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        [host] = web[probe]["httpGet"]["httpHeaders"]
        assert host["name"] == "Host"
        assert host["value"] in allowed  # the pod IP, kubelet's default Host, is not


def test_every_container_has_resources_and_reads_the_config_and_the_secret():
    for name, deployment in deployments().items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            resources = container["resources"]
            assert set(resources) == {"requests", "limits"}, (name, container["name"])
            assert {"cpu", "memory"} <= set(resources["requests"]), (name, container["name"])
        env_from = main_container(deployment)["envFrom"]
        assert {"configMapRef": {"name": "scholarnet-config"}} in env_from, name
        assert {"secretRef": {"name": "scholarnet-secrets"}} in env_from, name


def test_the_secret_is_an_example_without_real_values():
    [secret] = [doc for _f, doc in documents() if doc["kind"] == "Secret"]
    assert set(secret["stringData"].values()) <= {
        "change-me",
        "mysql://scholarnet:change-me@mysql:3306/scholarnet",
    }
    config = next(doc for _f, doc in documents() if doc["kind"] == "ConfigMap")
    for key in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "DATABASE_URL"):
        assert key not in config["data"]


def test_processes_without_a_web_server_export_their_metrics():
    # Their metrics go to the pod's multiprocess directory; the sidecar serves it on 9100.
    for name, deployment in deployments().items():
        if name == "scholarnet-web":
            continue
        template = deployment["spec"]["template"]
        sidecar = {c["name"]: c for c in template["spec"]["containers"]}["metrics"]
        assert sidecar["ports"] == [{"name": "metrics", "containerPort": 9100}]
        assert template["metadata"]["annotations"]["prometheus.io/port"] == "9100"
        mounts = [c["volumeMounts"] for c in template["spec"]["containers"]]
        assert all({"name": "metrics", "mountPath": "/app/var/prometheus"} in m for m in mounts)
