"""Speech models the user may choose: the bundled tiny.en or a CTranslate2 Whisper folder they
add (a folder, or a zip of one), each with its speed measured on this machine.

Contract:
- ``import_model(source, into)``: a folder is checked in place (``model.bin``, ``config.json``
  that parses, a tokenizer or vocabulary) and returned; a ``.zip`` is checked for unsafe names
  (absolute paths, ``..``), size-bounded (``MAX_UNPACKED_BYTES``), unpacked under ``into`` in a
  folder named after it and checked the same way. Nothing is downloaded. Raises
  ``ModelUnavailable`` with what is wrong.
- ``measure_speed(model=None, compute_type=None)``: transcribes the bundled 10-second probe
  recording (``scribe/data/probe.wav``, a synthetic dictation) with that model and returns a
  ``SpeedProbe``: the real-time factor here and the expected wait for a 5-minute dictation
  (whole-file path). Takes ~1–5 s; call it from a worker thread.
"""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath

from scribe.errors import ModelUnavailable

MAX_UNPACKED_BYTES = 4 * 1024**3  # large-v3 is ~3 GB in float16
_TOKENIZER = ("tokenizer.json", "vocabulary.txt", "vocabulary.json")


@dataclass(frozen=True)
class SpeedProbe:
    audio_seconds: float
    work_seconds: float

    @property
    def real_time_factor(self) -> float:
        return self.audio_seconds / self.work_seconds if self.work_seconds else 0.0

    @property
    def five_minute_wait(self) -> float:
        return 300.0 / self.real_time_factor if self.real_time_factor else float("inf")

    def describe(self) -> str:
        return (f"{self.real_time_factor:.1f}× real time on this computer: a 5-minute "
                f"dictation takes about {self.five_minute_wait:.0f} s to transcribe.")


def check_model_folder(folder: Path) -> Path:
    """``folder`` if it holds a CTranslate2 Whisper model, else ``ModelUnavailable``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelUnavailable(f"{folder} is not a folder.")
    missing = [n for n in ("model.bin", "config.json") if not (folder / n).is_file()]
    if not any((folder / n).is_file() for n in _TOKENIZER):
        missing.append("tokenizer.json or vocabulary.txt")
    if missing:
        raise ModelUnavailable(
            f"{folder.name} is not a CTranslate2 Whisper model (missing {', '.join(missing)}).",
            hint="Convert a Whisper model with ct2-transformers-converter, or pick its folder.")
    try:
        json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelUnavailable(f"The config.json in {folder.name} is damaged.") from error
    return folder


def import_model(source: Path, into: Path) -> Path:
    """A usable model folder from ``source`` (folder or zip); see the module contract."""
    source = Path(source)
    if source.is_dir():
        return check_model_folder(source)
    if not zipfile.is_zipfile(source):
        raise ModelUnavailable(f"{source.name} is neither a model folder nor a zip of one.")
    target = Path(into) / source.stem
    if target.exists():
        raise ModelUnavailable(f"A model named {source.stem} was already imported.",
                               hint="Remove it first, or rename the zip.")
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        for m in members:
            parts = PurePosixPath(m.filename).parts
            if m.filename.startswith("/") or ".." in parts:
                raise ModelUnavailable(f"{source.name} holds an unsafe path: {m.filename}.")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise ModelUnavailable(f"{source.name} unpacks to more than 4 GB.")
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            archive.extractall(partial)
            root = _model_root(partial)
            check_model_folder(root)
            root.rename(target)
        except OSError as error:
            raise ModelUnavailable(f"{source.name} could not be unpacked ({error.strerror}).",
                                   hint="Check the free disk space.") from error
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return check_model_folder(target)


def _model_root(folder: Path) -> Path:
    """The folder holding model.bin: the zip's root or its single top folder."""
    if (folder / "model.bin").is_file():
        return folder
    found = sorted(p.parent for p in folder.rglob("model.bin"))
    if len(found) != 1:
        raise ModelUnavailable("The zip should hold one model folder (with model.bin).")
    return found[0]


def probe_audio() -> bytes:
    return resources.files("scribe.data").joinpath("probe.wav").read_bytes()


def measure_speed(model: str | Path | None = None,
                  compute_type: str | None = None) -> SpeedProbe:
    from scribe.audio import SAMPLE_RATE, load_audio
    from scribe.model import load_model
    from scribe.transcribe import transcribe

    loaded = load_model(model, compute_type=compute_type)
    audio = load_audio(probe_audio())
    transcribe(audio[: SAMPLE_RATE * 2], model=loaded)  # warm-up: first-call costs aside
    t0 = time.perf_counter()
    transcribe(audio, model=loaded)
    return SpeedProbe(audio.size / SAMPLE_RATE, time.perf_counter() - t0)
