"""Each clinician unlocks as themselves (issue 15; HIPAA §164.312(a)(2)(i), unique user
identification).

The chart owner (who unlocked with the chart's main passphrase or its recovery key) adds a
clinician as a user with a passphrase of their own: the data key is wrapped once more in the key
envelope (``KeyFile.add_user``). That user then unlocks with ``open_chart(user=…)`` and is the
audit actor for the whole session; they can change their own passphrase, not add or remove
others. Removing a user deletes their wrap.

Limit (docs/security.md): the database key itself is not rotated when a user is removed — a
removed user who still holds a copy of the chart file *and* extracted the key from a running
session could still read that copy. Rotating it needs re-encrypting the whole file
(``PRAGMA rekey``) and a new recovery key for the owner; not done yet.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from core.domain.errors import NotAllowed, NotFound
from core.storage.chart import ChartSession, key_path
from core.storage.keys import KdfParams, KeyFile, UserEntry, wipe


def list_users(chart_path: Path) -> list[UserEntry]:
    """Who can unlock ``chart_path`` with a passphrase of their own (no unlock needed: the
    unlock screen offers these)."""
    return KeyFile.load(key_path(Path(chart_path))).users()


def _owner_only(chart: ChartSession, what: str) -> None:
    if not chart.is_owner:
        raise NotAllowed(
            f"Only the chart's owner can {what}.",
            hint="Unlock with the chart's main passphrase (or its recovery key) to do this.",
        )


def add_user(
    chart: ChartSession,
    clinician_id: uuid.UUID,
    passphrase: str,
    *,
    role: str = "clinician",
    kdf: KdfParams | None = None,
) -> UserEntry:
    """Let ``clinician_id`` unlock with ``passphrase`` (a new one replaces their old one)."""
    _owner_only(chart, "add users")
    with chart.uow() as uow:
        clinician = uow.clinicians.get(clinician_id)  # NotFound for an unknown id
    label = f"{clinician.first_name} {clinician.last_name}"
    if clinician.credentials:
        label += f", {clinician.credentials}"
    kpath = key_path(chart.path)
    key_file = KeyFile.load(kpath)
    dek = chart.keys.copy()
    try:
        key_file.add_user(dek, str(clinician_id), label, passphrase, role=role, params=kdf)
        key_file.save(kpath, dek=dek, passphrase=passphrase, user=str(clinician_id))
    finally:
        wipe(dek)
    with chart.uow() as uow:
        uow.record("create", "user_key", str(clinician_id), detail=f"role {role}")
        uow.commit()
    return next(u for u in key_file.users() if u.user_id == str(clinician_id))


def remove_user(chart: ChartSession, clinician_id: uuid.UUID | str) -> None:
    """Remove a user's own passphrase; they can no longer unlock the chart."""
    _owner_only(chart, "remove users")
    user_id = str(clinician_id)
    kpath = key_path(chart.path)
    key_file = KeyFile.load(kpath)
    if all(u.user_id != user_id for u in key_file.users()):
        raise NotFound("That clinician has no passphrase of their own on this chart.")
    key_file.remove_user(user_id)
    key_file.save(kpath)
    with chart.uow() as uow:
        uow.record("delete", "user_key", user_id)
        uow.commit()
