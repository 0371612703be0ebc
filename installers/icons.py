"""Render resources/icons/chartside.svg to the icon files the installers need (run from the repo
root: ``python installers/icons.py``): installers/windows/chartside.ico (16-256 px) and
installers/macos/chartside.icns (16-1024 px). Qt's SVG renderer draws, Pillow (a reportlab
dependency) writes the containers. The outputs are committed; re-run after changing the SVG."""

from __future__ import annotations

import io
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def render(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(ROOT / "resources/icons/chartside.svg")).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication([])
    big = Image.open(io.BytesIO(render(1024))).convert("RGBA")
    big.save(ROOT / "installers/windows/chartside.ico",
             sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    big.save(ROOT / "installers/macos/chartside.icns")
    print("wrote installers/windows/chartside.ico and installers/macos/chartside.icns")


if __name__ == "__main__":
    main()
