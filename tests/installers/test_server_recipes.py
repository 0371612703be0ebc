"""The sync server's deployment recipes (issue 16) cannot run here (no container images offline),
so they are parsed and every command they call is checked: ``chartside-server`` subcommands and
options parse with the real argument parser, the health check hits a route the app has, the
container installs what server/ imports, the image runs as a non-root user, systemd accepts the
units (``systemd-analyze verify``, where present), and the restore steps are written down."""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "installers/server"


def dockerfile() -> list[tuple[str, str]]:
    text = (SERVER / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def check_server_command(argv: list[str]) -> None:
    """``chartside-server ...`` as the recipes call it must parse (exit on error)."""
    assert Path(argv[0]).name == "chartside-server", argv
    build_parser().parse_args(argv[1:])


def test_dockerfile_runs_the_server_unprivileged_with_a_health_check(tmp_path: Path) -> None:
    import json

    from server.app import create_app
    from server.config import Settings

    steps = dockerfile()
    users = [rest for word, rest in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    cmd = json.loads(next(rest for word, rest in steps if word == "CMD"))
    check_server_command(cmd)
    health = next(rest for word, rest in steps if word == "HEALTHCHECK")
    path = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]+)", health)
    assert path and path.group(1) == cmd[cmd.index("--port") + 1]
    app = create_app(Settings(f"sqlite:///{tmp_path / 's.sqlite3'}"))
    routes = {getattr(r, "path", "") for r in app.routes}
    assert path.group(2) in routes
    for word, rest in steps:
        if word == "COPY":
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), source


def test_the_image_installs_what_the_server_imports() -> None:
    wanted = {re.split(r"[<>=\[;]", line)[0].strip().lower()
              for line in (SERVER / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    names = {"sqlalchemy": "sqlalchemy", "fastapi": "fastapi", "starlette": "fastapi",
             "pydantic": "pydantic", "alembic": "alembic", "platformdirs": "platformdirs",
             "uvicorn": "uvicorn", "httpx": "httpx", "psycopg": "psycopg"}
    imported = set()
    for path in (ROOT / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    # Our own packages the image copies beside server/ (the wire protocol both sides import).
    ours = {"server", "syncwire"}
    dockerfile = (SERVER / "Dockerfile").read_text()
    assert all(f"COPY {p} ./{p}" in dockerfile for p in ours - {"server"})
    third_party = {m for m in imported - set(sys.stdlib_module_names) if m not in ours}
    assert third_party <= set(names), third_party - set(names)
    assert {names[m] for m in third_party} | {"uvicorn", "psycopg"} <= wanted
    cli = (ROOT / "server/cli.py").read_text()
    assert "uvicorn" in cli  # serve needs it even though it is imported lazily


def test_compose_file_services_and_commands() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((SERVER / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "migrate", "server", "backup", "caddy"} <= set(services)
    assert services["migrate"]["build"]["dockerfile"] == "installers/server/Dockerfile"
    assert (SERVER / services["migrate"]["build"]["context"] / "server").is_dir()
    check_server_command(services["migrate"]["command"])
    env = services["server"]["environment"]
    assert env["CHARTSIDE_SERVER_DB"].startswith("postgresql+psycopg://")
    assert "PASSWORD" not in env["CHARTSIDE_SERVER_DB"].upper()  # PGPASSWORD, not the URL
    script = services["backup"]["command"][0].replace("$$", "$")
    backup = next(part for part in script.split(";") if "chartside-server backup" in part)
    argv = shlex.split(backup.split("do", 1)[-1].split("||")[0])
    check_server_command(argv)
    caddy = (SERVER / "Caddyfile").read_text()
    mount = services["caddy"]["volumes"][0].split(":")
    assert (SERVER / mount[0]).resolve() == SERVER / "Caddyfile"
    assert re.search(r"reverse_proxy server:8765", caddy)
    assert services["server"]["expose"] == ["8765"]
    assert services["caddy"]["environment"]["CHARTSIDE_SYNC_HOST"].startswith("${")


def units() -> list[Path]:
    return sorted((SERVER / "systemd").glob("*.service")) + sorted(
        (SERVER / "systemd").glob("*.timer"))


def test_systemd_units_call_real_commands() -> None:
    for unit in units():
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(unit)
        if unit.suffix == ".timer":
            assert parser["Timer"]["OnCalendar"] and parser["Install"]["WantedBy"]
            assert (unit.with_suffix(".service")).exists()
            continue
        service = parser["Service"]
        assert service["User"] == "chartside"
        for key in ("ExecStartPre", "ExecStart"):
            if key not in service:
                continue
            argv = shlex.split(service[key].replace("%%", "%"))
            if argv[0] == "/bin/sh":
                argv = shlex.split(argv[2])
            check_server_command(argv)
        assert service["EnvironmentFile"] == "/etc/chartside-server/env"
    systemd_analyze = shutil.which("systemd-analyze")
    if systemd_analyze is None:
        pytest.skip("systemd-analyze is not installed: parsed only")
    done = subprocess.run([systemd_analyze, "verify", *map(str, units())],
                          capture_output=True, text=True, timeout=60)
    problems = [line for line in (done.stdout + done.stderr).splitlines()
                if line.strip() and "/opt/chartside-server/venv/bin/chartside-server" not in line]
    assert not problems, problems  # the only complaint allowed: the app is not installed here


def test_restore_steps_are_written_down() -> None:
    readme = (ROOT / "installers/README.md").read_text()
    for step in ("chartside-server restore", "chartside-server backup", "systemctl stop",
                 "docker compose"):
        assert step in readme, step
