"""Initial chart schema: practice, clinicians, payers, patients, episodes, visits, notes, audit.

Revision ID: r0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the triggers as they were at this revision.
_SIGNED = "(SELECT status FROM notes WHERE id = {ref}.note_id) = 'signed'"


def _triggers() -> list[str]:
    out = [
        "CREATE TRIGGER notes_signed_no_update BEFORE UPDATE ON notes WHEN OLD.status = 'signed' "
        "BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END",
        "CREATE TRIGGER notes_signed_no_delete BEFORE DELETE ON notes WHEN OLD.status = 'signed' "
        "BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END",
    ]
    for t in ("timed_blocks", "untimed_services"):
        for event, ref in (("UPDATE", "OLD"), ("DELETE", "OLD"), ("INSERT", "NEW")):
            out.append(
                f"CREATE TRIGGER {t}_signed_no_{event.lower()} BEFORE {event} ON {t} "
                f"WHEN {_SIGNED.format(ref=ref)} "
                "BEGIN SELECT RAISE(ABORT, 'signed note is immutable'); END"
            )
    for t in ("addenda", "audit_events"):
        for event in ("UPDATE", "DELETE"):
            out.append(
                f"CREATE TRIGGER {t}_append_only_{event.lower()} BEFORE {event} ON {t} "
                f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END"
            )
    return out


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid, primary_key=True)


def _text(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Text, nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "meta", sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text)
    )
    op.create_table(
        "practices",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        _text("address_line1"),
        _text("address_line2"),
        _text("city"),
        _text("state"),
        _text("postal_code"),
        _text("phone"),
        sa.Column("npi", sa.String(10)),
        sa.Column("tax_id", sa.String(12)),
    )
    op.create_table(
        "clinicians",
        _id(),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("discipline", sa.String(32), nullable=False),
        _text("credentials"),
        sa.Column("npi", sa.String(10)),
        _text("license_number"),
        sa.Column("is_assistant", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "payer_profiles",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("unit_method", sa.String(32), nullable=False),
        sa.Column(
            "requires_discipline_modifier", sa.Boolean, nullable=False, server_default=sa.false()
        ),
        sa.Column("uses_kx_threshold", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("progress_report_every_visits", sa.Integer),
    )
    op.create_table(
        "patients",
        _id(),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("sex", sa.String(32), nullable=False),
        _text("phone"),
        _text("email"),
        _text("address_line1"),
        _text("address_line2"),
        _text("city"),
        _text("state"),
        _text("postal_code"),
        _text("insurance_name"),
        _text("member_id"),
        _text("group_number"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "episodes",
        _id(),
        sa.Column("patient_id", sa.Uuid, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("discipline", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("cert_start", sa.Date),
        sa.Column("cert_end", sa.Date),
        sa.Column("certified_on", sa.Date),
        _text("referring_provider"),
        sa.Column("referring_npi", sa.String(10)),
        sa.Column("frequency_per_week", sa.Integer),
        sa.Column("duration_weeks", sa.Integer),
        _text("precautions"),
        sa.Column("payer_profile_id", sa.Uuid, sa.ForeignKey("payer_profiles.id")),
        sa.Column("clinician_id", sa.Uuid, sa.ForeignKey("clinicians.id")),
        sa.Column("authorized_visits", sa.Integer),
        sa.Column("discharged_on", sa.Date),
    )
    op.create_index("ix_episodes_patient_id", "episodes", ["patient_id"])
    op.create_table(
        "diagnoses",
        _id(),
        sa.Column("episode_id", sa.Uuid, sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("laterality", sa.String(32), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("onset_date", sa.Date),
    )
    op.create_index("ix_diagnoses_episode_id", "diagnoses", ["episode_id"])
    op.create_table(
        "goals",
        _id(),
        sa.Column("episode_id", sa.Uuid, sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("term", sa.String(32), nullable=False),
        sa.Column("activity", sa.Text, nullable=False),
        _text("functional_purpose"),
        _text("measure"),
        _text("baseline"),
        _text("target"),
        _text("unit"),
        sa.Column("target_date", sa.Date),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("measure_id", sa.String(32)),
    )
    op.create_index("ix_goals_episode_id", "goals", ["episode_id"])
    op.create_table(
        "visits",
        _id(),
        sa.Column("patient_id", sa.Uuid, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("episode_id", sa.Uuid, sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("clinician_id", sa.Uuid, sa.ForeignKey("clinicians.id"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("place_of_service", sa.String(32), nullable=False),
        sa.Column("start_time", sa.Time),
        sa.Column("end_time", sa.Time),
        sa.Column("status", sa.String(32), nullable=False),
    )
    op.create_index("ix_visits_episode_id", "visits", ["episode_id"])
    op.create_index("ix_visits_patient_date", "visits", ["patient_id", "date"])
    op.create_index("ix_visits_date", "visits", ["date"])
    op.create_table(
        "notes",
        _id(),
        sa.Column("visit_id", sa.Uuid, sa.ForeignKey("visits.id"), nullable=False, unique=True),
        sa.Column("note_type", sa.String(32), nullable=False),
        _text("subjective"),
        _text("objective"),
        _text("assessment"),
        _text("plan"),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("total_treatment_minutes", sa.Integer),
        sa.Column("acknowledged", sa.Text, nullable=False, server_default="[]"),
        sa.Column("dictated_at", sa.DateTime),
        sa.Column("signed_at", sa.DateTime),
        sa.Column("signed_by", sa.Uuid),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("snapshot", sa.Text),
        sa.Column("updated_at", sa.DateTime),
    )
    op.create_index("ix_notes_status", "notes", ["status"])
    for table, extra in (
        (
            "timed_blocks",
            [sa.Column("start", sa.Time), sa.Column("stop", sa.Time), _text("goal_connection")],
        ),
        ("untimed_services", [sa.Column("minutes", sa.Integer)]),
    ):
        op.create_table(
            table,
            _id(),
            sa.Column("note_id", sa.Uuid, sa.ForeignKey("notes.id"), nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            sa.Column("code", sa.String(5), nullable=False),
            sa.Column("laterality", sa.String(32)),
            sa.Column("goal_ids", sa.Text, nullable=False, server_default="[]"),
            sa.Column("details", sa.Text, nullable=False, server_default="{}"),
            sa.Column("modifiers", sa.Text, nullable=False, server_default="[]"),
            *extra,
        )
        op.create_index(f"ix_{table}_note_id", table, ["note_id"])
    op.create_table(
        "addenda",
        _id(),
        sa.Column("note_id", sa.Uuid, sa.ForeignKey("notes.id"), nullable=False),
        sa.Column("author_id", sa.Uuid, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_addenda_note_id", "addenda", ["note_id"])
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    for sql in _triggers():
        op.execute(sql)


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
