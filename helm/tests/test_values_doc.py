"""Every key of values.yaml, at every depth, has a comment right above it."""

from __future__ import annotations

import re

from conftest import CHART, load_yaml

VALUES = CHART / "values.yaml"
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?:\s|$)")


def yaml_key_paths(node, prefix=()) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            paths.add(prefix + (key,))
            paths |= yaml_key_paths(value, prefix + (key,))
    return paths


def documented_key_paths() -> tuple[set[tuple[str, ...]], list[str]]:
    """Key paths found line by line, and the keys without a comment."""
    lines = VALUES.read_text().splitlines()
    found: set[tuple[str, ...]] = set()
    undocumented: list[str] = []
    stack: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        match = KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match.group("indent"))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match.group("key")))
        path = tuple(k for _, k in stack)
        found.add(path)
        above = lines[number - 1] if number else ""
        comment = above.strip()
        if not (comment.startswith("#") and len(above) - len(above.lstrip()) == indent):
            undocumented.append(".".join(path))
        elif len(comment.lstrip("#- ").strip()) < 8:
            undocumented.append(".".join(path) + " (comment too short)")
    return found, undocumented


def test_every_key_has_a_comment():
    found, undocumented = documented_key_paths()
    assert not undocumented, f"values.yaml keys without a comment above them: {undocumented}"
    # The line scan must see every key YAML sees (no flow mappings hiding keys).
    assert found == yaml_key_paths(load_yaml(VALUES))


def test_every_value_is_used_by_a_template():
    templates = "\n".join(p.read_text() for p in (CHART / "templates").iterdir())
    values = load_yaml(VALUES)
    for key in values:
        assert re.search(rf"\.Values\.{re.escape(key)}\b", templates), f"{key} is never read"
