"""deploy/docker-compose.yml is a valid compose file that wires brainstem to its services.

Validated by `docker compose config` (or the older `docker-compose config`) where
one is installed, and always by a schema check of our own, so a broken file fails
here rather than on an operator's machine.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, require_service

yaml = pytest.importorskip("yaml")

COMPOSE = REPO / "deploy" / "docker-compose.yml"
TOP_LEVEL = {"version", "name", "services", "volumes", "networks", "configs", "secrets"}
SERVICE_KEYS = {"image", "build", "command", "entrypoint", "environment", "env_file", "depends_on", "volumes",
                "ports", "expose", "healthcheck", "restart", "deploy", "networks", "user", "working_dir",
                "stop_grace_period", "stop_signal", "labels", "logging", "ulimits", "tmpfs", "init", "profiles"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


def schema_problems(doc) -> list[str]:
    """What is wrong with a parsed compose document (empty when nothing is)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict) or not doc["services"]:
        return ["no services mapping"]
    problems = [f"unknown top-level key {k!r}" for k in doc if k not in TOP_LEVEL and not str(k).startswith("x-")]
    services, volumes = doc["services"], doc.get("volumes") or {}
    for name, svc in services.items():
        where = f"service {name!r}"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", str(name)):
            problems.append(f"{where}: bad service name")
        if not isinstance(svc, dict):
            problems.append(f"{where}: not a mapping")
            continue
        problems += [f"{where}: unknown key {k!r}" for k in svc if k not in SERVICE_KEYS and not str(k).startswith("x-")]
        if "image" not in svc and "build" not in svc:
            problems.append(f"{where}: needs an image or a build")
        for key in ("command", "entrypoint"):
            if key in svc and not isinstance(svc[key], (str, list)):
                problems.append(f"{where}: {key} must be a string or a list")
        env = svc.get("environment", {})
        if not isinstance(env, (dict, list)):
            problems.append(f"{where}: environment must be a mapping or a list")
        deps = svc.get("depends_on", {})
        for dep, spec in (deps.items() if isinstance(deps, dict) else ((d, {}) for d in deps)):
            if dep not in services:
                problems.append(f"{where}: depends on unknown service {dep!r}")
            cond = (spec or {}).get("condition", "service_started")
            if cond not in CONDITIONS:
                problems.append(f"{where}: unknown depends_on condition {cond!r}")
            if cond == "service_healthy" and "healthcheck" not in services.get(dep, {}):
                problems.append(f"{where}: waits for {dep!r} to be healthy, but it has no healthcheck")
        for vol in svc.get("volumes", []):
            source = str(vol).split(":", 1)[0] if isinstance(vol, str) else vol.get("source", "")
            if ":" in str(vol) and not source.startswith((".", "/", "~", "$")) and source not in volumes:
                problems.append(f"{where}: named volume {source!r} is not declared")
        for port in svc.get("ports", []):
            if not re.fullmatch(r"(\d+(\.\d+){3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(/(tcp|udp))?", str(port)):
                problems.append(f"{where}: bad port {port!r}")
        build = svc.get("build")
        if isinstance(build, dict):
            context = (COMPOSE.parent / build.get("context", ".")).resolve()
            if not (context / build.get("dockerfile", "Dockerfile")).is_file():
                problems.append(f"{where}: no Dockerfile at {build.get('dockerfile', 'Dockerfile')} in {context}")
    return problems


def compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    old = shutil.which("docker-compose")
    return [old] if old else None


def _load():
    return yaml.safe_load(COMPOSE.read_text())


def _broken_variants():
    doc = _load()
    typo = _load()
    typo["services"]["postgres"]["imgae"] = typo["services"]["postgres"].pop("image")
    dangling = _load()
    dangling["services"]["migrate"]["depends_on"] = {"postgress": {"condition": "service_healthy"}}
    assert doc != typo != dangling
    return {"a misspelt key": typo, "a dependency on a missing service": dangling}


def test_compose_file_passes_the_schema_check():
    assert schema_problems(_load()) == []
    for what, doc in _broken_variants().items():
        assert schema_problems(doc), f"the schema check missed {what}"


def test_compose_file_passes_docker_compose_config(tmp_path):
    cli = compose_cli()
    require_service("docker compose", cli is not None,
                    "neither `docker compose` nor `docker-compose` is installed (Debian package docker-compose)")
    ok = subprocess.run([*cli, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    for what, doc in _broken_variants().items():
        doc["services"]["migrate"]["build"]["context"] = str(REPO)     # resolvable from tmp_path
        bad = tmp_path / "docker-compose.yml"
        bad.write_text(yaml.safe_dump(doc))
        p = subprocess.run([*cli, "-f", str(bad), "config", "-q"], capture_output=True, text=True, timeout=120)
        assert p.returncode != 0, f"`{' '.join(cli)} config` accepted {what}"


def test_brainstem_services_use_the_compose_postgres_after_the_migration():
    services = _load()["services"]
    pg = services["postgres"]["environment"]
    for name, svc in services.items():
        if svc.get("image") != "brainstem:local":
            continue
        db = svc["environment"]["BRAINSTEM_DB"]
        m = re.fullmatch(r"postgresql://([^:@]+)(:[^@]+)?@([^:/]+):5432/(\w+)", db)
        assert m, f"{name}: BRAINSTEM_DB is not a PostgreSQL URL: {db}"
        assert m[1] == pg["POSTGRES_USER"] and m[3] == "postgres" and m[4] == pg["POSTGRES_DB"], name
        waits = svc.get("depends_on", {})
        assert "migrate" in waits or waits.get("postgres", {}).get("condition") == "service_healthy", name
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "'.[postgres,nats]'" in dockerfile       # the image opens postgresql:// URLs and talks to NATS
    for src in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for path in src.split():
            assert (REPO / path).exists(), f"Dockerfile copies {path}, which does not exist"


def test_a_gateway_and_several_workers_share_the_store_and_the_stream():
    services = _load()["services"]
    gw, worker = services["gateway"], services["worker"]
    assert gw["command"][:4] == ["brainstem", "serve", "--mode", "gateway"]
    assert worker["command"][:2] == ["brainstem", "worker"]
    assert str(worker["deploy"]["replicas"]).strip("${}").split(":-")[-1].isdigit()
    for svc in (gw, worker):
        env = svc["environment"]
        assert env["BRAINSTEM_NATS_URL"] == "nats://nats:4222"
        # one partition count for the gateway and every worker, or tenants would be split wrongly
        assert env["BRAINSTEM_NATS_PARTITIONS"] == gw["environment"]["BRAINSTEM_NATS_PARTITIONS"]
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
