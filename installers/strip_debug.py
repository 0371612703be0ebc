"""Remove debug sections from the frozen app's shared libraries (Linux; `make dist` runs it).

Some wheels ship their libraries with DWARF debug information: ctranslate2's Python extension
is 68 MB of which 66 MB is debug info, the pyenv-built libpython 23 MB. ``strip --strip-debug``
removes only the debug sections (symbols and the dynamic table stay), and only outside the
auditwheel ``*.libs`` folders: binutils' strip rewrites the program headers of a library that
patchelf has already rewritten, and numpy's OpenBLAS then fails to load ("ELF load command
address/offset not page-aligned"). Every library this changes is loaded by the self-test that
``make dist``'s test runs from the package (the speech engine, numpy, the Qt app).

Usage: ``python installers/strip_debug.py FOLDER`` — prints the megabytes saved. Running it
again changes nothing. Without binutils (``strip``, ``readelf``) it says so and does nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def _has_debug_info(path: Path) -> bool:
    sections = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True,
                              text=True, check=False).stdout
    return ".debug_info" in sections


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def candidates(folder: Path) -> list[Path]:
    """ELF files carrying debug sections, outside auditwheel's ``*.libs`` folders."""
    out = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink() or ".so" not in path.name:
            continue
        if any(part.endswith(".libs") for part in path.relative_to(folder).parts[:-1]):
            continue
        if _is_elf(path) and _has_debug_info(path):
            out.append(path)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    folder = Path(argv[0])
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        print("strip_debug: binutils not found; the bundle keeps its debug sections")
        return 0
    saved = 0
    for path in candidates(folder):
        before = path.stat().st_size
        subprocess.run(["strip", "--strip-debug", str(path)], check=True)
        saved += before - path.stat().st_size
    print(f"strip_debug: {saved / 2**20:.0f} MB of debug sections removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
