"""Episode of care and its plan of care: diagnoses, goals, certification, payer profile."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core.domain import icd
from core.domain.claims import check_state
from core.domain.enums import Discipline, GoalStatus, GoalTerm, Laterality
from core.domain.errors import ValidationError
from core.domain.ids import new_id
from core.domain.practice import check_npi

MAX_DIAGNOSES = 12  # CMS-1500 item 21 letters A–L


@dataclass(eq=False)
class Diagnosis:
    """An ICD-10-CM diagnosis on a plan of care. ``rank`` orders the pointer letters A–L."""

    code: str
    description: str = ""
    laterality: Laterality = Laterality.NOT_APPLICABLE
    rank: int = 0
    onset_date: dt.date | None = None
    episode_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @classmethod
    def from_code(cls, code: str, *, rank: int = 0, onset_date: dt.date | None = None) -> Diagnosis:
        """Validate against ICD-10-CM and derive description and laterality from the code set."""
        info = icd.lookup(code)
        if not info.billable:
            raise ValidationError(
                f"{info.code} is a category, not a billable code.",
                field="code",
                hint="Pick a more specific code below it.",
            )
        return cls(
            code=info.code,
            description=info.description,
            laterality=info.laterality,
            rank=rank,
            onset_date=onset_date,
        )

    @property
    def pointer(self) -> str:
        return "ABCDEFGHIJKL"[self.rank] if 0 <= self.rank < MAX_DIAGNOSES else "?"


@dataclass(eq=False)
class Goal:
    """A measurable goal: activity + functional purpose, measured from baseline to target."""

    term: GoalTerm
    activity: str
    functional_purpose: str = ""
    measure: str = ""  # free-text measure ("feet walked", "degrees knee flexion")
    baseline: str = ""
    target: str = ""
    unit: str = ""
    target_date: dt.date | None = None
    status: GoalStatus = GoalStatus.ONGOING
    measure_id: str | None = None  # a scored outcome measure, e.g. "LEFS"
    episode_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not self.activity.strip():
            raise ValidationError("A goal needs an activity.", field="activity")
        self.term = GoalTerm(self.term)
        self.status = GoalStatus(self.status)

    @property
    def is_active(self) -> bool:
        return self.status in (GoalStatus.ONGOING, GoalStatus.PARTIALLY_MET)

    @property
    def summary(self) -> str:
        purpose = f" to {self.functional_purpose}" if self.functional_purpose else ""
        target = f" ({self.baseline} → {self.target} {self.unit})".rstrip() if self.target else ""
        return f"{self.activity}{purpose}{target}"


@dataclass(eq=False)
class Episode:
    """An episode of care under one plan of care, for one discipline."""

    patient_id: uuid.UUID
    discipline: Discipline
    start_date: dt.date
    cert_start: dt.date | None = None
    cert_end: dt.date | None = None
    certified_on: dt.date | None = None  # physician/NPP signed the plan of care
    referring_provider: str = ""
    referring_npi: str | None = None
    frequency_per_week: int | None = None
    duration_weeks: int | None = None
    precautions: str = ""
    payer_profile_id: uuid.UUID | None = None
    clinician_id: uuid.UUID | None = None
    authorized_visits: int | None = None
    discharged_on: dt.date | None = None
    # CMS-1500 items 10, 17 and 23 (issue 18). Item 14 is the primary diagnosis's onset date.
    referring_qualifier: str = "DN"  # DN referring, DK ordering, DQ supervising (item 17)
    employment_related: bool = False  # item 10a
    auto_accident_state: str | None = None  # item 10b: set when an auto accident caused it
    other_accident: bool = False  # item 10c
    accident_date: dt.date | None = None  # 837P DTP*439 when 10b or 10c
    prior_authorization: str = ""  # item 23 (837P REF*G1)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.discipline = Discipline(self.discipline)
        if self.cert_start and self.cert_end and self.cert_end < self.cert_start:
            raise ValidationError("Certification ends before it starts.", field="cert_end")
        if self.cert_start and self.cert_start < self.start_date - dt.timedelta(days=30):
            raise ValidationError(
                "Certification starts long before the episode.", field="cert_start"
            )
        if self.discharged_on and self.discharged_on < self.start_date:
            raise ValidationError("Discharge is before the episode start.", field="discharged_on")
        for name in ("frequency_per_week", "duration_weeks", "authorized_visits"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValidationError(f"{name.replace('_', ' ')} must be positive.", field=name)
        self.referring_npi = check_npi(self.referring_npi, field_name="referring_npi")
        if self.referring_qualifier not in ("DN", "DK", "DQ"):
            raise ValidationError("The referring provider qualifier is DN, DK or DQ.",
                                  field="referring_qualifier",
                                  hint="DN referring, DK ordering, DQ supervising provider.")
        self.auto_accident_state = check_state(self.auto_accident_state,
                                               field_name="auto_accident_state")
        self.prior_authorization = self.prior_authorization.strip()
        if len(self.prior_authorization) > 50:
            raise ValidationError("A prior authorization number has at most 50 characters.",
                                  field="prior_authorization")

    @property
    def is_active(self) -> bool:
        return self.discharged_on is None

    def add_diagnosis(self, diagnosis: Diagnosis) -> Diagnosis:
        if any(d.code == diagnosis.code for d in self.diagnoses):
            raise ValidationError(
                f"{diagnosis.code} is already on this plan of care.", field="code"
            )
        if len(self.diagnoses) >= MAX_DIAGNOSES:
            raise ValidationError("A claim carries at most 12 diagnoses (A–L).", field="code")
        diagnosis.rank = len(self.diagnoses)
        diagnosis.episode_id = self.id
        self.diagnoses.append(diagnosis)
        return diagnosis

    def remove_diagnosis(self, diagnosis_id: uuid.UUID) -> None:
        self.diagnoses = [d for d in self.diagnoses if d.id != diagnosis_id]
        for rank, dx in enumerate(sorted(self.diagnoses, key=lambda d: d.rank)):
            dx.rank = rank

    def add_goal(self, goal: Goal) -> Goal:
        goal.episode_id = self.id
        self.goals.append(goal)
        return goal

    def goal(self, goal_id: uuid.UUID) -> Goal:
        for g in self.goals:
            if g.id == goal_id:
                return g
        raise ValidationError("That goal is not on this plan of care.", field="goal_ids")

    @property
    def active_goals(self) -> list[Goal]:
        return [g for g in self.goals if g.is_active]

    def sided_diagnoses(self) -> list[Diagnosis]:
        return [d for d in self.diagnoses if Laterality(d.laterality).is_sided]
