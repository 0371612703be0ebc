"""Process hardening done at start, before anything is unlocked. Standard library only: the
``chartside`` entry point calls it before importing SQLAlchemy or Qt."""

from __future__ import annotations


def disable_core_dumps() -> bool:
    """Set the core-file limit to 0 for this process and its children, so a crash cannot write
    decrypted pages or the key to disk. Returns False where the platform has no such limit."""
    try:
        import resource
    except ImportError:  # Windows: no core files unless WER is configured to keep full dumps
        return False
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        return False
    return True
