"""The real app on a real X server (Xvfb) with Qt's real ``xcb`` platform plugin — not
``offscreen`` — as ``make run`` starts it on a Linux desktop; and the plain sentence (not a Qt
abort) when no window can open. ``.ci/run`` installs Xvfb, xdotool and the window-system
libraries (resources/system/debian-packages.txt); elsewhere the X server tests skip without
Xvfb, except in CI, where a missing Xvfb fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.xvfb
ROOT = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} is not installed (apt-get install xvfb xdotool)")
    return path


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb at 1366×768 on a free display number, ready to accept clients."""
    xvfb, xdotool = tool("Xvfb"), tool("xdotool")
    for number in range(90 + os.getpid() % 50, 200):
        if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1366x768x24",
                                 "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        env = {**os.environ, "DISPLAY": f":{number}"}
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            probe = subprocess.run([xdotool, "getdisplaygeometry"], env=env,
                                   capture_output=True, text=True)
            if probe.returncode == 0:
                break
            time.sleep(0.2)
        if proc.poll() is None:
            break
    else:
        pytest.fail("Xvfb did not start on any display number")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def app_env(tmp_path: Path, display: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHARTSIDE_", "QT_")) and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(CHARTSIDE_CONFIG_DIR=str(tmp_path / "config"),
               CHARTSIDE_STATE_DIR=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               CHARTSIDE_CHART=str(tmp_path / "practice.chart"), **extra)
    if display is not None:
        env["DISPLAY"] = display
    return env


def chartside(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_first_launch_shows_the_welcome_window_on_x11(display: str, tmp_path: Path) -> None:
    xdotool = tool("xdotool")
    env = app_env(tmp_path, display)
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        found: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and not found:
            out = subprocess.run([xdotool, "search", "--onlyvisible", "--name", "^Chartside$"],
                                 env=env, capture_output=True, text=True)
            found = out.stdout.split()
            time.sleep(0.3)
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert found, "no visible Chartside window on the X server"
        geometry = subprocess.run([xdotool, "getwindowgeometry", found[0]], env=env,
                                  capture_output=True, text=True).stdout
        width, height = (int(v) for v in geometry.split("Geometry:")[1].split()[0].split("x"))
        assert 600 <= width <= 1366 and 400 <= height <= 768 - 40, geometry  # fits the screen
    finally:
        proc.terminate()
        try:
            _out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
    assert "Could not load the Qt platform plugin" not in err


@pytest.mark.parametrize("existing", [False, True], ids=["welcome", "unlock"])
def test_the_first_screen_is_painted_through_xcb(display: str, tmp_path: Path,
                                                 existing: bool) -> None:
    env = app_env(tmp_path, display)
    if existing:  # a chart made on this machine before: the app opens on its unlock screen
        made = chartside(["init"], {**env, "CHARTSIDE_PASSPHRASE": "tidal-lantern-orchard-47"})
        assert made.returncode == 0, made.stderr
    res = chartside([], {**env, "CHARTSIDE_EXIT_WHEN_READY": "1", "QT_DEBUG_PLUGINS": "0"})
    assert res.returncode == 0, res.stderr[-3000:]
    ready = [line.split() for line in res.stdout.splitlines()
             if line.startswith("CHARTSIDE_READY")]
    assert ready and ready[0][1] == ("unlock" if existing else "welcome"), res.stdout


def test_no_display_is_one_plain_sentence(tmp_path: Path) -> None:
    res = chartside([], app_env(tmp_path, None, QT_QPA_PLATFORM="xcb"))
    assert res.returncode == 9
    assert res.stderr.startswith("chartside: There is no display")
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
