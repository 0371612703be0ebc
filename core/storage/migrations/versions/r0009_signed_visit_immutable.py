"""The visit of a signed note is immutable too (issue 15).

Revision ID: r0009
Revises: r0008

A signed note's date of service, times, place, patient, episode and clinician live on its
visit row, which stayed writable: raw SQL could move a signed visit to another day. These
triggers refuse an UPDATE that changes any of those columns, and any DELETE, while the visit's
note is signed (the visit's ``status`` may still change). Frozen copies of the SQL, as at this
revision; ``core.storage.triggers`` holds the current ones and recreates them at every open.
"""

from __future__ import annotations

from alembic import op

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None

_SIGNED = "EXISTS (SELECT 1 FROM notes WHERE notes.visit_id = OLD.id AND notes.status = 'signed')"
_FROZEN = ("date", "start_time", "end_time", "place_of_service", "address",
           "telehealth_modality", "patient_id", "episode_id", "clinician_id")


def upgrade() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)
    op.execute(
        "CREATE TRIGGER visits_signed_no_update BEFORE UPDATE ON visits "
        f"WHEN {_SIGNED} AND ({changed}) "
        "BEGIN SELECT RAISE(ABORT, 'visit of a signed note is immutable'); END")
    op.execute(
        "CREATE TRIGGER visits_signed_no_delete BEFORE DELETE ON visits "
        f"WHEN {_SIGNED} "
        "BEGIN SELECT RAISE(ABORT, 'visit of a signed note is immutable'); END")


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
