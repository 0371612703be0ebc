"""The one place Chartside's version lives (pyproject reads it; the About dialog, ``chartside
--version``, the self-test and the installers show it), and the versions of the data it ships.

Contract: ``__version__`` is a literal (setuptools reads it without importing). ``data_packs()``
returns ``(name, version)`` for every data pack under ``resources/`` (rule packs, measure
definitions, mileage rates) and the bundled speech model's pin; stdlib only, no Qt.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
from importlib import resources
from pathlib import Path

__version__ = "0.1.0"

# (package, file, label) of every versioned data pack shipped in resources/.
_PACKS = (
    ("resources.rules", "codes.json", "CPT/HCPCS codes"),
    ("resources.rules", "ncci_pairs.json", "NCCI pair edits"),
    ("resources.rules", "mue.json", "MUE limits"),
    ("resources.rules", "kx_thresholds.json", "KX thresholds"),
    ("resources.rules", "payers.json", "Payer rules"),
    ("resources.rules", "pfs.json", "Fee schedule (PFS)"),
    ("resources.measures", "definitions.json", "Outcome measures"),
    ("resources.books", "irs_mileage_rates.json", "IRS mileage rates"),
)


def data_packs() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for package, name, label in _PACKS:
        try:
            doc = json.loads(resources.files(package).joinpath(name).read_text("utf-8"))
            out.append((label, str(doc.get("version", "?"))))
        except (OSError, ValueError, ModuleNotFoundError):
            out.append((label, "missing"))
    try:
        # The scribe's pin, read as a file: core never imports the scribe.
        spec = importlib.util.find_spec("scribe")
        if spec is None or spec.origin is None:
            raise FileNotFoundError("scribe")
        model = json.loads((Path(spec.origin).parent / "bundled_model.json").read_text("utf-8"))
        out.append(("Speech model", f"{model['package']} {model['version']}"))
    except (OSError, ValueError, KeyError):
        out.append(("Speech model", "missing"))
    return out


def frozen() -> bool:
    """True inside the PyInstaller bundle (the installed app), False from a virtualenv."""
    return bool(getattr(sys, "frozen", False))


def version_line() -> str:
    kind = "installed app" if frozen() else "Python environment"
    return (f"Chartside {__version__} ({kind}; Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()})")
