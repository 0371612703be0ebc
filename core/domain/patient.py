"""A patient: demographics, contact, and the insurance member id superbills need."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core.domain.claims import InsuredRelationship, check_state
from core.domain.enums import Sex
from core.domain.errors import ValidationError
from core.domain.ids import new_id


@dataclass(eq=False)
class Patient:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    sex: Sex = Sex.UNKNOWN
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    insurance_name: str = ""
    member_id: str = ""
    group_number: str = ""
    active: bool = True
    # CMS-1500 items 4, 6, 7, 11 and 11a (issue 18): the insured when it is not the patient.
    insured_relationship: InsuredRelationship = InsuredRelationship.SELF
    insured_first_name: str = ""
    insured_last_name: str = ""
    insured_date_of_birth: dt.date | None = None
    insured_sex: Sex = Sex.UNKNOWN
    insured_address_line1: str = ""
    insured_city: str = ""
    insured_state: str = ""
    insured_postal_code: str = ""
    insured_employer: str = ""  # item 11b (employer or school)
    no_reminders: bool = False  # the patient asked for no appointment reminders (issue 19)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self, today: dt.date | None = None) -> None:
        if not self.first_name.strip() or not self.last_name.strip():
            raise ValidationError("A patient needs a first and last name.", field="name")
        today = today or dt.date.today()
        if self.date_of_birth > today:
            raise ValidationError("Date of birth is in the future.", field="date_of_birth")
        if self.date_of_birth.year < 1900:
            raise ValidationError("Date of birth is before 1900.", field="date_of_birth")
        self.sex = Sex(self.sex)
        self.insured_relationship = InsuredRelationship(self.insured_relationship)
        self.insured_sex = Sex(self.insured_sex)
        if self.insured_date_of_birth and self.insured_date_of_birth > today:
            raise ValidationError("The insured's date of birth is in the future.",
                                  field="insured_date_of_birth")
        self.insured_state = check_state(self.insured_state, field_name="insured_state") or ""

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def age_on(self, day: dt.date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
