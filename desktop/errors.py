"""The one presenter for errors, and PHI-free logging of the unexpected (Anki's aqt/errors.py).

Contract:
- ``ChartsideError``: the banner shows ``message`` and, below it, ``hint``: both are written
  for clinicians and carry no PHI (core.domain.errors).
- Anything else is a bug: ``log_unexpected`` writes the exception *type* and the traceback
  *frames* (file, line, function) — never the exception's text, arguments or locals, which
  may hold patient data — and the banner shows a generic message.
- The banner is non-modal: work continues; a new error replaces the old one; Esc or × hides
  it. ``install_excepthook`` routes exceptions raised in Qt slots the same way.
- GUI thread only.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.domain.errors import ChartsideError
from desktop.saving import make_timer

log = logging.getLogger("chartside.desktop")

GENERIC_MESSAGE = "Something went wrong, and this last change may not have been saved."
GENERIC_HINT = (
    "Check the screen and try again. If it keeps happening, restart Chartside; "
    "the details were written to the log (without patient data)."
)


def frames_of(exc: BaseException) -> list[str]:
    """``file:line in function`` for each frame: no source text, no values."""
    tb = traceback.extract_tb(exc.__traceback__)
    return [f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in tb]


def log_unexpected(exc: BaseException, where: str = "") -> None:
    """Log a bug without PHI: the exception type and its frames, nothing else."""
    chain: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.append(f"{type(current).__module__}.{type(current).__qualname__}")
        current = current.__cause__ or current.__context__
    log.error(
        "Unexpected %s%s\n  caused by: %s\n  frames:\n    %s",
        chain[0],
        f" in {where}" if where else "",
        " <- ".join(chain[1:]) or "-",
        "\n    ".join(frames_of(exc)) or "-",
    )


def setup_logging(folder: Path) -> None:
    """Log to ``folder/chartside.log`` (rotated). Our own messages never contain PHI."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / "chartside.log", maxBytes=512_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("chartside")
    if not any(isinstance(h, type(handler)) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)


class ErrorBanner(QFrame):
    """A calm, dismissible strip at the top of the window."""

    shown_error = Signal(str, str)  # message, hint (for tests and screen readers)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setProperty("kind", "error")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        text = QVBoxLayout()
        self.message = QLabel()
        self.message.setObjectName("bannerMessage")
        self.message.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("bannerHint")
        self.hint.setWordWrap(True)
        text.addWidget(self.message)
        text.addWidget(self.hint)
        layout.addLayout(text, 1)
        close = QPushButton("Dismiss")
        close.setObjectName("bannerDismiss")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = make_timer(self, 20_000, single=True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, message: str, hint: str | None, *, kind: str = "error") -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.message.setText(message)
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        self.show()
        self._timer.start()
        self.shown_error.emit(message, hint or "")


class ErrorPresenter:
    """Turns any exception into something a clinician can act on, in one place."""

    def __init__(self, banner: ErrorBanner) -> None:
        self.banner = banner
        self.last: tuple[str, str] | None = None
        self.last_type: type[BaseException] | None = None

    def present(self, error: BaseException, where: str = "") -> None:
        self.last_type = type(error)
        if isinstance(error, ChartsideError):
            message, hint = error.message, error.hint or ""
        else:
            log_unexpected(error, where)
            message, hint = GENERIC_MESSAGE, GENERIC_HINT
        self.last = (message, hint)
        if shiboken6.isValid(self.banner):  # after the window is gone there is no one to show
            self.banner.show_message(message, hint)

    def notify(self, message: str, hint: str = "") -> None:
        """A non-error notice (e.g. "Chart locked after 10 idle minutes")."""
        self.last_type = None
        self.banner.show_message(message, hint, kind="info")

    def withdraw(self, error_type: type[BaseException]) -> None:
        """Hide the banner if it still shows an error of ``error_type`` (e.g. "The chart is
        locked" once the chart is unlocked again): a banner never outlives its cause."""
        if self.last_type is not None and issubclass(self.last_type, error_type):
            self.banner.hide()
            self.last, self.last_type = None, None


def install_excepthook(presenter: ErrorPresenter) -> None:
    """Exceptions escaping Qt slots are logged without PHI and shown generically.

    Python's default hook (which would print the exception's text) is replaced; a hook
    someone else installed on purpose (pytest-qt, a debugger) still runs after ours.
    """
    previous = sys.excepthook

    def hook(et: type[BaseException], ev: BaseException, tb: TracebackType | None) -> None:
        if ev.__traceback__ is None:
            ev = ev.with_traceback(tb)
        presenter.present(ev, "slot")
        if previous is not sys.__excepthook__ and getattr(previous, "__name__", "") != "hook":
            previous(et, ev, tb)

    sys.excepthook = hook
