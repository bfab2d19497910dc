"""The shared Dockerfile builds every compose target from the lock, as a non-root user."""

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pytest

from .files import MODULES, PORTS, REPO

BUILD_TOOLS = re.compile(r"\b(apt-get|apk|gcc|build-essential|pip install|uv )\b")


@dataclass
class Stage:
    """One build stage: its base and its instructions in order."""

    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def parse_dockerfile() -> dict[str, Stage]:
    """Return the Dockerfile's stages by name, with continuation lines joined."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", rest, re.IGNORECASE)
            assert match, f"every stage is named: {line}"
            current = stages[match.group(2)] = Stage(match.group(1))
        elif current is not None:
            current.instructions.append((word.upper(), rest))
    return stages


def chain(stages: dict[str, Stage], name: str) -> list[Stage]:
    """Return a stage and its ancestors within the file, the stage itself last."""
    stage = stages[name]
    return [*chain(stages, stage.base), stage] if stage.base in stages else [stage]


def last(stages: dict[str, Stage], name: str, instruction: str) -> str | None:
    """Return the effective value of an instruction (CMD, USER) for a stage."""
    values = [rest for s in chain(stages, name) for i, rest in s.instructions if i == instruction]
    return values[-1] if values else None


def build_targets(compose: dict[str, Any]) -> dict[str, str]:
    """Return compose service name -> Dockerfile target for services built locally."""
    return {n: s["build"]["target"] for n, s in compose["services"].items() if "build" in s}


def test_every_compose_target_is_a_stage(compose: dict[str, Any]) -> None:
    """Services are built from the root Dockerfile, each from a stage that exists."""
    stages = parse_dockerfile()
    expected = {"intake": "intake", "router": "router", "notifier": "notifier", "setup": "setup",
                "inbox": "notifier"}  # fmt: skip
    assert expected == build_targets(compose)
    for service in compose["services"].values():
        if "build" in service:
            assert "." == service["build"]["context"]
    assert set() == set(build_targets(compose).values()) - set(stages)


def test_built_services_tag_distinct_images(compose: dict[str, Any]) -> None:
    """Each locally built service has its own image name, so parallel builds never race for one."""
    images = [s["image"] for s in compose["services"].values() if "build" in s]
    assert sorted(set(images)) == sorted(images)


@pytest.mark.parametrize("target", sorted(MODULES))
def test_target_runs_its_module_as_non_root(target: str) -> None:
    """Each target's command is `python -m <module>` and it runs as an unprivileged uid."""
    stages = parse_dockerfile()
    assert ["python", "-m", MODULES[target]] == json.loads(last(stages, target, "CMD") or "[]")
    user = (last(stages, target, "USER") or "root").split(":")[0]
    assert user not in {"root", "0"}
    if target in PORTS:
        assert str(PORTS[target]) == last(stages, target, "EXPOSE")


def test_runtime_stages_install_nothing() -> None:
    """Only the builder installs: runtime stages copy the finished venv and add no tools."""
    stages = parse_dockerfile()
    runtime = [n for n in stages if n != "builder"]
    offenders = [f"{n}: {rest}" for n in runtime for i, rest in stages[n].instructions
                 if i == "RUN" and BUILD_TOOLS.search(rest)]  # fmt: skip
    assert [] == offenders
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (REPO / "Dockerfile").read_text(), re.M)
    assert "${PYTHON_IMAGE}" == stages["runtime"].base
    assert base is not None
    assert "-slim" in base.group(1)


def test_builder_installs_the_locked_service_packages() -> None:
    """The builder syncs from uv.lock without dev tools, for all three service packages."""
    runs = [rest for i, rest in parse_dockerfile()["builder"].instructions if i == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs
    for sync in syncs:
        assert {"--frozen", "--no-dev"} <= set(sync.split())
        packages = set(re.findall(r"--package\s+(\S+)", sync))
        assert {"escalations-intake", "escalations-router", "escalations-notifier"} == packages


def test_builder_copies_every_workspace_member() -> None:
    """`uv sync --frozen` needs every workspace member's pyproject.toml in the image."""
    root = tomllib.loads((REPO / "pyproject.toml").read_text())
    members = root["tool"]["uv"]["workspace"]["members"]
    copies = " ".join(rest for i, rest in parse_dockerfile()["builder"].instructions if i == "COPY")
    assert [] == [m for m in members if f"{m}/pyproject.toml" not in copies]
    assert "uv.lock" in copies


def test_dockerignore_keeps_what_the_build_copies() -> None:
    """.dockerignore drops local clutter but none of the files the Dockerfile copies."""
    patterns = [
        p.strip()
        for p in (REPO / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]
    assert {"**/.venv", ".git"} <= set(patterns)
    sources = [
        src
        for stage in parse_dockerfile().values()
        for i, rest in stage.instructions
        if i == "COPY" and not rest.startswith("--from")
        for src in rest.split()[:-1]
    ]
    ignored = [
        s for s in sources for p in patterns if fnmatch.fnmatch(s, p) or s.startswith(p + "/")
    ]
    assert [] == ignored
