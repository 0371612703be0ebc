"""Closed vocabularies of the clinic. Values are the strings stored on disk: never rename one."""

from __future__ import annotations

from enum import StrEnum


class Discipline(StrEnum):
    PT = "PT"
    OT = "OT"
    SLP = "SLP"
    LMT = "LMT"  # licensed massage therapist (issue 18): no therapy plan of care

    @property
    def modifier(self) -> str:
        """The CMS plan-of-care modifier for claims in this discipline; "" for massage
        therapy, which is not furnished under a PT/OT/SLP plan of care."""
        return {"PT": "GP", "OT": "GO", "SLP": "GN"}.get(self.value, "")


class Laterality(StrEnum):
    RIGHT = "right"
    LEFT = "left"
    BILATERAL = "bilateral"
    UNSPECIFIED = "unspecified"
    NOT_APPLICABLE = "not_applicable"

    @property
    def is_sided(self) -> bool:
        return self in (Laterality.RIGHT, Laterality.LEFT, Laterality.BILATERAL)


class NoteType(StrEnum):
    EVALUATION = "evaluation"
    DAILY = "daily"
    PROGRESS_REPORT = "progress_report"
    RE_EVALUATION = "re_evaluation"
    DISCHARGE = "discharge"


class NoteStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    VOIDED = "voided"  # a draft started by mistake: kept and audited, never deleted or signed


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class GoalTerm(StrEnum):
    SHORT = "short"
    LONG = "long"


class GoalStatus(StrEnum):
    ONGOING = "ongoing"
    MET = "met"
    PARTIALLY_MET = "partially_met"
    NOT_MET = "not_met"
    DISCONTINUED = "discontinued"


class PlaceOfService(StrEnum):
    """CMS-1500 item 24B codes we use."""

    OFFICE = "11"
    HOME = "12"
    TELEHEALTH_NOT_HOME = "02"
    TELEHEALTH_HOME = "10"

    @property
    def is_telehealth(self) -> bool:
        return self in (PlaceOfService.TELEHEALTH_NOT_HOME, PlaceOfService.TELEHEALTH_HOME)


class TelehealthModality(StrEnum):
    """How a telehealth visit was held: the claim line's modifier (95 / 93) follows from it."""

    AUDIO_VIDEO = "audio_video"  # real-time audio and video: modifier 95
    AUDIO_ONLY = "audio_only"  # real-time audio only: modifier 93


class UnitMethod(StrEnum):
    CMS_TOTAL_TIME = "cms"
    PER_CODE = "per-code"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"
    UNKNOWN = "U"
