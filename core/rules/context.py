"""``NoteContext``: everything outside the note that the checks need, as plain values.

Contract:
- Built by the caller (``core.services``) from storage; the rules never load anything but the
  packs. All fields are plain domain objects or values; no session, no repository.
- ``history`` holds the episode's other notes with their visits (``PriorNote`` or
  ``(note, visit)`` tuples, any order; sorted here by date and start time). It may include the
  note being checked (an audit passes the whole chart); the checks skip it by id. Notes dated
  after the visit are ignored.
- ``payer``: a pack key (``"medicare"``, ``"commercial"``, ``"cash"``) or a domain
  ``PayerProfile``. A domain profile's own fields (unit method, GP/GO/GN, KX, progress-report
  interval) win over the pack; the pack entry with the same key (else ``"commercial"``)
  supplies the rest (certification rules, payer pairs, assistant modifiers).
- ``ytd_allowed``: Medicare allowed amounts so far this calendar year *before* this visit,
  per discipline (``{"PT": Decimal("1800")}``); the rules add up the KX bucket (PT+SLP, OT).
  Empty means unknown: no KX findings. ``fee_schedule`` (allowed amount per unit per code)
  lets the rules estimate this visit's amount.
- ``day_notes``: the other notes (with their visits) dated the same day as this visit for the
  same patient (any episode) or the same clinician (any patient): the day checks look for
  overlapping clock times and count units per day over them. Empty: not known (no findings).
- ``kx_year_missing``: the caller could not price the year-to-date amounts because the
  fee-schedule pack lacks the visit's year (``kx.fee_schedule_missing`` reports it).
- ``supervisor``: the supervising therapist of an assistant's visit (the plan of care's
  therapist); under Medicare the assistant's services are billed under this NPI with CQ/CO.
- ``measures_on_day``: ids of the outcome measures scored for the episode on the visit's date
  (None: not known, no ``note.no_outcome_measure`` finding).
- ``today`` is the date deadlines are measured against (certification signature); it defaults
  to the visit date so results never depend on the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from core.domain.enums import Discipline, UnitMethod
from core.domain.episode import Episode
from core.domain.practice import Clinician, PayerProfile
from core.domain.visit import Note, Visit
from core.rules.packs import PayerRules, RulePacks, default_packs


@dataclass(frozen=True, slots=True)
class PriorNote:
    note: Note
    visit: Visit


@dataclass(frozen=True)
class NoteContext:
    visit: Visit
    episode: Episode
    payer: str | PayerProfile = "commercial"
    clinician: Clinician | None = None
    history: tuple[PriorNote, ...] = ()
    ytd_allowed: Mapping[str, Decimal] = field(default_factory=dict)
    fee_schedule: Mapping[str, Decimal] | None = None
    today: dt.date | None = None
    packs: RulePacks | None = None
    day_notes: tuple[PriorNote, ...] = ()
    kx_year_missing: bool = False
    supervisor: Clinician | None = None
    measures_on_day: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        items: Iterable[PriorNote | tuple[Note, Visit]] = self.history or ()
        prior = [p if isinstance(p, PriorNote) else PriorNote(*p) for p in items]
        prior.sort(key=lambda p: (p.visit.date, p.visit.start_time or dt.time.min))
        object.__setattr__(self, "history", tuple(prior))
        day = [p if isinstance(p, PriorNote) else PriorNote(*p) for p in self.day_notes or ()]
        object.__setattr__(self, "day_notes", tuple(day))

    @cached_property
    def rules(self) -> RulePacks:
        return self.packs or default_packs()

    @cached_property
    def payer_rules(self) -> PayerRules:
        """The effective payer rules (pack entry, overridden by a domain profile)."""
        return effective_payer_rules(self.rules, self.payer)

    @property
    def unit_method(self) -> UnitMethod:
        return self.payer_rules.unit_method

    @property
    def check_date(self) -> dt.date:
        return self.today or self.visit.date

    @property
    def discipline(self) -> Discipline | None:
        """The plan of care's discipline, else the clinician's; None when neither is known."""
        value = getattr(self.episode, "discipline", None) or getattr(
            self.clinician, "discipline", None)
        return Discipline(value) if value else None

    def ytd_bucket_amount(self) -> Decimal | None:
        """Year-to-date allowed amount of the episode's KX bucket, or None when unknown."""
        if not self.ytd_allowed or self.discipline is None:
            return None
        bucket = self.rules.kx.bucket(self.discipline)
        return sum((Decimal(self.ytd_allowed.get(str(d), 0)) for d in bucket), Decimal(0))


def effective_payer_rules(packs: RulePacks, payer: str | PayerProfile) -> PayerRules:
    if isinstance(payer, str):
        return packs.payer(payer)
    key = (payer.key.strip().lower(), payer.name, str(payer.unit_method),
           bool(payer.requires_discipline_modifier), bool(payer.uses_kx_threshold),
           payer.progress_report_every_visits)
    memo = _EFFECTIVE.get(id(packs))
    if memo is None or memo[0] is not packs:  # (the packs are held: their id is not reused)
        if len(_EFFECTIVE) > 16:
            _EFFECTIVE.clear()
        memo = _EFFECTIVE[id(packs)] = (packs, {})
    found = memo[1].get(key)
    if found is None:
        found = memo[1][key] = _effective(packs, payer)
    return found


#: packs id -> (packs, profile fields -> rules): a claim scrub builds a context per visit, and
#: ``dataclasses.replace`` per context was a measurable part of it. PayerRules are frozen.
_EFFECTIVE: dict[int, tuple[RulePacks, dict[tuple[object, ...], PayerRules]]] = {}


def _effective(packs: RulePacks, payer: PayerProfile) -> PayerRules:
    base = packs.payers.get(payer.key.strip().lower()) or packs.payer("commercial")
    return replace(
        base,
        name=payer.name,
        unit_method=UnitMethod(payer.unit_method),
        requires_discipline_modifier=payer.requires_discipline_modifier,
        uses_kx_threshold=payer.uses_kx_threshold,
        progress_report_every=payer.progress_report_every_visits,
    )


def domain_profile(packs: RulePacks | None, key: str) -> PayerProfile:
    """A new domain ``PayerProfile`` seeded from the pack entry ``key`` (for storage seeding)."""
    rules = (packs or default_packs()).payer(key)
    return PayerProfile(
        name=rules.name,
        key=rules.key,
        unit_method=rules.unit_method,
        requires_discipline_modifier=rules.requires_discipline_modifier,
        uses_kx_threshold=rules.uses_kx_threshold,
        progress_report_every_visits=rules.progress_report_every,
    )
