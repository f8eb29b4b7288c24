"""The rendered manifests are valid Kubernetes objects and pass `helm lint`."""

from __future__ import annotations

import helm_python as helm
import kubernetes_validate
import pytest

from conftest import CHART, CI_VALUES, Rendered, load_yaml, min_kube_version

# Kinds whose schema is not part of Kubernetes; their shape is asserted in
# test_chart_shape.py instead.
CRD_KINDS = {"ServiceMonitor"}


def kube_versions() -> list[str]:
    return [min_kube_version(), kubernetes_validate.utils.latest_version()]


@pytest.mark.parametrize("values_file", CI_VALUES, ids=lambda p: p.name)
def test_helm_lint_is_clean(values_file):
    report = helm.lint(CHART, load_yaml(values_file), strict=True, kube_version=f"v{min_kube_version()}.0")
    assert not report["errors"], report
    # Severity 1 is informational (e.g. "icon is recommended").
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not problems, problems


@pytest.mark.parametrize("version", kube_versions())
def test_manifests_match_the_kubernetes_schema(ci_render: Rendered, version: str):
    """Strict schemas: an unknown or misplaced field is an error, not ignored."""
    checked, problems = 0, []
    for obj in ci_render.objects:
        if obj["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            where = "/".join(str(p) for p in e.absolute_path)
            problems.append(f"{obj['kind']}/{obj['metadata']['name']} at {where}: {e.message}")
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked >= 3


def test_declared_minimum_version_has_the_features_used(ci_render: Rendered):
    """The preStop sleep handler is on by default from 1.30 (feature gate
    PodLifecycleSleepAction, beta), native gRPC probes from 1.27 (GA)."""
    minimum = tuple(int(x) for x in min_kube_version().split("."))
    container = ci_render.container
    if "sleep" in container.get("lifecycle", {}).get("preStop", {}):
        assert minimum >= (1, 30)
    if any("grpc" in container.get(p, {}) for p in ("startupProbe", "readinessProbe", "livenessProbe")):
        assert minimum >= (1, 27)


def test_every_resource_carries_the_standard_labels(ci_render: Rendered):
    for obj in ci_render.objects:
        labels = obj["metadata"].get("labels", {})
        for key in (
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by",
            "helm.sh/chart",
        ):
            assert key in labels, f"{obj['kind']} lacks label {key}"
