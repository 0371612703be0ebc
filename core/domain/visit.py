"""A visit and its note: S/O/A/P text, timed blocks with their own clock times, untimed services.

Units are never stored: they are derived from each block's start/stop by ``core.rules.units``.
A signed note is frozen: every mutator calls ``ensure_editable`` first, and the database has a
trigger that refuses the UPDATE anyway. Corrections are ``Addendum`` rows, append-only.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from core.domain.body import MAX_MARKS, BodyMark, marks_of
from core.domain.enums import (
    Laterality,
    NoteStatus,
    NoteType,
    PlaceOfService,
    TelehealthModality,
    VisitStatus,
)
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.domain.ids import new_id

_CODE_RE = re.compile(r"^(\d{5}|[A-Z]\d{4})$")
SECTIONS = ("subjective", "objective", "assessment", "plan")
VOID_REASONS = (
    "Started by mistake",
    "Wrong patient",
    "Duplicate note",
    "Visit did not take place",
)  # fixed choices: the reason goes into the audit log, which must stay free of PHI
MIN_ACK_REASON_CHARS = 4  # letters or digits in a warning's acknowledgement ("ok" says nothing)
MAX_ACK_REASON_CHARS = 300
_MODIFIERS = {"59", "XE", "XS", "XP", "XU", "KX", "CQ", "CO", "GP", "GO", "GN", "RT", "LT", "50"}


def check_procedure_code(code: str) -> str:
    """CPT (5 digits) or HCPCS level II (letter + 4 digits); raises ``ValidationError``."""
    cleaned = (code or "").strip().upper()
    if not _CODE_RE.match(cleaned):
        raise ValidationError(
            f"{code!r} is not a procedure code.",
            field="code",
            hint="Use a code like 97110 or G0283.",
        )
    return cleaned


def minutes_between(start: dt.time, stop: dt.time) -> int:
    """Whole minutes from ``start`` to ``stop`` on the same day (negative if stop is earlier)."""
    s = start.hour * 60 + start.minute
    e = stop.hour * 60 + stop.minute
    return e - s


@dataclass(eq=False)
class Visit:
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    clinician_id: uuid.UUID
    date: dt.date
    place_of_service: PlaceOfService = PlaceOfService.OFFICE
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    status: VisitStatus = VisitStatus.SCHEDULED
    address: str = ""  # home visits (POS 12): where the clinician went, one line
    telehealth_modality: TelehealthModality | None = None  # telehealth visits (POS 02/10)
    # the supervising PT/OT of an assistant's (PTA/COTA) visit: Medicare bills it under them
    supervisor_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.place_of_service = PlaceOfService(self.place_of_service)
        self.status = VisitStatus(self.status)
        self.address = " ".join(self.address.split())
        if len(self.address) > 200:
            raise ValidationError("The visit address is longer than 200 characters.",
                                  field="address")
        if self.place_of_service is not PlaceOfService.HOME:
            self.address = ""  # only a home visit has an address of its own
        if self.place_of_service.is_telehealth:
            if self.telehealth_modality is not None:
                self.telehealth_modality = TelehealthModality(self.telehealth_modality)
        else:
            self.telehealth_modality = None
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError("The visit ends before it starts.", field="end_time")

    @property
    def minutes(self) -> int | None:
        if self.start_time and self.end_time:
            return minutes_between(self.start_time, self.end_time)
        return None


@dataclass(eq=False)
class TimedBlock:
    """One timed service with its own clock times, goal links, side and code-specific details."""

    code: str
    start: dt.time | None = None
    stop: dt.time | None = None
    goal_ids: tuple[uuid.UUID, ...] = ()
    laterality: Laterality | None = None
    details: dict[str, Any] = field(default_factory=dict)
    goal_connection: str = ""  # "… to improve stair climbing (LTG 1)"
    modifiers: tuple[str, ...] = ()  # chosen by the clinician when the rules prompt (59, X{EPSU})
    position: int = 0
    note_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.code = check_procedure_code(self.code)
        self.goal_ids = tuple(self.goal_ids)
        self.modifiers = _check_modifiers(self.modifiers)
        if self.laterality is not None:
            self.laterality = Laterality(self.laterality)

    @property
    def minutes(self) -> int | None:
        """Minutes from start to stop, or None while either time is missing."""
        if self.start is None or self.stop is None:
            return None
        return minutes_between(self.start, self.stop)

    def overlaps(self, other: TimedBlock) -> bool:
        if None in (self.start, self.stop, other.start, other.stop):
            return False
        assert self.start and self.stop and other.start and other.stop
        return self.start < other.stop and other.start < self.stop


@dataclass(eq=False)
class UntimedService:
    """A service billed once per visit regardless of time (evaluations, 97010, G0283, 92507…)."""

    code: str
    laterality: Laterality | None = None
    goal_ids: tuple[uuid.UUID, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    modifiers: tuple[str, ...] = ()
    minutes: int | None = None  # documented for total treatment time
    position: int = 0
    note_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.code = check_procedure_code(self.code)
        self.goal_ids = tuple(self.goal_ids)
        self.modifiers = _check_modifiers(self.modifiers)
        if self.laterality is not None:
            self.laterality = Laterality(self.laterality)
        if self.minutes is not None and self.minutes < 0:
            raise ValidationError("Minutes cannot be negative.", field="minutes")


@dataclass(eq=False)
class Addendum:
    """Append-only correction or late entry on a signed note."""

    note_id: uuid.UUID
    author_id: uuid.UUID
    text: str
    created_at: dt.datetime
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValidationError("An addendum needs text.", field="text")


@dataclass(frozen=True, slots=True)
class AcknowledgedWarning:
    finding_id: str
    reason: str


def ack_reason_problem(reason: str) -> str | None:
    """Why ``reason`` cannot acknowledge a warning, or None when it can (the sign dialog
    and ``Note.acknowledge`` share this)."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        return "Say why the warning does not apply."
    if sum(ch.isalnum() for ch in cleaned) < MIN_ACK_REASON_CHARS:
        return (f"The reason {cleaned!r} is too short: say in a few words why the warning "
                f"does not apply (at least {MIN_ACK_REASON_CHARS} letters or digits).")
    if len(cleaned) > MAX_ACK_REASON_CHARS:
        return (f"The reason is {len(cleaned)} characters long; keep it to "
                f"{MAX_ACK_REASON_CHARS} (the note's sections hold the detail).")
    return None


def _check_modifiers(mods: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    out = tuple(m.strip().upper() for m in mods)
    for m in out:
        if m not in _MODIFIERS:
            raise ValidationError(f"{m!r} is not a modifier Chartside uses.", field="modifiers")
    if "59" in out and any(m.startswith("X") for m in out):
        raise ValidationError("Use 59 or an X modifier, never both.", field="modifiers")
    return out


@dataclass(eq=False)
class Note:
    visit_id: uuid.UUID
    note_type: NoteType = NoteType.DAILY
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    status: NoteStatus = NoteStatus.DRAFT
    total_treatment_minutes: int | None = None
    blocks: list[TimedBlock] = field(default_factory=list)
    untimed: list[UntimedService] = field(default_factory=list)
    addenda: list[Addendum] = field(default_factory=list)
    acknowledged: list[dict[str, str]] = field(default_factory=list)
    # supplies this note uses (issue 20): None = what the usage templates give for its codes;
    # a list ({"item_id", "quantity"} in the item's unit) = as the clinician set it on the note.
    # Frozen at signing to what signing recorded, so the signed note says what it used.
    supplies: list[dict[str, str]] | None = None
    # the body diagram (issue 18): findings marked on a front/back outline, as
    # ``core.domain.body.BodyMark.to_dict`` dicts in the order they were placed; None = none
    body_marks: list[dict[str, Any]] | None = None
    dictated_at: dt.datetime | None = None
    signed_at: dt.datetime | None = None
    signed_by: uuid.UUID | None = None
    content_hash: str | None = None
    snapshot: str | None = None  # canonical JSON frozen at signing
    updated_at: dt.datetime | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.note_type = NoteType(self.note_type)
        self.status = NoteStatus(self.status)

    # -- guards --------------------------------------------------------------------------
    @property
    def is_signed(self) -> bool:
        return NoteStatus(self.status) is NoteStatus.SIGNED

    @property
    def is_voided(self) -> bool:
        return NoteStatus(self.status) is NoteStatus.VOIDED

    def ensure_editable(self) -> None:
        if self.is_signed:
            raise SignedNoteImmutable(
                "This note is signed and cannot change.", hint="Add an addendum instead."
            )
        if self.is_voided:
            raise ValidationError(
                "This note was voided and cannot change.",
                field="status",
                hint="Start a new note for the visit.",
            )

    def void(self, reason: str) -> None:
        """Set a draft aside for good (started by mistake…): it stays on file, read-only, never
        signed or billed. ``reason`` is one of ``VOID_REASONS``."""
        self.ensure_editable()
        if reason not in VOID_REASONS:
            raise ValidationError(
                f"Choose why the note is voided: {', '.join(VOID_REASONS)}.", field="reason"
            )
        self.status = NoteStatus.VOIDED

    # -- text ----------------------------------------------------------------------------
    def set_section(self, section: str, text: str) -> None:
        self.ensure_editable()
        if section not in SECTIONS:
            raise ValidationError(f"Unknown note section {section!r}.", field=section)
        setattr(self, section, text)

    def set_total_treatment_minutes(self, minutes: int | None) -> None:
        self.ensure_editable()
        if minutes is not None and minutes < 0:
            raise ValidationError("Minutes cannot be negative.", field="total_treatment_minutes")
        self.total_treatment_minutes = minutes

    # -- blocks --------------------------------------------------------------------------
    def add_block(self, block: TimedBlock) -> TimedBlock:
        self.ensure_editable()
        block.note_id = self.id
        block.position = max((b.position for b in self.blocks), default=-1) + 1
        self.blocks.append(block)
        return block

    def block(self, block_id: uuid.UUID) -> TimedBlock:
        for b in self.blocks:
            if b.id == block_id:
                return b
        raise ValidationError("That timed block is not on this note.", field="blocks")

    def update_block(self, block_id: uuid.UUID, **changes: Any) -> TimedBlock:
        """Change fields of one block; the whole change is validated before anything is applied."""
        self.ensure_editable()
        current = self.block(block_id)
        allowed = {
            "code",
            "start",
            "stop",
            "goal_ids",
            "laterality",
            "details",
            "goal_connection",
            "modifiers",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} on a block.")
        values = {k: getattr(current, k) for k in allowed} | changes
        checked = TimedBlock(**values)  # validates
        for key in changes:
            setattr(current, key, getattr(checked, key))
        return current

    def remove_block(self, block_id: uuid.UUID) -> None:
        self.ensure_editable()
        self.block(block_id)
        self.blocks = [b for b in self.blocks if b.id != block_id]

    def add_untimed(self, service: UntimedService) -> UntimedService:
        self.ensure_editable()
        service.note_id = self.id
        service.position = max((s.position for s in self.untimed), default=-1) + 1
        self.untimed.append(service)
        return service

    def update_untimed(self, service_id: uuid.UUID, **changes: Any) -> UntimedService:
        """Change fields of one untimed service, validated as a whole before applying."""
        self.ensure_editable()
        current = next((s for s in self.untimed if s.id == service_id), None)
        if current is None:
            raise ValidationError("That service is not on this note.", field="untimed")
        allowed = {"code", "laterality", "goal_ids", "details", "modifiers", "minutes"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} on a service.")
        values = {k: getattr(current, k) for k in allowed} | changes
        checked = UntimedService(**values)
        for key in changes:
            setattr(current, key, getattr(checked, key))
        return current

    def remove_untimed(self, service_id: uuid.UUID) -> None:
        self.ensure_editable()
        self.untimed = [s for s in self.untimed if s.id != service_id]

    def acknowledge(self, finding_id: str, reason: str) -> None:
        """Keep the clinician's reason why warning ``finding_id`` (an id, or ``id@block``)
        does not stop this note; the reason is part of the signed note."""
        self.ensure_editable()
        cleaned = " ".join(reason.split())
        problem = ack_reason_problem(cleaned)
        if problem:
            raise ValidationError(problem, field="reason")
        finding_id = finding_id.strip()
        if not finding_id:
            raise ValidationError("Name the warning to acknowledge.", field="finding_id")
        rest = [a for a in self.acknowledged if a["finding_id"] != finding_id]
        self.acknowledged = [*rest, {"finding_id": finding_id, "reason": cleaned}]

    def set_supplies(self, supplies: list[dict[str, str]] | None) -> None:
        """The supplies this note uses (validated by ``core.services.note_supplies``);
        ``None`` goes back to what the usage templates give."""
        self.ensure_editable()
        self.supplies = None if supplies is None else [dict(s) for s in supplies]

    # -- body diagram ----------------------------------------------------------------------
    @property
    def marks(self) -> list[BodyMark]:
        return marks_of(self.body_marks)

    def add_body_mark(self, mark: BodyMark) -> BodyMark:
        self.ensure_editable()
        current = self.marks
        if len(current) >= MAX_MARKS:
            raise ValidationError(f"A note keeps at most {MAX_MARKS} body diagram marks.",
                                  field="body_marks")
        if any(m.id == mark.id for m in current):
            raise ValidationError("That mark is already on the note.", field="body_marks")
        self.body_marks = [*(m.to_dict() for m in current), mark.to_dict()]
        return mark

    def remove_body_mark(self, mark_id: str) -> None:
        self.ensure_editable()
        current = self.marks
        kept = [m for m in current if m.id != mark_id]
        if len(kept) == len(current):
            raise ValidationError("That mark is not on this note.", field="body_marks")
        self.body_marks = [m.to_dict() for m in kept] or None

    @property
    def ordered_blocks(self) -> list[TimedBlock]:
        return sorted(self.blocks, key=lambda b: (b.start or dt.time.max, b.position))

    @property
    def total_timed_minutes(self) -> int:
        return sum(m for b in self.blocks if (m := b.minutes) is not None and m > 0)

    # -- signing -------------------------------------------------------------------------
    def mark_signed(
        self, *, by: uuid.UUID, at: dt.datetime, snapshot: str, content_hash: str
    ) -> None:
        """Freeze the note. Callers (``core.services.notes.sign_note``) run the checks first."""
        self.ensure_editable()
        self.status = NoteStatus.SIGNED
        self.signed_by = by
        self.signed_at = at
        self.snapshot = snapshot
        self.content_hash = content_hash

    def add_addendum(self, addendum: Addendum) -> Addendum:
        if not self.is_signed:
            raise ValidationError("Edit the draft directly; addenda are for signed notes.")
        addendum.note_id = self.id
        self.addenda.append(addendum)
        return addendum
