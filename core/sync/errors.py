"""Expected sync failures, each a ``ChartsideError`` whose message a clinician can act on.

Messages never carry PHI or server response bodies: they name what happened and what to do.
``retryable`` tells the background sync whether trying again later can help (a network
outage, a busy server) or whether a person must act first (revoked device, missing key).
"""

from __future__ import annotations

from core.domain.errors import ChartsideError


class SyncError(ChartsideError):
    """Base of every sync failure (exit status 11 on the command line; 8 is a blocked
    superbill)."""

    exit_code = 11
    retryable = False


class NotEnrolled(SyncError):
    """This chart has not joined a sync server yet."""

    def __init__(self) -> None:
        super().__init__(
            "Sync is not set up for this chart.",
            hint="Enroll it with a code from your practice's sync server.",
        )


class AlreadyEnrolled(SyncError):
    """Enrolling a chart that already has a device identity on a server."""


class DeviceRevoked(SyncError):
    """The server refused this device's token because the device was revoked."""

    def __init__(self) -> None:
        super().__init__(
            "This device was removed from the practice's sync; nothing more is sent or received.",
            hint="Your chart on this computer is intact. Ask the practice admin for a new "
            "enrollment code to sync again.",
        )


class AuthFailed(SyncError):
    """The server does not know this device's token (another server, or a reset)."""


class EnrollmentRefused(SyncError):
    """The enrollment code was unknown, expired or already used."""


class MissingSyncKey(SyncError):
    """The practice sync key has not reached this device yet."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "This device does not have the practice's sync key yet."
            + (f" {detail}" if detail else ""),
            hint="On a device that already syncs, approve this one and type the pairing code "
            "it shows here.",
        )


class PairingFailed(SyncError):
    """A pairing code did not open any key offered to this device, or the key failed checks."""


class TamperedChange(SyncError):
    """A change from the server failed authentication; it is not applied and the cursor stays."""


class NewerSchema(SyncError):
    """A change on the server was sealed by a newer app (its schema is unknown here): nothing
    is applied and the cursor stays until this device is updated."""


class ServerUnavailable(SyncError):
    """Network error, timeout, 5xx or rate limit: nothing was lost, try again later."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, hint="Your changes are kept and will be sent on the next sync.")
        self.retry_after = retry_after


class ProtocolError(SyncError):
    """The server answered something this client cannot use (a bug or a wrong server)."""
