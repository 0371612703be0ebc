"""Where Chartside keeps its per-user files, in the platform's places (platformdirs).

Contract (each function returns a path; none creates it):
- ``data_dir()``: new charts, the demo chart, added speech models. ``$CHARTSIDE_DATA_DIR``, else
  the platform's user data folder: ``$XDG_DATA_HOME/chartside`` or ``~/.local/share/chartside``
  on Linux, ``%LOCALAPPDATA%\\Chartside`` on Windows, ``~/Library/Application Support/Chartside``
  on macOS.
- ``config_dir()``: settings (``settings.ini``, smart phrases). ``$CHARTSIDE_CONFIG_DIR``, else
  ``$XDG_CONFIG_HOME/chartside`` / ``~/.config/chartside`` on Linux, the platform's equivalent
  elsewhere.
- ``state_dir()``: failed-unlock back-off. ``$CHARTSIDE_STATE_DIR``, else
  ``$XDG_STATE_HOME/chartside`` / ``~/.local/state/chartside`` on Linux.
- ``log_dir()``: the rotated ``chartside.log``. ``$CHARTSIDE_LOG_DIR``, else ``state_dir()``
  when ``$CHARTSIDE_STATE_DIR`` is set (tests and scripts keep one scratch folder), else the
  platform's user log folder (``~/.local/state/chartside/log`` on Linux).
- ``default_chart_path()``: ``$CHARTSIDE_CHART``, else ``data_dir()/practice.chart``.
- Chart backups stay beside the chart (``<chart>-backups``, ``core.storage.chart``) unless the
  chart names another folder: they must travel with the chart, not with the user profile.

The environment overrides win on every platform (the test suite and the self-test rely on them).
stdlib + platformdirs only: ``chartside units`` imports this cheaply.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

ENV_DATA = "CHARTSIDE_DATA_DIR"
ENV_CONFIG = "CHARTSIDE_CONFIG_DIR"
ENV_STATE = "CHARTSIDE_STATE_DIR"
ENV_LOG = "CHARTSIDE_LOG_DIR"
ENV_CHART = "CHARTSIDE_CHART"


def app_name(platform: str = sys.platform) -> str:
    """Lower case on Linux (``~/.local/share/chartside``), capitalised where folders are."""
    return "chartside" if platform.startswith("linux") else "Chartside"


def _env(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def data_dir() -> Path:
    return _env(ENV_DATA) or Path(platformdirs.user_data_dir(app_name(), appauthor=False))


def config_dir() -> Path:
    return _env(ENV_CONFIG) or Path(platformdirs.user_config_dir(app_name(), appauthor=False))


def state_dir() -> Path:
    return _env(ENV_STATE) or Path(platformdirs.user_state_dir(app_name(), appauthor=False))


def log_dir() -> Path:
    return (_env(ENV_LOG) or _env(ENV_STATE)
            or Path(platformdirs.user_log_dir(app_name(), appauthor=False)))


def default_chart_path() -> Path:
    return _env(ENV_CHART) or data_dir() / "practice.chart"
