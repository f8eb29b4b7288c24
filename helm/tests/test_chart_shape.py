"""The Deployment, Service, ConfigMap and Secret have the shape issue 7 asks for."""

from __future__ import annotations

import hashlib
import re

from conftest import (
    DEMO,
    EXISTING_SECRET,
    PRODUCTION,
    RELEASE,
    Rendered,
    render,
)


def test_pod_runs_non_root_with_runtime_default_seccomp(ci_render: Rendered):
    pod_sc = ci_render.pod["securityContext"]
    assert pod_sc["runAsNonRoot"] is True
    assert isinstance(pod_sc["runAsUser"], int) and pod_sc["runAsUser"] > 0
    assert pod_sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert ci_render.pod["automountServiceAccountToken"] is False
    assert ci_render.pod["enableServiceLinks"] is False


def test_container_is_locked_down(ci_render: Rendered):
    sc = ci_render.container["securityContext"]
    assert sc["runAsNonRoot"] is True
    assert isinstance(sc["runAsUser"], int) and sc["runAsUser"] > 0
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert "add" not in sc["capabilities"]
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}


def test_probes_use_native_grpc_health_on_the_grpc_port(ci_render: Rendered):
    c = ci_render.container
    grpc_port = next(p["containerPort"] for p in c["ports"] if p["name"] == "grpc")
    for probe, service in (
        ("startupProbe", ""),
        ("readinessProbe", ""),
        # Must not depend on the database: a database outage would otherwise
        # restart every pod.
        ("livenessProbe", "liveness"),
    ):
        assert c[probe]["grpc"] == {"port": grpc_port, "service": service}, probe
        assert set(c[probe]) & {"httpGet", "exec", "tcpSocket"} == set(), probe
    assert c["startupProbe"]["periodSeconds"] * c["startupProbe"]["failureThreshold"] >= 60, (
        "start-up (migrations) gets at least a minute"
    )


def test_listen_address_matches_the_container_port(ci_render: Rendered):
    env = ci_render.config_env()
    ports = {p["name"]: p["containerPort"] for p in ci_render.container["ports"]}
    assert env["CSP_LISTEN"] == f"0.0.0.0:{ports['grpc']}"
    assert env["CSP_METRICS_LISTEN"] == f"0.0.0.0:{ports['metrics']}"
    assert env["CSP_LOG_FORMAT"] == "json"


def test_shutdown_sleeps_then_drains_within_the_grace_period(ci_render: Rendered):
    pre_stop = ci_render.container["lifecycle"]["preStop"]
    # The distroless image has no shell: only the kubelet's own sleep works.
    assert set(pre_stop) == {"sleep"}
    pause = pre_stop["sleep"]["seconds"]
    assert pause > 0
    timeout = int(ci_render.config_env()["CSP_REQUEST_TIMEOUT_SECS"])
    drain = int(ci_render.config_env()["CSP_SHUTDOWN_GRACE_SECS"])
    assert ci_render.pod["terminationGracePeriodSeconds"] > pause + min(timeout, drain)
    assert ci_render.pod["terminationGracePeriodSeconds"] > pause + drain


def test_pre_stop_can_be_turned_off():
    rendered = render({"lifecycle": {"preStopSleepSeconds": 0}}, PRODUCTION)
    assert "lifecycle" not in rendered.container


def test_writable_paths_are_empty_dirs(ci_render: Rendered):
    volumes = {v["name"]: v for v in ci_render.pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in ci_render.container["volumeMounts"]}
    data_dir = ci_render.config_env()["CSP_DATA_DIR"]
    for path in ("/tmp", data_dir):
        assert path in mounts, f"{path} is not mounted"
        assert "emptyDir" in volumes[mounts[path]], f"{path} is not an emptyDir"
    for m in ci_render.container["volumeMounts"]:
        if "emptyDir" not in volumes[m["name"]]:
            assert m.get("readOnly") is True, f"{m['mountPath']} should be read-only"


def test_checksum_annotations_hash_the_rendered_config_and_secret(production: Rendered):
    annotations = production.deployment["spec"]["template"]["metadata"]["annotations"]
    for name, template in (("config", "configmap.yaml"), ("secret", "secret.yaml")):
        expected = hashlib.sha256(production.text(template).encode()).hexdigest()
        assert annotations[f"checksum/{name}"] == expected


def test_changing_config_or_secret_changes_the_pod_template():
    base = render(base=PRODUCTION).deployment["spec"]["template"]["metadata"]["annotations"]
    config = render({"config": {"rustLog": "debug"}}, PRODUCTION)
    secret = render({"secret": {"databaseUrl": "postgres://other@db/csp"}}, PRODUCTION)
    config_ann = config.deployment["spec"]["template"]["metadata"]["annotations"]
    secret_ann = secret.deployment["spec"]["template"]["metadata"]["annotations"]
    assert config_ann["checksum/config"] != base["checksum/config"]
    assert config_ann["checksum/secret"] == base["checksum/secret"]
    assert secret_ann["checksum/secret"] != base["checksum/secret"]


def test_secrets_come_from_the_secret_and_settings_from_the_configmap(production: Rendered):
    secret = production.one("Secret")
    assert set(secret["data"]) == {"DATABASE_URL", "jwks.json"}
    env = {e["name"]: e for e in production.container["env"]}
    ref = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": secret["metadata"]["name"], "key": "DATABASE_URL"}
    config = production.config_env()
    assert "DATABASE_URL" not in config
    assert not any("postgres://" in v for v in config.values()), "a URL with a password in the ConfigMap"

    volumes = {v["name"]: v for v in production.pod["volumes"]}
    jwks_mount = next(m for m in production.container["volumeMounts"] if m["name"] == "jwks")
    jwks = volumes["jwks"]["secret"]
    assert jwks["secretName"] == secret["metadata"]["name"]
    assert jwks["items"] == [{"key": "jwks.json", "path": "jwks.json"}]
    assert "subPath" not in jwks_mount, "subPath mounts never see a rotated key set"
    assert config["CSP_JWKS_FILE"] == f"{jwks_mount['mountPath']}/jwks.json"
    assert config["CSP_DEMO_DATA"] == "false"
    assert config["CSP_JWT_ISSUER"] == "https://login.partner.example/"


def test_existing_secret_is_referenced_not_created():
    rendered = render(base=EXISTING_SECRET)
    assert rendered.of_kind("Secret") == []
    env = {e["name"]: e for e in rendered.container["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "csp-upgrades-credentials",
        "key": "url",
    }
    jwks = next(v for v in rendered.pod["volumes"] if v["name"] == "jwks")["secret"]
    assert jwks == {
        "secretName": "csp-upgrades-credentials",
        "items": [{"key": "keys.json", "path": "jwks.json"}],
    }
    annotations = rendered.deployment["spec"]["template"]["metadata"]["annotations"]
    assert "checksum/secret" not in annotations and "checksum/config" in annotations
    assert rendered.of_kind("ServiceAccount") == []
    assert rendered.pod["serviceAccountName"] == "csp-upgrades"


def test_demo_mode_is_one_self_contained_pod():
    rendered = render(base=DEMO)
    assert rendered.deployment["spec"]["replicas"] == 1
    assert rendered.of_kind("Secret") == []
    assert "env" not in rendered.container
    config = rendered.config_env()
    assert config["CSP_DEMO_DATA"] == "true"
    assert "CSP_JWKS_FILE" not in config and "DATABASE_URL" not in config


def test_optional_settings_reach_the_environment():
    rendered = render(
        {
            "config": {
                "corsAllowedOrigins": ["https://a.example", "https://b.example"],
                "otlpEndpoint": "http://collector:4317",
                "catalogToml": '[[service]]\nid = "x"\n',
                "extraEnv": {"FOO": 1},
            }
        },
        PRODUCTION,
    )
    env = rendered.config_env()
    assert env["CSP_CORS_ALLOWED_ORIGINS"] == "https://a.example,https://b.example"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector:4317"
    assert env["FOO"] == "1"
    catalog = rendered.one("ConfigMap", "-catalog")
    assert catalog["data"]["offers.toml"] == '[[service]]\nid = "x"\n'
    mount = next(m for m in rendered.container["volumeMounts"] if m["name"] == "catalog")
    assert env["CSP_CATALOG_FILE"] == f"{mount['mountPath']}/offers.toml"
    plain = render(base=PRODUCTION).config_env()
    for absent in ("CSP_CORS_ALLOWED_ORIGINS", "OTEL_EXPORTER_OTLP_ENDPOINT", "CSP_CATALOG_FILE"):
        assert absent not in plain


def test_every_config_value_is_a_string(ci_render: Rendered):
    for cm in ci_render.of_kind("ConfigMap"):
        for key, value in cm["data"].items():
            assert isinstance(value, str), f"{key} is {value!r}"
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|offers\.toml", key), key


def test_service_exposes_grpc_and_metrics_to_the_pods(ci_render: Rendered):
    service = ci_render.one("Service")
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert ports["grpc"]["appProtocol"] == "grpc"
    assert ports["grpc"]["targetPort"] == "grpc"
    assert ports["metrics"]["targetPort"] == "metrics"
    pod_labels = ci_render.deployment["spec"]["template"]["metadata"]["labels"]
    selector = service["spec"]["selector"]
    assert selector and selector.items() <= pod_labels.items()
    assert ci_render.deployment["spec"]["selector"]["matchLabels"] == selector


def test_image_defaults_to_the_app_version():
    container = render(base=PRODUCTION).container
    assert container["image"] == "csp-upgrades:0.1.0"
    pinned = render({"image": {"digest": "sha256:" + "a" * 64}}, PRODUCTION).container
    assert pinned["image"] == "csp-upgrades@sha256:" + "a" * 64


def test_release_name_prefixes_resources(production: Rendered):
    for obj in production.objects:
        assert obj["metadata"]["name"].startswith(RELEASE)
