"""Help → About Chartside: the version, the data packs it carries and the libraries under it.

Contract: ``AboutDialog(parent)`` is a modal dialog built from ``core.version`` (the one place
the version lives) plus the Qt, SQLCipher and Python versions in use; ``text()`` returns what it
shows (for tests and for copying into a support e-mail). No PHI, no chart access.
"""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from core.version import __version__, data_packs, frozen


def _sqlcipher() -> str:
    try:
        import sqlcipher3

        return str(sqlcipher3.sqlite_version)
    except ImportError:
        return "missing"


def about_lines() -> list[str]:
    lines = [f"Chartside {__version__}",
             "Installed app" if frozen() else "Running from a Python environment", ""]
    lines += [f"{name}: {version}" for name, version in data_packs()]
    lines += ["", f"Qt {qVersion()} (PySide6 {pyside_version}) · SQLite {_sqlcipher()} "
              f"(SQLCipher) · Python {platform.python_version()}"]
    return lines


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Chartside")
        self.setObjectName("aboutDialog")
        layout = QVBoxLayout(self)
        self.body = QLabel("\n".join(about_lines()))
        self.body.setObjectName("aboutText")
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.body.text()
