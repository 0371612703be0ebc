"""Per-user folders (issue 16): platformdirs' places, the CHARTSIDE_* overrides first."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import paths

_VARS = ("CHARTSIDE_DATA_DIR", "CHARTSIDE_CONFIG_DIR", "CHARTSIDE_STATE_DIR",
         "CHARTSIDE_LOG_DIR", "CHARTSIDE_CHART", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
         "XDG_STATE_HOME")


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in _VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_linux_places_are_the_xdg_ones_chartside_used_before(clean: Path) -> None:
    assert paths.data_dir() == clean / ".local/share/chartside"
    assert paths.config_dir() == clean / ".config/chartside"
    assert paths.state_dir() == clean / ".local/state/chartside"
    assert paths.log_dir() == clean / ".local/state/chartside/log"
    assert paths.default_chart_path() == clean / ".local/share/chartside/practice.chart"


def test_xdg_variables_are_honoured(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(clean / "d"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(clean / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(clean / "s"))
    assert paths.data_dir() == clean / "d/chartside"
    assert paths.config_dir() == clean / "c/chartside"
    assert paths.state_dir() == clean / "s/chartside"


def test_chartside_overrides_win(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, sub in (("CHARTSIDE_DATA_DIR", "data"), ("CHARTSIDE_CONFIG_DIR", "config"),
                     ("CHARTSIDE_STATE_DIR", "state"), ("CHARTSIDE_CHART", "x.chart")):
        monkeypatch.setenv(var, str(clean / sub))
    assert paths.data_dir() == clean / "data"
    assert paths.config_dir() == clean / "config"
    assert paths.state_dir() == clean / "state"
    assert paths.log_dir() == clean / "state"  # tests and scripts keep one scratch folder
    assert paths.default_chart_path() == clean / "x.chart"
    monkeypatch.setenv("CHARTSIDE_LOG_DIR", str(clean / "logs"))
    assert paths.log_dir() == clean / "logs"


def test_the_desktop_and_the_lockout_use_the_same_folders(clean: Path) -> None:
    from core.storage import lockout
    from desktop import cli, settings

    assert settings.config_dir() == paths.config_dir()
    assert settings.data_dir() == paths.data_dir()
    assert lockout.state_dir() == paths.state_dir()
    assert cli.default_chart_path() == paths.default_chart_path()


def test_app_folder_name_per_platform() -> None:
    assert paths.app_name("linux") == "chartside"
    assert paths.app_name("win32") == paths.app_name("darwin") == "Chartside"
