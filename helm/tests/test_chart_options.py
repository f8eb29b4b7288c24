"""Optional resources appear only when switched on; broken combinations fail
the render with a message that says what to set."""

from __future__ import annotations

import pytest

from conftest import ALL_FEATURES, NAMESPACE, PRODUCTION, Rendered, render, render_error

OPTIONAL = ("HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor")


def test_optional_resources_are_off_by_default(production: Rendered):
    for kind in OPTIONAL:
        assert production.of_kind(kind) == [], kind
    assert production.deployment["spec"]["replicas"] == 2


def test_autoscaler_replaces_the_replica_count():
    rendered = render({"autoscaling": {"enabled": True}}, PRODUCTION)
    hpa = rendered.one("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": rendered.deployment["metadata"]["name"],
    }
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    # A fixed count would fight the autoscaler on every upgrade.
    assert "replicas" not in rendered.deployment["spec"]
    for kind in ("PodDisruptionBudget", "ServiceMonitor"):
        assert rendered.of_kind(kind) == []


def test_disruption_budget_selects_the_pods():
    rendered = render({"podDisruptionBudget": {"enabled": True}}, PRODUCTION)
    pdb = rendered.one("PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 1 and "maxUnavailable" not in pdb["spec"]
    pod_labels = rendered.deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert rendered.of_kind("HorizontalPodAutoscaler") == []

    by_max = render({"podDisruptionBudget": {"enabled": True, "maxUnavailable": "25%"}}, PRODUCTION).one(
        "PodDisruptionBudget"
    )
    assert by_max["spec"]["maxUnavailable"] == "25%" and "minAvailable" not in by_max["spec"]


def test_service_monitor_scrapes_the_metrics_port():
    rendered = render({"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}}, PRODUCTION)
    monitor = rendered.one("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    service = rendered.one("Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [NAMESPACE]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert endpoint["interval"] and endpoint["scrapeTimeout"]


def test_all_features_render_together():
    rendered = render(base=ALL_FEATURES)
    for kind in OPTIONAL:
        assert len(rendered.of_kind(kind)) == 1, kind
    spread = rendered.pod["topologySpreadConstraints"][0]
    assert spread["labelSelector"]["matchLabels"] == rendered.deployment["spec"]["selector"]["matchLabels"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "set secret.databaseUrl"),
        ({"secret": {"databaseUrl": "postgres://db/csp"}}, "set secret.jwks"),
        ({"secret": {"databaseUrl": "postgres://db/csp", "jwks": "{}"}}, "set config.jwtIssuer"),
        ({"secret": {"create": False}, "config": {"jwtIssuer": "x"}}, "needs secret.existingSecret"),
        ({"demo": {"enabled": True}}, "demo.enabled keeps a SQLite database"),
        (
            {"demo": {"enabled": True}, "replicaCount": 1, "autoscaling": {"enabled": True}},
            "demo.enabled keeps a SQLite database",
        ),
    ],
)
def test_incomplete_values_fail_with_a_useful_message(overrides, message):
    assert message in render_error(overrides)


def test_grace_period_must_cover_the_pause_and_the_slowest_call():
    error = render_error({"terminationGracePeriodSeconds": 30}, PRODUCTION)
    assert "must exceed lifecycle.preStopSleepSeconds + the drain" in error
    assert "(35)" in error
    render({"terminationGracePeriodSeconds": 36}, PRODUCTION)


@pytest.mark.parametrize(
    ("config", "bound"),
    [
        # The drain deadline cuts calls shorter than their timeout.
        ({"shutdownGraceSecs": 10, "requestTimeoutSecs": 30}, 15),
        # Every call ends before a longer drain deadline.
        ({"shutdownGraceSecs": 60, "requestTimeoutSecs": 20}, 25),
        # Calls without a timeout: only the drain deadline bounds them.
        ({"shutdownGraceSecs": 60, "requestTimeoutSecs": 0}, 65),
    ],
)
def test_grace_period_must_cover_the_drain_deadline(config, bound):
    error = render_error({"terminationGracePeriodSeconds": bound, "config": config}, PRODUCTION)
    assert f"({bound})" in error
    rendered = render({"terminationGracePeriodSeconds": bound + 1, "config": config}, PRODUCTION)
    assert rendered.config_env()["CSP_SHUTDOWN_GRACE_SECS"] == str(config["shutdownGraceSecs"])


def test_a_drain_without_deadline_is_refused():
    error = render_error({"config": {"shutdownGraceSecs": 0}}, PRODUCTION)
    assert "config.shutdownGraceSecs must be at least 1" in error


def test_autoscaler_needs_a_target():
    error = render_error({"autoscaling": {"enabled": True, "targetCPUUtilizationPercentage": 0}}, PRODUCTION)
    assert "needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" in error


def test_scheduled_upgrades_run_in_the_server_pods_by_default(production: Rendered):
    assert production.of_kind("CronJob") == []
    assert production.config_env()["CSP_SCHEDULED_RUNNER_INTERVAL_MS"] == "10000"


def test_a_cronjob_runs_due_scheduled_upgrades_instead():
    rendered = render({"scheduledRunner": {"mode": "cronjob", "schedule": "*/2 * * * *"}}, PRODUCTION)
    cron = rendered.one("CronJob")
    assert cron["spec"]["schedule"] == "*/2 * * * *"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"] == ["run-due"]
    assert container["image"] == rendered.container["image"]
    assert {e["name"] for e in container["env"]} == {"DATABASE_URL"}
    assert container["envFrom"] == rendered.container["envFrom"]
    # The server pods leave them to the CronJob.
    assert rendered.config_env()["CSP_SCHEDULED_RUNNER_INTERVAL_MS"] == "0"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scheduledRunner": {"mode": "sidecar"}}, "scheduledRunner.mode must be"),
        ({"scheduledRunner": {"intervalMs": 0}}, "scheduledRunner.intervalMs must be at least 1"),
    ],
)
def test_broken_runner_settings_fail_the_render(overrides: dict, message: str):
    assert message in render_error(overrides, PRODUCTION)


def test_demo_mode_has_no_cronjob_runner():
    demo = {"enabled": True}
    error = render_error({"demo": demo, "replicaCount": 1, "scheduledRunner": {"mode": "cronjob"}})
    assert "scheduledRunner.mode=cronjob needs a shared database" in error
