"""Every expected failure is a ``ChartsideError`` with a message a clinician can act on.

The desktop has one presenter for these and the CLI maps them to exit codes (``exit_code``).
Messages never contain PHI: they name fields and record kinds, not patients.
"""

from __future__ import annotations


class ChartsideError(Exception):
    """Base of all expected failures. ``str(err)`` is the user-facing message."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class InvalidInput(ChartsideError):
    """A value the user typed cannot be accepted as it is."""

    exit_code = 2


class NotAllowed(InvalidInput):
    """The unlocked user may not do this (e.g. only the chart owner adds or removes users)."""


class DuplicatePatient(InvalidInput):
    """A patient with the same name and date of birth is already in the chart. ``existing``
    holds their ids; the caller may open one of them or create the new patient anyway."""

    def __init__(self, message: str, *, existing: tuple[object, ...], hint: str | None = None
                 ) -> None:
        super().__init__(message, hint=hint)
        self.existing = existing


class ValidationError(InvalidInput):
    """A domain object would be inconsistent (e.g. stop time before start time)."""

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field


class InvalidCode(InvalidInput):
    """An ICD-10-CM or CPT/HCPCS code that is malformed or unknown."""


class NotFound(ChartsideError):
    """A record the user asked for does not exist in this chart."""

    exit_code = 4


class SignedNoteImmutable(ChartsideError):
    """A signed note (or its blocks) cannot change; corrections are addenda."""


class SignBlocked(ChartsideError):
    """Signing refused while blocking findings stand."""

    def __init__(self, message: str, findings: list[object] | None = None) -> None:
        super().__init__(message)
        self.findings = list(findings or [])


class WarningsUnacknowledged(SignBlocked):
    """Signing refused while warnings stand that nobody acknowledged with a reason
    (``findings`` lists them; acknowledge each, then sign)."""


# --- chart file and keys --------------------------------------------------------------------


class ChartError(ChartsideError):
    """Problems with the chart file itself."""

    exit_code = 5


class ChartNotFound(ChartError):
    """Opening a path that holds no chart. We never create one by accident."""


class ChartExists(ChartError):
    """Creating a chart where one (or any file) already exists."""


class ChartCorrupt(ChartError):
    """The file is damaged or is not a Chartside chart."""


class WrongPassphrase(ChartError):
    """The passphrase or recovery key does not open this chart. Nothing was changed."""

    exit_code = 3


class UnlockThrottled(ChartError):
    """Too many failed unlocks in a row; wait before the next attempt."""

    exit_code = 3

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"Too many failed unlock attempts. Try again in {max(1, round(retry_after))} s."
        )
        self.retry_after = retry_after


class WeakPassphrase(InvalidInput):
    """The proposed passphrase is too short or too common."""


class StorageFailure(ChartError):
    """The disk refused a write (full, read-only, I/O error). The last saved state is intact."""

    exit_code = 6


class BackupFolderMissing(ChartError):
    """The backup folder (or the drive it lives on) is not there. Nothing was written."""

    exit_code = 4


class BackupFailed(ChartError):
    """A backup was written but did not pass its check, or a backup to restore is damaged."""


class ChartLocked(ChartsideError):
    """The chart is locked; unlock it first."""
