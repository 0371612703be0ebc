"""Read-only queries shaped for the desktop's screens (one call per screen refresh).

Contract:
- Plain functions taking an unlocked ``ChartSession``; each reads in one (or, for ``open_note``,
  two) units of work through the repositories' public methods. No SQL here, nothing written
  except the audited ``view`` rows that ``notes.get_note`` already writes.
- Return small frozen dataclasses or domain objects that the caller owns (safe to hand to the
  GUI thread: nothing is lazily loaded).
- Called on the desktop's database worker thread; never from the GUI thread.
- ``note_check`` runs ``core.rules.checks.check_note`` with the same context ``sign_note``
  uses, so what the editor shows is what signing will enforce.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from core.domain.enums import NoteStatus, UnitMethod
from core.domain.episode import Episode
from core.domain.errors import InvalidCode
from core.domain.practice import PayerProfile
from core.domain.schedule import AppointmentStatus
from core.domain.visit import Note, Visit
from core.rules.checks import check_note
from core.rules.context import domain_profile
from core.rules.findings import Finding
from core.rules.packs import default_packs
from core.rules.units import compute_units, note_minutes
from core.services import notes as note_services
from core.services.signing import build_context
from core.storage.chart import ChartSession


# -- patient list -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PatientListRow:
    id: uuid.UUID
    display_name: str
    date_of_birth: dt.date
    active: bool
    unsigned_notes: int
    active_episode: bool | None  # None: not computed (the filter was off)


def patient_list(
    chart: ChartSession,
    query: str = "",
    *,
    active_episode: bool = False,
    unsigned: bool = False,
    limit: int = 200,
) -> list[PatientListRow]:
    """Patients matching ``query`` (every word in "last first dob"), with unsigned-note counts.

    ``active_episode`` keeps patients with an episode not yet discharged; ``unsigned`` keeps
    patients with at least one draft note. Not audited (names only; opening a chart is).
    """
    with chart.uow() as uow:
        filtered = active_episode or unsigned
        rows = uow.patients.search(query, limit=1_000_000 if filtered else limit)
        drafts = uow.notes.counts_by_patient(NoteStatus.DRAFT.value)
        if unsigned:
            rows = [r for r in rows if drafts.get(r.id)]
        out: list[PatientListRow] = []
        window = 500  # episodes are read in bulk, one window of candidates at a time
        for start in range(0, len(rows), window):
            chunk = rows[start : start + window]
            episodes = uow.episodes.for_patients(r.id for r in chunk) if active_episode else {}
            for row in chunk:
                has_active: bool | None = None
                if active_episode:
                    has_active = any(e.is_active for e in episodes.get(row.id, []))
                    if not has_active:
                        continue
                out.append(PatientListRow(row.id, row.display_name, row.date_of_birth,
                                          row.active, drafts.get(row.id, 0), has_active))
                if len(out) >= limit:
                    return out
        return out


# -- today ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TodayVisitRow:
    visit_id: uuid.UUID | None  # None: a booked appointment with no visit yet
    patient_id: uuid.UUID
    patient_name: str
    start_time: dt.time | None
    status: str
    note_id: uuid.UUID | None
    note_type: str | None
    note_status: str | None
    appointment_id: uuid.UUID | None = None  # set for a booked appointment (issue 19)


def todays_visits(chart: ChartSession, day: dt.date) -> list[TodayVisitRow]:
    """The visits dated ``day`` and the day's booked appointments that have no visit yet
    (issue 19: the day starts in the schedule), in start-time order, with the patient's
    display name."""
    from core.services import schedule

    booked = [a for a in schedule.day(chart, day)
              if a.visit_id is None and a.status in (AppointmentStatus.BOOKED,
                                                     AppointmentStatus.ARRIVED)]
    with chart.uow() as uow:
        visits = uow.visits.rows(on=day)
        names: dict[uuid.UUID, str] = {}
        for pid in [v.patient_id for v in visits] + [a.patient_id for a in booked]:
            if pid not in names:
                names[pid] = uow.patients.get(pid).display_name
    rows = [
        TodayVisitRow(
            v.id,
            v.patient_id,
            names[v.patient_id],
            v.start_time,
            str(v.status),
            v.note_id,
            str(v.note_type) if v.note_type else None,
            str(v.note_status) if v.note_status else None,
        )
        for v in visits
    ]
    rows += [TodayVisitRow(None, a.patient_id, names[a.patient_id], a.start.time(),
                           str(a.status), None, None, None, appointment_id=a.id)
             for a in booked]
    return sorted(rows, key=lambda r: (r.start_time or dt.time.max, r.patient_name))


# -- setup ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Choice:
    id: uuid.UUID
    label: str


@dataclass(frozen=True, slots=True)
class CodeChoice:
    code: str
    label: str  # Chartside's short label
    timed: bool


@dataclass(frozen=True, slots=True)
class SetupStatus:
    practice_name: str | None
    clinicians: tuple[Choice, ...]
    current_clinician_id: uuid.UUID | None
    payers: tuple[Choice, ...]
    codes: tuple[CodeChoice, ...]

    @property
    def needs_setup(self) -> bool:
        return not self.clinicians


def setup_status(chart: ChartSession) -> SetupStatus:
    """What the app needs after unlocking: who signs, which payers, the code catalog."""
    with chart.uow() as uow:
        practice = uow.practice.get()
        clinicians = uow.clinicians.list()
        payers = uow.payers.list()
    current: uuid.UUID | None = None
    try:
        current = uuid.UUID(chart.actor)
    except ValueError:
        current = None
    if current not in {c.id for c in clinicians}:
        current = clinicians[0].id if clinicians else None
    packs = default_packs()
    return SetupStatus(
        practice_name=practice.name if practice else None,
        clinicians=tuple(Choice(c.id, c.display_name) for c in clinicians),
        current_clinician_id=current,
        payers=tuple(Choice(p.id, p.name) for p in payers),
        codes=tuple(CodeChoice(c.code, c.label, c.timed) for c in packs.codes.values()),
    )


def default_payer_profiles() -> list[PayerProfile]:
    """Fresh domain payer profiles for a new chart, one per profile in the rules pack."""
    return [domain_profile(None, key) for key in sorted(default_packs().payers)]


# -- note editor ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UnitSummary:
    method: UnitMethod
    units: dict[str, int]
    total: int
    explanation: str


@dataclass(frozen=True, slots=True)
class NoteCheck:
    note_id: uuid.UUID
    findings: tuple[Finding, ...]
    units: UnitSummary  # under the payer's method
    other_units: UnitSummary  # under the other method, for comparison
    payer_name: str


@dataclass(frozen=True, slots=True)
class PreviousExercises:
    visit_date: dt.date
    exercises: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class NoteWorkspace:
    note: Note
    visit: Visit
    episode: Episode
    patient_id: uuid.UUID
    patient_name: str
    check: NoteCheck
    previous: PreviousExercises | None
    # an assistant's visit: the therapists it may bill under (same discipline, not assistants),
    # and the plan of care's therapist, the fallback when the visit names none (issue 14)
    supervisors: tuple[Choice, ...] = ()
    plan_therapist: str = ""


def _units(note: Note, method: UnitMethod) -> UnitSummary:
    packs = default_packs()
    try:
        result = compute_units(note_minutes(note, packs, skip_unknown=True), method, packs=packs)
    except InvalidCode:  # a code vanished from the pack: the checks report it
        return UnitSummary(method, {}, 0, "")
    return UnitSummary(method, dict(result.units), result.total_units, result.explanation)


def _check(uow: Any, note: Note, today: dt.date | None) -> NoteCheck:
    context = build_context(uow, note, today=today)
    method = context.unit_method
    other = (
        UnitMethod.PER_CODE if method is UnitMethod.CMS_TOTAL_TIME else UnitMethod.CMS_TOTAL_TIME
    )
    payer = context.payer
    payer_name = payer.name if isinstance(payer, PayerProfile) else context.payer_rules.name
    return NoteCheck(
        note.id,
        tuple(check_note(note, context)),
        _units(note, method),
        _units(note, other),
        payer_name,
    )


def note_check(
    chart: ChartSession, note_id: uuid.UUID, *, today: dt.date | None = None
) -> NoteCheck:
    """Findings and units for the note as stored now (what ``sign_note`` would judge)."""
    with chart.uow() as uow:
        return _check(uow, uow.notes.get(note_id), today)


def _exercises(note: Note) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in note.ordered_blocks:
        if block.code == "97110":
            items = block.details.get("exercises")
            if isinstance(items, list):
                out.extend(copy.deepcopy(e) for e in items if isinstance(e, dict))
    return out


def previous_exercises(uow: Any, note: Note, visit: Visit) -> PreviousExercises | None:
    """The 97110 exercises of the latest earlier visit in the episode that had any."""
    ids = uow.notes.ids_for_episode(visit.episode_id)
    for other_id in reversed(ids):
        if other_id == note.id:
            continue
        other = uow.notes.get(other_id)
        other_visit = uow.visits.get(other.visit_id)
        if other_visit.date > visit.date:
            continue
        if other_visit.date == visit.date and (other_visit.start_time or dt.time.min) >= (
            visit.start_time or dt.time.max
        ):
            continue
        exercises = _exercises(other)
        if exercises:
            return PreviousExercises(other_visit.date, tuple(exercises))
    return None


def open_note(
    chart: ChartSession, note_id: uuid.UUID, *, today: dt.date | None = None
) -> NoteWorkspace:
    """Everything the note editor shows; audited as a view of the note."""
    view = note_services.get_note(chart, note_id)
    with chart.uow() as uow:
        episode = uow.episodes.get(view.visit.episode_id)
        patient = uow.patients.get(view.visit.patient_id)
        check = _check(uow, view.note, today)
        previous = previous_exercises(uow, view.note, view.visit)
        supervisors, plan_therapist = _supervisors(uow, view.visit, episode)
    return NoteWorkspace(
        view.note, view.visit, episode, patient.id, patient.display_name, check, previous,
        supervisors, plan_therapist,
    )


def _supervisors(uow: Any, visit: Visit, episode: Episode) -> tuple[tuple[Choice, ...], str]:
    """For an assistant's visit, who may supervise it (the therapists of its discipline) and
    the plan's therapist's name; nothing for a therapist's own visit."""
    clinician = uow.clinicians.get(visit.clinician_id)
    if not clinician.is_assistant:
        return (), ""
    everyone = {c.id: c for c in uow.clinicians.list()}
    choices = tuple(
        Choice(c.id, c.display_name) for c in sorted(everyone.values(), key=lambda c: (
            c.last_name, c.first_name, str(c.id)))
        if not c.is_assistant and c.discipline == clinician.discipline)
    plan = everyone.get(episode.clinician_id) if episode.clinician_id else None
    return choices, plan.display_name if plan is not None and not plan.is_assistant else ""
