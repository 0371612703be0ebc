"""Claims the practice files itself (issue 18): claim facts, payer ids, claims and 837P batches.

Revision ID: r0012
Revises: r0011

- ``patients``: the insured when it is not the patient (CMS-1500 items 4, 6, 7, 11, 11a, 11b;
  837P SBR02/PAT01 and 2010BA). Existing patients are their own insured (relationship 18).
- ``episodes``: items 10a–c (employment, auto accident with its state, other accident) with the
  accident date (837P DTP*439), item 17's qualifier (DN referring by default), item 23 prior
  authorization. Item 14 is the primary diagnosis's onset date (``diagnoses.onset_date``).
- ``clinicians.taxonomy_code``: 24J shaded (ZZ) and the 837P rendering provider's PRV.
- ``payer_profiles``: the clearinghouse's payer id, submitter and receiver ids, SBR09 claim
  filing indicator, the payer's claims address and test/production mode (ISA15).
- ``claim_batches`` (one 837P interchange: ISA13/GS06 unique and persisted, the file's SHA-256)
  and ``claims`` (one patient's day under one payer; CLM01 unique, status and remittance).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0012"
down_revision = "r0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TABLE ADD COLUMN in place: a batch rebuild of ``patients`` would drop and recreate a
    # table every other table references.
    op.execute("ALTER TABLE patients ADD COLUMN insured_relationship VARCHAR NOT NULL "
               "DEFAULT '18'")
    op.execute("ALTER TABLE patients ADD COLUMN insured_date_of_birth DATE")
    op.execute("ALTER TABLE patients ADD COLUMN insured_sex VARCHAR NOT NULL DEFAULT 'U'")
    for name in ("insured_first_name", "insured_last_name", "insured_address_line1",
                 "insured_city", "insured_state", "insured_postal_code", "insured_employer"):
        op.execute(f"ALTER TABLE patients ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE episodes ADD COLUMN referring_qualifier VARCHAR(2) NOT NULL "
               "DEFAULT 'DN'")
    op.execute("ALTER TABLE episodes ADD COLUMN employment_related BOOLEAN NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE episodes ADD COLUMN auto_accident_state VARCHAR(2)")
    op.execute("ALTER TABLE episodes ADD COLUMN other_accident BOOLEAN NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE episodes ADD COLUMN accident_date DATE")
    op.execute("ALTER TABLE episodes ADD COLUMN prior_authorization TEXT NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE clinicians ADD COLUMN taxonomy_code VARCHAR(10)")
    for name, kind in (("payer_id", "VARCHAR(15)"), ("submitter_id", "VARCHAR(15)"),
                       ("receiver_id", "VARCHAR(15)"), ("receiver_name", "TEXT"),
                       ("claim_filing_code", "VARCHAR(2)"), ("address_line1", "TEXT"),
                       ("city", "TEXT"), ("state", "TEXT"), ("postal_code", "TEXT")):
        op.execute(f"ALTER TABLE payer_profiles ADD COLUMN {name} {kind} NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE payer_profiles ADD COLUMN test_mode BOOLEAN NOT NULL DEFAULT 0")
    op.create_table(
        "claim_batches",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("payer_profile_id", sa.Uuid(), sa.ForeignKey("payer_profiles.id"),
                  nullable=False),
        sa.Column("control_number", sa.Integer(), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("control_number", sa.String(20), nullable=False, unique=True),
        sa.Column("patient_id", sa.Uuid(), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("episode_id", sa.Uuid(), sa.ForeignKey("episodes.id"), nullable=False),
        sa.Column("payer_profile_id", sa.Uuid(), sa.ForeignKey("payer_profiles.id"),
                  nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("visit_ids", sa.Text(), nullable=False),
        sa.Column("charge_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), sa.ForeignKey("claim_batches.id")),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("adjustment_cents", sa.Integer(), nullable=False),
        sa.Column("patient_responsibility_cents", sa.Integer(), nullable=False),
        sa.Column("payer_claim_number", sa.Text(), nullable=False),
    )
    op.create_index("ix_claims_patient_id", "claims", ["patient_id"])
    op.create_index("ix_claims_service_date", "claims", ["service_date"])


def downgrade() -> None:
    raise NotImplementedError("Charts are never downgraded; restore the pre-upgrade backup.")
