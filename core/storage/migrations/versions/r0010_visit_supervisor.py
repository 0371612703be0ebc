"""The supervising therapist of an assistant's visit (issue 14).

Revision ID: r0010
Revises: r0009

- ``visits.supervisor_id``: the PT/OT who supervised a PTA/COTA visit. Medicare does not enroll
  assistants: their services bill under the supervising therapist (24J, the signature) with
  CQ/CO on the line. NULL for a therapist's own visit (and for visits charted before this
  revision: the rules then fall back to the plan of care's therapist).
- The signed-visit trigger (r0009) also freezes ``supervisor_id``: whom a signed visit bills
  under is part of the record. Frozen copy of the SQL as at this revision.
"""

from __future__ import annotations

from alembic import op

revision = "r0010"
down_revision = "r0009"
branch_labels = None
depends_on = None

_SIGNED = "EXISTS (SELECT 1 FROM notes WHERE notes.visit_id = OLD.id AND notes.status = 'signed')"
_FROZEN = ("date", "start_time", "end_time", "place_of_service", "address",
           "telehealth_modality", "patient_id", "episode_id", "clinician_id", "supervisor_id")


def upgrade() -> None:
    # SQLite adds a column with its REFERENCES clause in place (Alembic would have to rebuild
    # the table to add the foreign key separately)
    op.execute("ALTER TABLE visits ADD COLUMN supervisor_id CHAR(32) REFERENCES clinicians (id)")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)
    op.execute("DROP TRIGGER IF EXISTS visits_signed_no_update")
    op.execute(
        "CREATE TRIGGER visits_signed_no_update BEFORE UPDATE ON visits "
        f"WHEN {_SIGNED} AND ({changed}) "
        "BEGIN SELECT RAISE(ABORT, 'visit of a signed note is immutable'); END")


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
