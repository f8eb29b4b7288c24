"""The binary parses the environment the chart gives it. Runs when a built
binary is at hand (after `cargo build` or `cargo test`; CSP_UPGRADES_BIN
names another), and skips otherwise: this check never builds the crate."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import ALL_FEATURES, DEMO, REPO, render

PARTNER = "10000000-0000-4000-8000-000000000001"
# clap's exit code for a usage error (e.g. an invalid value in a variable).
CLAP_USAGE_ERROR = 2


def built_binary() -> Path | None:
    named = os.environ.get("CSP_UPGRADES_BIN")
    if named:
        return Path(named)
    found = [p for p in (REPO / "target" / d / "csp-upgrades" for d in ("debug", "release")) if p.exists()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


BINARY = built_binary()
pytestmark = pytest.mark.skipif(BINARY is None, reason="no csp-upgrades binary built in target/")


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BINARY), *args],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_setting_of_the_chart_parses(tmp_path):
    rendered = render(base=ALL_FEATURES)
    env = rendered.config_env()
    for name in rendered.values["config"]["extraEnv"]:
        env.pop(name)
    # Paths of the pod's mounts do not exist here: point the JWKS at a file
    # that is missing on purpose, so the run stops right after parsing.
    env |= {
        "CSP_DATA_DIR": str(tmp_path),
        "CSP_JWKS_FILE": str(tmp_path / "missing-jwks.json"),
        "DATABASE_URL": f"sqlite:{tmp_path / 'unused.db'}",
    }
    # `serve` reads every server variable, then stops at the missing JWKS
    # before opening anything.
    result = run(["serve"], env)
    assert result.returncode != CLAP_USAGE_ERROR, result.stderr
    assert "missing-jwks.json" in result.stderr, result.stderr


def test_demo_settings_mint_a_development_token(tmp_path):
    env = render(base=DEMO).config_env() | {"CSP_DATA_DIR": str(tmp_path)}
    # `token --app` needs no database.
    result = run(["token", "--app", "chart-check", "--partner", PARTNER], env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.count(".") == 2, result.stdout
