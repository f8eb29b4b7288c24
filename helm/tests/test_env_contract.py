"""Every environment variable the chart or the image sets is one the binary
reads: a renamed flag must not leave the chart configuring nothing."""

from __future__ import annotations

import re
import warnings

from conftest import CI_VALUES, PRODUCTION, REPO, render
from image_facts import parsed_dockerfile

# Read by tracing-subscriber's EnvFilter, not by a clap flag.
NOT_FLAGS = {"RUST_LOG"}

# Variables the chart may set before the binary reads them (a flag announced
# for a branch not merged yet). Empty: every variable is read today. The test
# warns when an entry here has become a flag, so it can be dropped.
PENDING: set[str] = set()


def declared_env_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "src").rglob("*.rs"):
        names |= set(re.findall(r'\benv\s*=\s*"([A-Z][A-Z0-9_]*)"', path.read_text()))
    return names


def chart_env_names() -> set[str]:
    names: set[str] = set()
    for values_file in CI_VALUES:
        rendered = render(base=values_file)
        extra = set(rendered.values.get("config", {}).get("extraEnv", {}))
        names |= rendered.env_names() - extra
    optional = render(
        {"config": {"corsAllowedOrigins": ["https://a.example"], "otlpEndpoint": "http://c:4317"}},
        PRODUCTION,
    )
    return names | optional.env_names()


def image_env_names() -> set[str]:
    return set(parsed_dockerfile().final_env)


def test_binary_reads_every_variable_the_chart_and_image_set():
    declared = declared_env_names()
    assert {"CSP_LISTEN", "DATABASE_URL", "CSP_LOG_FORMAT"} <= declared, "flag scan found nothing"
    wanted = chart_env_names() | image_env_names()
    unknown = wanted - declared - NOT_FLAGS - PENDING
    assert not unknown, f"set by the chart or image but read by no flag in src/: {sorted(unknown)}"
    stale = PENDING & declared
    if stale:
        warnings.warn(f"now declared in src/, drop from PENDING: {sorted(stale)}", stacklevel=1)
    missing = sorted((wanted & PENDING) - declared)
    if missing:
        warnings.warn(f"not (yet) declared by the binary: {missing}", stacklevel=1)


def test_log_format_and_numbers_parse():
    env = render(base=PRODUCTION).config_env()
    assert env["CSP_LOG_FORMAT"] in {"json", "text"}
    for name, value in env.items():
        if name.endswith(("_SECS", "_LIMIT")):
            assert value.isdigit() and int(value) > 0, f"{name}={value!r}"
