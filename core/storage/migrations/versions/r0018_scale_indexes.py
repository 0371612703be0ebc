"""A covering index for the draft counts that run after every save, and the open-episodes
index (issue 24).

Revision ID: r0018
Revises: r0017

- ``notes (status, visit_id)`` replaces ``notes (status)``: the patient list counts each
  patient's draft notes after every save (``NoteRepo.counts_by_patient``); with the visit id in
  the index the count reads index entries only, never the note rows (which carry the text).
  Every query on ``status`` alone uses the new index as it used the old one.
  (A covering ``visits (id, patient_id)`` was tried for the join to the patient: SQLite keeps
  the primary-key index for it, so it would only cost writes.)
- ``episodes (discharged_on)``: the compliance dashboard reads the open episodes
  (``discharged_on IS NULL OR discharged_on > today``) without walking every episode the
  practice ever had.

bench/bench_scale.py times the patient list and the dashboard at 1k/10k/50k visits;
docs/performance.md has the figures.
"""

from __future__ import annotations

from alembic import op

revision = "r0018"
down_revision = "r0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notes_status_visit", "notes", ["status", "visit_id"])
    op.drop_index("ix_notes_status", table_name="notes")
    op.create_index("ix_episodes_discharged_on", "episodes", ["discharged_on"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
