"""Before the first window: can Qt open one here? A plain sentence instead of a Qt abort.

Contract: ``check_window_system(env=os.environ)`` runs before ``QApplication`` is built (it
imports no Qt module). It returns quietly when Qt will not use its X11 (``xcb``) platform —
not Linux, ``QT_QPA_PLATFORM`` names another platform (``offscreen``, ``wayland``…), or a
Wayland session is present — or when the xcb platform's system libraries all load. Otherwise it
raises ``WindowSystemUnavailable`` (exit code 9) saying what is missing and the one line that
installs it on Debian/Ubuntu (``resources/system/debian-packages.txt``, the same list the README
gives and ``.ci/run`` installs).

Why not let Qt say it: Qt ≥ 6.5's xcb plugin needs ``libxcb-cursor0`` and other xcb libraries
that a fresh Debian/Ubuntu desktop may lack; Qt then prints "Could not load the Qt platform
plugin "xcb"" with a list of plugins and aborts the process. ``install_fatal_hint`` adds the
same install line to any fatal Qt message about the platform plugin that gets past this check.

How: each shared library the xcb plugin links against (``XCB_LIBRARIES``, from ``ldd`` on
PySide6 6.7–6.11's ``libqxcb.so`` and ``libQt6XcbQpa.so.6``) is loaded with ``ctypes`` — the
same dynamic loader Qt uses — so all the missing ones are named at once; then the plugin itself
is loaded, which catches anything the list does not name.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from core.domain.errors import ChartsideError

# soname → the Debian/Ubuntu package that ships it.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
}


class WindowSystemUnavailable(ChartsideError):
    """Qt cannot open a window on this machine (no display, or system libraries missing)."""

    exit_code = 9


def debian_packages() -> list[str]:
    text = resources.files("resources.system").joinpath("debian-packages.txt").read_text("utf-8")
    return text.split()


def install_line() -> str:
    return "sudo apt-get install " + " ".join(debian_packages())


def _load(name: str) -> None:
    ctypes.CDLL(name, mode=os.RTLD_LAZY | os.RTLD_LOCAL)


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def missing_libraries(load: Callable[[str], None] = _load,
                      plugin: Path | None = None) -> list[str]:
    """Sonames the xcb platform needs that the dynamic loader cannot find (in list order)."""
    missing = []
    for soname in XCB_LIBRARIES:
        try:
            load(soname)
        except OSError:
            missing.append(soname)
    if not missing and plugin is not None and plugin.is_file():
        try:
            load(str(plugin))
        except OSError as error:  # "libfoo.so.1: cannot open shared object file: …"
            missing.append(str(error).split(":")[0].strip() or plugin.name)
    return missing


def xcb_plugin() -> Path | None:
    """PySide6's ``libqxcb.so`` (found without importing Qt), or None."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def check_window_system(env: Mapping[str, str] | None = None, *,
                        load: Callable[[str], None] = _load,
                        plugin: Path | bool | None = True,
                        platform: str = sys.platform) -> None:
    """``plugin``: True finds PySide6's xcb plugin; a path or None for tests."""
    """Raise ``WindowSystemUnavailable`` if Qt's xcb platform cannot start here."""
    env = os.environ if env is None else env
    if not uses_xcb(env, platform):
        return
    if not env.get("DISPLAY"):
        raise WindowSystemUnavailable(
            "There is no display to open the Chartside window on (DISPLAY is not set).",
            hint="Start Chartside from your desktop session; the chartside subcommands "
                 "(chartside --help) work without one.")
    missing = missing_libraries(load, xcb_plugin() if plugin is True else plugin or None)
    if missing:
        packages = sorted({XCB_LIBRARIES.get(m, m) for m in missing})
        raise WindowSystemUnavailable(
            f"The window cannot open: this computer lacks system libraries Qt needs "
            f"({', '.join(packages)}).",
            hint=f"On Debian or Ubuntu install them with: {install_line()} "
                 "(other systems: see the README).")


def install_fatal_hint() -> None:
    """Add the install line to a fatal Qt message about the platform plugin (then Qt aborts
    as before). Call before ``QApplication``."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: Any, message: str) -> None:
        if kind == QtMsgType.QtFatalMsg and "platform plugin" in message:
            print(f"chartside: the window system could not start ({message.splitlines()[0]}).\n"
                  f"chartside: on Debian or Ubuntu: {install_line()}", file=sys.stderr)
        elif previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
