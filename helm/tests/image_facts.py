"""The Dockerfile, parsed into stages (dockerfile-parse does the parsing and
the ARG substitution), and what the Rust build reads from the context."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from dockerfile_parse import DockerfileParser

from conftest import REPO

DOCKERFILE = REPO / "Dockerfile"


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [v for i, v in self.instructions if i == instruction]


@dataclass
class ParsedDockerfile:
    args: dict[str, str]
    stages: list[Stage]
    final_env: dict[str, str]

    def stage(self, name: str) -> Stage:
        (found,) = [s for s in self.stages if s.name == name]
        return found

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def resolve(self, text: str) -> str:
        return re.sub(r"\$\{(\w+)\}", lambda m: self.args.get(m.group(1), m.group(0)), text)


@cache
def parsed_dockerfile() -> ParsedDockerfile:
    parser = DockerfileParser(path=str(DOCKERFILE))
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for item in parser.structure:
        instruction, value = item["instruction"], item["value"]
        if instruction == "COMMENT":
            continue
        if instruction == "ARG" and not stages:
            name, _, default = value.partition("=")
            args[name] = default
        elif instruction == "FROM":
            words = value.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        else:
            stages[-1].instructions.append((instruction, value))
    return ParsedDockerfile(args=args, stages=stages, final_env=parser.envs)


def copy_sources(value: str) -> tuple[dict[str, str], list[str], str]:
    """Flags, sources and destination of a COPY instruction."""
    words = shlex.split(value)
    flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--"))
    paths = [w for w in words if not w.startswith("--")]
    return flags, paths[:-1], paths[-1]


def entrypoint(stage: Stage) -> list[str]:
    (value,) = stage.values("ENTRYPOINT")
    return json.loads(value)


def cargo_manifest() -> dict:
    return tomllib.loads((REPO / "Cargo.toml").read_text())


def binary_name() -> str:
    manifest = cargo_manifest()
    bins = manifest.get("bin", [])
    assert len(bins) <= 1, "several [[bin]] targets: say which one the image runs"
    return bins[0]["name"] if bins else manifest["package"]["name"]


def files_the_build_reads() -> set[Path]:
    """Paths (relative to the repository) that `cargo build --release` needs
    besides src/: the manifest, the build script and what it watches, and
    every file or directory the sources embed with a macro."""
    needed = {Path("Cargo.toml"), Path("Cargo.lock"), Path("src")}
    build_rs = REPO / "build.rs"
    if build_rs.exists():
        needed.add(Path("build.rs"))
        text = build_rs.read_text()
        for watched in re.findall(r"cargo:rerun-if-changed=([^\"\s]+)", text):
            if (REPO / watched).exists():
                needed.add(Path(watched))
        for read in re.findall(r'read_dir\("([^"]+)"\)', text):
            needed.add(Path(read))
    for source in (REPO / "src").rglob("*.rs"):
        text = source.read_text()
        for target in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)', text):
            needed.add((source.parent / target).resolve().relative_to(REPO))
        for target in re.findall(r'migrate!\(\s*"([^"]+)"\s*\)', text):
            needed.add(Path(target))
        if re.search(r"migrate!\(\s*\)", text):
            needed.add(Path("migrations"))
    return {Path(p.as_posix().removeprefix("./")) for p in needed}


def uses_sqlx_checked_queries() -> bool:
    pattern = re.compile(r"\bquery(?:_as|_scalar)?(?:_unchecked)?!\s*\(")
    return any(pattern.search(p.read_text()) for p in (REPO / "src").rglob("*.rs"))
