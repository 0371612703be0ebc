"""Entry point of the frozen app: the desktop app and the ``chartside`` CLI in one executable."""

import multiprocessing
import sys
import types


def _placeholder_for_pyav() -> None:
    """The app leaves PyAV out (its FFmpeg is 78 MB; docs/installers.md): audio decodes through
    Qt Multimedia (desktop/media_decode.py). faster-whisper imports ``av`` at module level only
    to decode files, which Chartside never asks it to do, so a placeholder lets it import;
    ``core.media.audio.pyav_available()`` recognises it and never calls into it."""
    try:
        import av  # noqa: F401 - a build that kept PyAV uses it
    except ImportError:
        placeholder = types.ModuleType("av")
        placeholder.CHARTSIDE_PLACEHOLDER = True  # type: ignore[attr-defined]

        def missing(name: str) -> object:
            raise AttributeError(f"PyAV is not part of the Chartside app (av.{name})")

        placeholder.__getattr__ = missing  # type: ignore[method-assign]
        sys.modules["av"] = placeholder


_placeholder_for_pyav()

from desktop.cli import main  # noqa: E402 - after the placeholder

if __name__ == "__main__":
    multiprocessing.freeze_support()  # Windows: child processes of the frozen app
    sys.exit(main())
