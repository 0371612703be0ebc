"""The sync server as a practice installs it (issue 16): the chartside wheel with --no-deps plus
installers/server/requirements.txt (what the container image does) in a clean virtualenv, then
``chartside-server migrate`` and ``serve`` against a real, empty PostgreSQL database and the
health check the Dockerfile uses. Slow: ~30 s to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from server.pgtemp import TempCluster, free_port

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("core", "desktop", "scribe", "server", "resources", "pyproject.toml", "README.md")


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("CHARTSIDE_TEST_INSTALL") != "1",
                    reason="installs from the package index into a new virtualenv (minutes): "
                           "set CHARTSIDE_TEST_INSTALL=1")
def test_server_installs_alone_and_migrates_and_serves_postgresql(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    cluster: TempCluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database(f"install_{uuid.uuid4().hex[:12]}")  # empty: not migrated
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin/python"), "-m", "pip", "install", "--quiet"]
    for args in (["-r", str(REPO / "installers/server/requirements.txt")],
                 ["--no-deps", str(src)]):
        done = subprocess.run([*pip, *args], capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
    listed = subprocess.run([*pip[:3], "list"], capture_output=True, text=True).stdout.lower()
    assert "pyside6" not in listed and "sqlcipher3" not in listed  # no desktop stack
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CHARTSIDE_SERVER_DB": url}
    server = str(venv / "bin/chartside-server")
    migrated = subprocess.run([server, "migrate"], env=env, capture_output=True, text=True,
                              timeout=300)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    port = free_port()
    process = subprocess.Popen([server, "serve", "--port", str(port), "--log-level", "warning"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.json() == {"status": "ok", "protocol": 1}
        created = subprocess.run([server, "create-account", "Install Test PT"], env=env,
                                 capture_output=True, text=True, timeout=120)
        assert created.returncode == 0, created.stderr
    finally:
        process.terminate()
        process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()
    assert os.listdir(tmp_path / "src")  # nothing else to clean: tmp_path goes with the test
