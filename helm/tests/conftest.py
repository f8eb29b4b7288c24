"""Shared fixtures for the chart and image checks (run by scripts/check-helm.sh).

The chart is rendered by Helm's own Go template engine (the Helm v4 SDK
bundled in the `helm-python-sdk` wheel), not by an imitation of it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "csp-upgrades"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
RELEASE = "csp"
NAMESPACE = "partner-apps"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def deep_merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class Rendered:
    """One render of the chart: the manifests by template and as objects."""

    values: dict
    texts: dict[str, str]
    objects: list[dict] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def one(self, kind: str, name_suffix: str = "") -> dict:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"].endswith(name_suffix)]
        assert len(found) == 1, f"expected one {kind} ending in {name_suffix!r}, got {len(found)}"
        return found[0]

    def text(self, template: str) -> str:
        return self.texts[f"csp-upgrades/templates/{template}"]

    @property
    def deployment(self) -> dict:
        return self.one("Deployment")

    @property
    def pod(self) -> dict:
        return self.deployment["spec"]["template"]["spec"]

    @property
    def container(self) -> dict:
        containers = self.pod["containers"]
        assert len(containers) == 1
        return containers[0]

    def config_env(self) -> dict[str, str]:
        """Environment from the ConfigMap the container's envFrom names."""
        names = [e["configMapRef"]["name"] for e in self.container.get("envFrom", [])]
        maps = {o["metadata"]["name"]: o for o in self.of_kind("ConfigMap")}
        env: dict[str, str] = {}
        for name in names:
            assert name in maps, f"envFrom names ConfigMap {name}, which the chart does not render"
            env.update(maps[name]["data"])
        return env

    def env_names(self) -> set[str]:
        return set(self.config_env()) | {e["name"] for e in self.container.get("env", [])}


def render(overrides: dict | None = None, base: Path | None = None) -> Rendered:
    values = load_yaml(base) if base else {}
    values = deep_merge(values or {}, overrides or {})
    with helm.Chart.load(CHART) as chart:
        texts = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    objects = []
    for path, text in sorted(texts.items()):
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                objects.append(doc)
    return Rendered(values=values, texts=texts, objects=objects)


def render_error(overrides: dict, base: Path | None = None) -> str:
    with pytest.raises(helm.HelmRenderError) as info:
        render(overrides, base)
    return str(info.value)


PRODUCTION = CHART / "ci" / "production-values.yaml"
ALL_FEATURES = CHART / "ci" / "all-features-values.yaml"
EXISTING_SECRET = CHART / "ci" / "existing-secret-values.yaml"
DEMO = CHART / "ci" / "demo-values.yaml"


def min_kube_version() -> str:
    """The lowest Kubernetes version Chart.yaml's kubeVersion admits."""
    constraint = load_yaml(CHART / "Chart.yaml")["kubeVersion"]
    match = re.fullmatch(r">=\s*(\d+\.\d+)\.\d+(-0)?", constraint)
    assert match, f"kubeVersion {constraint!r} is not a plain lower bound"
    return match.group(1)


@pytest.fixture(scope="session", params=CI_VALUES, ids=lambda p: p.name)
def ci_render(request) -> Rendered:
    return render(base=request.param)


@pytest.fixture(scope="session")
def production() -> Rendered:
    return render(base=PRODUCTION)
