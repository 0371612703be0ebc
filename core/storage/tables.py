"""The chart schema as SQLAlchemy Core tables (Alembic revisions create it; this is the latest).

Triggers that make signed notes and the audit log immutable live in ``triggers.py`` and are
installed by the migrations, so raw SQL cannot bypass them.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)

from core.domain.claims import ClaimStatus, InsuredRelationship
from core.domain.enums import (
    Discipline,
    GoalStatus,
    GoalTerm,
    Laterality,
    NoteStatus,
    NoteType,
    PlaceOfService,
    Sex,
    UnitMethod,
    VisitStatus,
)
from core.domain.inventory import LocationKind, MovementKind
from core.domain.schedule import AppointmentStatus, FeeKind
from core.storage.types import (
    EnumValue,
    IdTuple,
    JsonValue,
    Milli,
    OptionalJson,
    StrTuple,
    Uuid,
)

metadata = MetaData()


def _id() -> Column[object]:
    return Column("id", Uuid, primary_key=True)


meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text))

practices = Table(
    "practices",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("address_line1", Text, nullable=False, default=""),
    Column("address_line2", Text, nullable=False, default=""),
    Column("city", Text, nullable=False, default=""),
    Column("state", Text, nullable=False, default=""),
    Column("postal_code", Text, nullable=False, default=""),
    Column("phone", Text, nullable=False, default=""),
    Column("npi", String(10)),
    Column("tax_id", String(12)),
    Column("license_number", Text, nullable=False, default=""),
    Column("taxonomy_code", String(10)),
)

clinicians = Table(
    "clinicians",
    metadata,
    _id(),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("discipline", EnumValue(Discipline), nullable=False),
    Column("credentials", Text, nullable=False, default=""),
    Column("npi", String(10)),
    Column("license_number", Text, nullable=False, default=""),
    Column("is_assistant", Boolean, nullable=False, default=False),
    Column("taxonomy_code", String(10)),  # r0012
)

payer_profiles = Table(
    "payer_profiles",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("key", String(64), nullable=False),
    Column("unit_method", EnumValue(UnitMethod), nullable=False),
    Column("requires_discipline_modifier", Boolean, nullable=False, default=False),
    Column("uses_kx_threshold", Boolean, nullable=False, default=False),
    Column("progress_report_every_visits", Integer),
    # r0012: claim ids and address (issue 18)
    Column("payer_id", String(15), nullable=False, default=""),
    Column("submitter_id", String(15), nullable=False, default=""),
    Column("receiver_id", String(15), nullable=False, default=""),
    Column("receiver_name", Text, nullable=False, default=""),
    Column("claim_filing_code", String(2), nullable=False, default=""),
    Column("address_line1", Text, nullable=False, default=""),
    Column("city", Text, nullable=False, default=""),
    Column("state", Text, nullable=False, default=""),
    Column("postal_code", Text, nullable=False, default=""),
    Column("test_mode", Boolean, nullable=False, default=False),
)

patients = Table(
    "patients",
    metadata,
    _id(),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("sex", EnumValue(Sex), nullable=False),
    Column("phone", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("address_line1", Text, nullable=False, default=""),
    Column("address_line2", Text, nullable=False, default=""),
    Column("city", Text, nullable=False, default=""),
    Column("state", Text, nullable=False, default=""),
    Column("postal_code", Text, nullable=False, default=""),
    Column("insurance_name", Text, nullable=False, default=""),
    Column("member_id", Text, nullable=False, default=""),
    Column("group_number", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("search_key", Text, nullable=False, default=""),
    # r0012: the insured when it is not the patient (CMS-1500 items 4, 6, 7, 11)
    Column("insured_relationship", EnumValue(InsuredRelationship), nullable=False,
           default=InsuredRelationship.SELF),
    Column("insured_first_name", Text, nullable=False, default=""),
    Column("insured_last_name", Text, nullable=False, default=""),
    Column("insured_date_of_birth", Date),
    Column("insured_sex", EnumValue(Sex), nullable=False, default=Sex.UNKNOWN),
    Column("insured_address_line1", Text, nullable=False, default=""),
    Column("insured_city", Text, nullable=False, default=""),
    Column("insured_state", Text, nullable=False, default=""),
    Column("insured_postal_code", Text, nullable=False, default=""),
    Column("insured_employer", Text, nullable=False, default=""),
    # r0022 (issue 19): the patient asked for no appointment reminders
    Column("no_reminders", Boolean, nullable=False, default=False),
    Index("ix_patients_search", "search_key"),
)

episodes = Table(
    "episodes",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False, index=True),
    Column("discipline", EnumValue(Discipline), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("cert_start", Date),
    Column("cert_end", Date),
    Column("certified_on", Date),
    Column("referring_provider", Text, nullable=False, default=""),
    Column("referring_npi", String(10)),
    Column("frequency_per_week", Integer),
    Column("duration_weeks", Integer),
    Column("precautions", Text, nullable=False, default=""),
    Column("payer_profile_id", Uuid, ForeignKey("payer_profiles.id")),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id")),
    Column("authorized_visits", Integer),
    Column("discharged_on", Date),
    # r0012: claim facts (CMS-1500 items 10, 17, 23)
    Column("referring_qualifier", String(2), nullable=False, default="DN"),
    Column("employment_related", Boolean, nullable=False, default=False),
    Column("auto_accident_state", String(2)),
    Column("other_accident", Boolean, nullable=False, default=False),
    Column("accident_date", Date),
    Column("prior_authorization", Text, nullable=False, default=""),
    Index("ix_episodes_discharged_on", "discharged_on"),  # r0018: the open episodes
)

diagnoses = Table(
    "diagnoses",
    metadata,
    _id(),
    Column("episode_id", Uuid, ForeignKey("episodes.id"), nullable=False, index=True),
    Column("code", String(8), nullable=False),
    Column("description", Text, nullable=False),
    Column("laterality", EnumValue(Laterality), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("onset_date", Date),
)

goals = Table(
    "goals",
    metadata,
    _id(),
    Column("episode_id", Uuid, ForeignKey("episodes.id"), nullable=False, index=True),
    Column("term", EnumValue(GoalTerm), nullable=False),
    Column("activity", Text, nullable=False),
    Column("functional_purpose", Text, nullable=False, default=""),
    Column("measure", Text, nullable=False, default=""),
    Column("baseline", Text, nullable=False, default=""),
    Column("target", Text, nullable=False, default=""),
    Column("unit", Text, nullable=False, default=""),
    Column("target_date", Date),
    Column("status", EnumValue(GoalStatus), nullable=False),
    Column("measure_id", String(32)),
)

visits = Table(
    "visits",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("episode_id", Uuid, ForeignKey("episodes.id"), nullable=False, index=True),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("place_of_service", EnumValue(PlaceOfService), nullable=False),
    Column("start_time", Time),
    Column("end_time", Time),
    Column("status", EnumValue(VisitStatus), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("telehealth_modality", String(12)),
    Column("supervisor_id", Uuid, ForeignKey("clinicians.id")),
    Index("ix_visits_patient_date", "patient_id", "date"),
    Index("ix_visits_date", "date"),
)

notes = Table(
    "notes",
    metadata,
    _id(),
    Column("visit_id", Uuid, ForeignKey("visits.id"), nullable=False, unique=True),
    Column("note_type", EnumValue(NoteType), nullable=False),
    Column("subjective", Text, nullable=False, default=""),
    Column("objective", Text, nullable=False, default=""),
    Column("assessment", Text, nullable=False, default=""),
    Column("plan", Text, nullable=False, default=""),
    Column("status", EnumValue(NoteStatus), nullable=False),
    Column("total_treatment_minutes", Integer),
    Column("acknowledged", JsonValue, nullable=False),
    Column("supplies", OptionalJson),  # issue 20: NULL = the usage templates decide
    Column("body_marks", OptionalJson),  # issue 18: the body diagram; NULL = no marks
    Column("dictated_at", DateTime),
    Column("signed_at", DateTime),
    Column("signed_by", Uuid),
    Column("content_hash", String(64)),
    Column("snapshot", Text),
    Column("updated_at", DateTime),
    Index("ix_notes_status_visit", "status", "visit_id"),  # r0018 (was ix_notes_status)
)

timed_blocks = Table(
    "timed_blocks",
    metadata,
    _id(),
    Column("note_id", Uuid, ForeignKey("notes.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("code", String(5), nullable=False),
    Column("start", Time),
    Column("stop", Time),
    Column("goal_ids", IdTuple, nullable=False),
    Column("laterality", EnumValue(Laterality)),
    Column("details", JsonValue, nullable=False),
    Column("goal_connection", Text, nullable=False, default=""),
    Column("modifiers", StrTuple, nullable=False),
)

untimed_services = Table(
    "untimed_services",
    metadata,
    _id(),
    Column("note_id", Uuid, ForeignKey("notes.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("code", String(5), nullable=False),
    Column("laterality", EnumValue(Laterality)),
    Column("goal_ids", IdTuple, nullable=False),
    Column("details", JsonValue, nullable=False),
    Column("modifiers", StrTuple, nullable=False),
    Column("minutes", Integer),
)

addenda = Table(
    "addenda",
    metadata,
    _id(),
    Column("note_id", Uuid, ForeignKey("notes.id"), nullable=False, index=True),
    Column("author_id", Uuid, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("device", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- r0011: tamper seals (issue 15) -----------------------------------------------------------
# A keyed MAC of each signed note's content hash, written on this device when the note is
# signed or received; local only (never synced: the key is this chart's). See core/storage/seals.py.
note_seals = Table(
    "note_seals",
    metadata,
    Column("note_id", Uuid, ForeignKey("notes.id"), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    Column("sealed_at", String(32), nullable=False),
)

# --- r0003: money, measures, the road --------------------------------------------------------
# Amounts are integer cents. Each feature's repository lives in its own module
# (repos_billing.py, repos_measures.py, repos_books.py); the unit of work exposes each one.

fee_schedule = Table(
    "fee_schedule",
    metadata,
    _id(),
    Column("code", String(5), nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),
    Column("payer_profile_id", Uuid, ForeignKey("payer_profiles.id")),
    Index("ix_fee_schedule_code", "code", "effective_from"),
)

payments = Table(
    "payments",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False, index=True),
    Column("date", Date, nullable=False),
    Column("amount_cents", Integer, nullable=False),  # refunds are negative
    Column("kind", String(16), nullable=False),  # payment | refund | package
    Column("method", String(16), nullable=False),  # cash | card | check | hsa | insurance | other
    Column("reference", Text, nullable=False, default=""),
    Column("visit_id", Uuid, ForeignKey("visits.id")),
    Column("memo", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)

packages = Table(
    "packages",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("visits_total", Integer, nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("purchased_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("payment_id", Uuid, ForeignKey("payments.id")),
    Column("covered_codes", StrTuple),  # r0020 (issue 14): NULL or [] = every code
)

package_uses = Table(
    "package_uses",
    metadata,
    _id(),
    Column("package_id", Uuid, ForeignKey("packages.id"), nullable=False, index=True),
    Column("visit_id", Uuid, ForeignKey("visits.id"), nullable=False, unique=True),
    Column("used_on", Date, nullable=False),
)

measure_scores = Table(
    "measure_scores",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("episode_id", Uuid, ForeignKey("episodes.id")),
    Column("note_id", Uuid, ForeignKey("notes.id")),
    Column("measure_id", String(32), nullable=False),
    Column("date", Date, nullable=False),
    Column("responses", JsonValue, nullable=False),  # numbers only, never item wording
    Column("value", Float),
    Column("scale", String(32), nullable=False, default=""),
    Column("band", Text, nullable=False, default=""),
    Column("unit", String(16), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Index("ix_measure_scores_patient", "patient_id", "measure_id", "date"),
)

mileage_entries = Table(
    "mileage_entries",
    metadata,
    _id(),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False),
    Column("visit_id", Uuid, ForeignKey("visits.id")),
    Column("patient_id", Uuid, ForeignKey("patients.id")),
    Column("date", Date, nullable=False),
    Column("odometer_start", Float),
    Column("odometer_end", Float),
    Column("miles", Float, nullable=False),
    Column("from_label", Text, nullable=False, default=""),
    Column("to_label", Text, nullable=False, default=""),
    Column("purpose", Text, nullable=False, default=""),
    Column("vehicle", Text, nullable=False, default=""),
    Index("ix_mileage_date", "date"),
)

clock_entries = Table(
    "clock_entries",
    metadata,
    _id(),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # visit | documentation | travel | admin
    Column("visit_id", Uuid, ForeignKey("visits.id")),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("memo", Text, nullable=False, default=""),
    Index("ix_clock_started", "clinician_id", "started_at"),
)

practice_assets = Table(
    "practice_assets",
    metadata,
    Column("name", String(32), primary_key=True),  # "logo"
    Column("content_type", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# --- r0004: record versions and the sync outbox ----------------------------------------------

record_versions = Table(
    "record_versions",
    metadata,
    Column("version_id", Uuid, primary_key=True),
    Column("change_id", Uuid, nullable=False, unique=True),
    Column("record_id", Uuid, nullable=False, index=True),
    Column("entity", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_ids", IdTuple, nullable=False),
    Column("payload", Text, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("server_seq", Integer),
)

# r0024: the ids the sync server knows a version and its record by (core.sync.wireids); set
# when a version is first sealed or pulled. Transport state beside the immutable versions.
record_wire_ids = Table(
    "record_wire_ids",
    metadata,
    Column("version_id", Uuid, primary_key=True),
    Column("wire_id", Uuid, nullable=False, unique=True),
    Column("wire_record", Uuid, nullable=False),
    sqlite_with_rowid=False,  # keyed by the version: no second copy of the key
)

record_heads = Table(
    "record_heads",
    metadata,
    Column("record_id", Uuid, primary_key=True),
    Column("entity", String(32), nullable=False),
    Column("heads", IdTuple, nullable=False),
)

sync_outbox = Table(
    "sync_outbox",
    metadata,
    Column("change_id", Uuid, primary_key=True),
    Column("version_id", Uuid, ForeignKey("record_versions.version_id"), nullable=False,
           index=True),  # r0008: every save joins on it (outbox._unsent_drafts)
    Column("created_at", DateTime, nullable=False),
    Column("ciphertext", LargeBinary),
    Column("nonce", LargeBinary),
    Column("key_id", String(64)),
    Column("acked_seq", Integer),
    Index("ix_sync_outbox_pending", "acked_seq"),
)

# --- r0005: the sync client (core.sync; all SQL in core/storage/sync_store.py) ----------------
# Settings, the device token, the practice sync key and the pull cursor live in ``meta``.

sync_batches = Table(
    "sync_batches",
    metadata,
    Column("batch_id", Uuid, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("body", LargeBinary),  # exact request bytes until the response is recorded
    Column("response", LargeBinary),  # exact response bytes, once recorded
    Column("recorded_at", DateTime),
    Column("sends", Integer, nullable=False, default=0),
)

sync_change_state = Table(
    "sync_change_state",
    metadata,
    Column("change_id", Uuid, primary_key=True),
    Column("batch_id", Uuid, index=True),  # the open batch that carries it, if any
    Column("status", String(16), nullable=False),  # in_batch | retry | rejected | stuck
    Column("detail", String(32), nullable=False, default=""),  # the server's per-change status
    Column("attempts", Integer, nullable=False, default=0),
    Column("salvaged", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime, nullable=False),
)

sync_conflicts = Table(
    "sync_conflicts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("record_id", Uuid, nullable=False, index=True),
    Column("entity", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # draft | sign_race | fields
    Column("local_head", Uuid),
    Column("heads", IdTuple, nullable=False),
    Column("detail", Text, nullable=False, default=""),  # field names only, never values
    Column("detected_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("resolution", String(16)),  # local | remote | merged | superseded | noted
    Column("merge_version_id", Uuid),
)

sync_addendum_drafts = Table(
    "sync_addendum_drafts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("note_id", Uuid, nullable=False, index=True),
    Column("source_version_id", Uuid, nullable=False, unique=True),
    Column("reason", String(32), nullable=False),  # note_signed | concurrent_edit | sign_race
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | filed | dismissed
    Column("addendum_id", Uuid),
    Column("created_at", DateTime, nullable=False),
)

# --- r0006: dictation recordings (core/storage/repos_recordings.py; never synced) -------------
# ``sealed`` is ``scribe.seal_recording``'s XChaCha20-Poly1305 blob, bound to the recording and
# note ids; ``key`` is its per-recording key, kept only inside this encrypted chart. Erasing
# sets both to NULL and stamps ``deleted_at`` (crypto-erase); the row stays for the audit log.

recordings = Table(
    "recordings",
    metadata,
    _id(),
    Column("note_id", Uuid, ForeignKey("notes.id"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),  # when it was dictated (UTC)
    Column("duration_s", Float, nullable=False),
    Column("sample_rate", Integer, nullable=False),
    Column("sealed", LargeBinary),
    Column("key", LargeBinary),
    Column("deleted_at", DateTime),
)

# --- r0012: claims the practice files (issue 18; core/storage/repos_claims.py) ----------------
# A claim is one patient's day of service under one payer; a batch is one 837P interchange.

claim_batches = Table(
    "claim_batches",
    metadata,
    _id(),
    Column("payer_profile_id", Uuid, ForeignKey("payer_profiles.id"), nullable=False),
    Column("control_number", Integer, nullable=False, unique=True),  # ISA13 / GS06
    Column("created_at", DateTime, nullable=False),
    Column("date_from", Date, nullable=False),
    Column("date_to", Date, nullable=False),
    Column("claims", Integer, nullable=False),
    Column("sha256", String(64), nullable=False, default=""),
    Column("file_name", Text, nullable=False, default=""),
)

claims = Table(
    "claims",
    metadata,
    _id(),
    Column("control_number", String(20), nullable=False, unique=True),  # CLM01 = 835 CLP01
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False, index=True),
    Column("episode_id", Uuid, ForeignKey("episodes.id"), nullable=False),
    Column("payer_profile_id", Uuid, ForeignKey("payer_profiles.id"), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("visit_ids", IdTuple, nullable=False),
    Column("charge_cents", Integer, nullable=False),
    Column("status", EnumValue(ClaimStatus), nullable=False),
    Column("batch_id", Uuid, ForeignKey("claim_batches.id")),
    Column("sent_at", DateTime),
    Column("paid_cents", Integer, nullable=False, default=0),
    Column("adjustment_cents", Integer, nullable=False, default=0),
    Column("patient_responsibility_cents", Integer, nullable=False, default=0),
    Column("payer_claim_number", Text, nullable=False, default=""),
    Column("replaces_id", Uuid),  # r0026: the reopened denied claim this one corrects
    Index("ix_claims_service_date", "service_date"),
)

# --- r0013: 835 remittances posted to claims (issue 18) ----------------------------------------
# Unique per (trace number, claim): importing the same 835 twice changes nothing.

remittance_items = Table(
    "remittance_items",
    metadata,
    _id(),
    Column("claim_id", Uuid, ForeignKey("claims.id"), nullable=False, index=True),
    Column("trace_number", String(50), nullable=False),
    Column("payer", Text, nullable=False),
    Column("paid_on", Date),
    Column("status", String(2), nullable=False),
    Column("charge_cents", Integer, nullable=False),
    Column("paid_cents", Integer, nullable=False),
    Column("patient_responsibility_cents", Integer, nullable=False),
    Column("adjustments", JsonValue, nullable=False),  # [[group, carc, cents], ...]
    Column("remarks", JsonValue, nullable=False),  # [rarc, ...]
    Column("payment_id", Uuid, ForeignKey("payments.id")),
    Column("posted_at", DateTime, nullable=False),
    UniqueConstraint("trace_number", "claim_id", name="uq_remittance_trace_claim"),
)

# --- r0014: good-faith estimates kept with the episode (issue 18) -------------------------------

estimates = Table(
    "estimates",
    metadata,
    _id(),
    Column("episode_id", Uuid, ForeignKey("episodes.id"), nullable=False, index=True),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("visits", Integer, nullable=False),
    Column("lines", JsonValue, nullable=False),  # [{code, label, units, visits, fee, total}]
    Column("diagnoses", JsonValue, nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("pdf", LargeBinary, nullable=False),
)

# --- r0015: supplies inventory (issue 20) -------------------------------------------------------
# Quantities are exact thousandths (``Milli``). ``stock_movements`` is an append-only ledger
# (the services only insert; a correction is an adjustment): on hand is derived, never stored.
# A note's template usage has the id ``core.rules.inventory.usage_id(note, item)``.

inventory_locations = Table(
    "inventory_locations",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("kind", EnumValue(LocationKind), nullable=False),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id")),
)

inventory_items = Table(
    "inventory_items",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("unit", String(8), nullable=False),
    Column("category", Text, nullable=False, default=""),
    Column("reorder_point", Milli, nullable=False, default=0),
    Column("reorder_quantity", Milli, nullable=False, default=0),
    Column("unit_cost_cents", Integer, nullable=False, default=0),
    Column("hcpcs", String(5)),
    Column("active", Boolean, nullable=False, default=True),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    _id(),
    Column("item_id", Uuid, ForeignKey("inventory_items.id"), nullable=False),
    Column("kind", EnumValue(MovementKind), nullable=False),
    Column("quantity", Milli, nullable=False),
    Column("location_id", Uuid, ForeignKey("inventory_locations.id"), nullable=False),
    Column("to_location_id", Uuid, ForeignKey("inventory_locations.id")),
    Column("at", DateTime, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("unit_cost_cents", Integer),
    Column("note_id", Uuid, ForeignKey("notes.id")),
    Index("ix_stock_movements_item", "item_id", "at"),
)

usage_templates = Table(
    "usage_templates",
    metadata,
    _id(),
    Column("key", String(40), nullable=False, unique=True),  # a CPT code or a service type
    Column("lines", JsonValue, nullable=False),  # [[item_id, quantity text, unit], ...]
)

# --- r0016: the schedule (issue 19) ---------------------------------------------------------------
# Appointments in local wall-clock time; a recurring series keeps its RFC 5545 rule and the
# occurrences cancelled one by one; a moved or cancelled occurrence is an appointment with
# ``series_id`` and ``original_start``. Working hours, blocked time and the waitlist per clinician.

appointment_series = Table(
    "appointment_series",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False),
    Column("start", DateTime, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("rule", Text, nullable=False),
    Column("service", String(40), nullable=False),
    Column("place", EnumValue(PlaceOfService), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("excluded", JsonValue, nullable=False),  # ["2026-12-07T09:00:00", ...]
)

appointments = Table(
    "appointments",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False),
    Column("start", DateTime, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("service", String(40), nullable=False),
    Column("place", EnumValue(PlaceOfService), nullable=False),
    Column("address", Text, nullable=False, default=""),
    Column("status", EnumValue(AppointmentStatus), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("series_id", Uuid, ForeignKey("appointment_series.id")),
    Column("original_start", DateTime),
    Column("visit_id", Uuid, ForeignKey("visits.id")),
    Index("ix_appointments_start", "start"),
)

working_hours = Table(
    "working_hours",
    metadata,
    _id(),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False, unique=True),
    Column("days", JsonValue, nullable=False),  # 7 lists of [start, end] times
)

schedule_blocks = Table(
    "schedule_blocks",
    metadata,
    _id(),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id"), nullable=False),
    Column("start", DateTime, nullable=False),
    Column("end", DateTime, nullable=False),
    Column("label", Text, nullable=False),
)

waitlist = Table(
    "waitlist",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("service", String(40), nullable=False),
    Column("since", DateTime, nullable=False),
    Column("clinician_id", Uuid, ForeignKey("clinicians.id")),
    Column("weekdays", JsonValue, nullable=False),
    Column("earliest", Time, nullable=False),
    Column("latest", Time, nullable=False),
)


# --- r0019: appointment reminders (issue 19) ------------------------------------------------------
# One row per reminder sent (its id derived from appointment, start and channel, so every device
# records the same one); no message text. ``appointment_id`` is not a foreign key: a reminder
# for an occurrence of a series names the occurrence's derived id before it is ever stored.

# r0021 (issue 19): a late-cancellation or no-show fee, one per appointment (id derived from it);
# a charge on the patient's ledger beside the visits'.
appointment_fees = Table(
    "appointment_fees",
    metadata,
    _id(),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False, index=True),
    Column("appointment_id", Uuid, nullable=False, unique=True),
    Column("date", Date, nullable=False),
    Column("kind", EnumValue(FeeKind), nullable=False),
    Column("amount_cents", Integer, nullable=False),
)

appointment_reminders = Table(
    "appointment_reminders",
    metadata,
    _id(),
    Column("appointment_id", Uuid, nullable=False, index=True),
    Column("patient_id", Uuid, ForeignKey("patients.id"), nullable=False),
    Column("appointment_start", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("channel", String(16), nullable=False),
)
