"""PDF pages to PNG images for the superbill preview and for printing, with poppler's pdftoppm.

Why: PySide6-Essentials ships no QtPdf/QtPdfWidgets, and reportlab cannot rasterize a PDF it
did not draw itself. pdftoppm (Debian ``poppler-utils``; CI installs it) reads the PDF from
stdin and writes concatenated PNGs to stdout, so no page of PHI ever touches the disk.

Contract: ``available()`` says whether pdftoppm is on PATH; ``rasterize(pdf, dpi)`` returns one
PNG (bytes) per page or raises ``RasterUnavailable`` (a ``ChartsideError``). No Qt: callable
from a job thread. Runs in ~50 ms per page at 100 dpi.
"""

from __future__ import annotations

import shutil
import struct
import subprocess

from core.domain.errors import ChartsideError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class RasterUnavailable(ChartsideError):
    """The page preview needs poppler-utils (pdftoppm)."""


def available() -> bool:
    return shutil.which("pdftoppm") is not None


def split_pngs(data: bytes) -> list[bytes]:
    """Split concatenated PNG files by walking their chunks to each IEND."""
    out: list[bytes] = []
    pos = 0
    while data.startswith(PNG_MAGIC, pos):
        end = pos + len(PNG_MAGIC)
        while end + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[end : end + 8])
            end += 12 + length
            if kind == b"IEND":
                break
        out.append(data[pos:end])
        pos = end
    return out


def rasterize(pdf: bytes, dpi: int = 100, *, timeout: float = 60.0) -> list[bytes]:
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RasterUnavailable(
            "The page preview needs poppler-utils (pdftoppm).",
            hint="Install it, or save the PDF and open it in a PDF viewer.",
        )
    try:
        done = subprocess.run(
            [exe, "-r", str(int(dpi)), "-png", "-"],
            input=pdf,
            capture_output=True,
            timeout=timeout,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise RasterUnavailable("The PDF could not be turned into page images.") from exc
    return split_pngs(done.stdout)
