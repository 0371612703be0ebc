"""Claims the practice files itself (issue 18): who is insured, what the payer's ids are, and
the claims written to an 837P file.

- ``InsuredRelationship``: CMS-1500 item 6 / 837P SBR02 and PAT01. ``SELF`` means the patient is
  the insured (items 4, 7 and 11a repeat the patient); anything else needs the insured's own name
  and date of birth (checked when a claim is built, not when the patient is saved).
- ``Claim``: one patient, one payer, one day of service (the unit the architecture bills, flow 7).
  ``control_number`` is CLM01, echoed by the payer in the 835's CLP01; unique in the chart and
  stable (derived from the claim's time-ordered id). Amounts are integer cents.
- ``ClaimBatch``: one 837P interchange (one payer): its ISA13/GS06 control number (unique,
  persisted, increasing) and the SHA-256 of the file written.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.errors import ValidationError
from core.domain.ids import new_id


class InsuredRelationship(StrEnum):
    """The patient's relationship to the insured (item 6); values are the 837P codes."""

    SELF = "18"
    SPOUSE = "01"
    CHILD = "19"
    OTHER = "G8"

    @property
    def label(self) -> str:
        return {"18": "Self", "01": "Spouse", "19": "Child", "G8": "Other"}[self.value]

    @classmethod
    def parse(cls, text: str) -> InsuredRelationship:
        key = text.strip().lower()
        for rel in cls:
            if key in (rel.value.lower(), rel.label.lower(), rel.name.lower()):
                return rel
        raise ValidationError(
            f"{text!r} is not a relationship to the insured.",
            field="insured_relationship", hint="Use self, spouse, child or other.")


class ClaimStatus(StrEnum):
    UNSENT = "unsent"
    SENT = "sent"
    PAID = "paid"  # paid in full or in part, no denial
    DENIED = "denied"
    # denied, then reopened to be corrected: its visits may be claimed again, and the next
    # claim of them replaces it (837P CLM05-3 = 7 with REF*F8, CMS-1500 item 22)
    REOPENED = "reopened"


# X12 5010 basic character set minus our delimiters: what an element may carry.
_X12_UNSAFE = re.compile(r"[^A-Za-z0-9 !&'()+,\-./;?=%@#$]")
_STATE = re.compile(r"^[A-Z]{2}$")


def check_state(code: str | None, *, field_name: str) -> str | None:
    """A two-letter state code upper-cased, None when empty, or a ``ValidationError``."""
    if code is None or not code.strip():
        return None
    cleaned = code.strip().upper()
    if not _STATE.match(cleaned):
        raise ValidationError(f"{code!r} is not a two-letter state code.", field=field_name)
    return cleaned


def x12_text(value: str) -> str:
    """Text made safe for an X12 element: upper case, delimiters and other characters outside
    the basic character set replaced by a space, runs of spaces collapsed."""
    return " ".join(_X12_UNSAFE.sub(" ", value).upper().split())


def control_number_for(claim_id: uuid.UUID) -> str:
    """CLM01 (≤ 20 characters): the id's 12 time-ordered hex digits and its last 8."""
    hexed = claim_id.hex.upper()
    return f"{hexed[:12]}{hexed[-8:]}"


#: Item 26 (patient's account no.) has 14 character places on the CMS-1500: a payer keys a
#: paper claim's number from there and returns it in the 835 (CLP01).
PAPER_NUMBER_LENGTH = 14


def paper_control_number_for(claim_id: uuid.UUID) -> str:
    """A paper claim's number (item 26, ≤ 14 characters): the last 14 hex digits of its id.
    In our UUIDv7s they are random bits, counted up by one for ids made in the same
    millisecond (``core.domain.ids``), so one export's claims never share one and two draws
    collide with odds of 2⁻⁵⁶ (the column is unique besides)."""
    return claim_id.hex.upper()[-PAPER_NUMBER_LENGTH:]


@dataclass(eq=False)
class Claim:
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    payer_profile_id: uuid.UUID
    service_date: dt.date
    visit_ids: tuple[uuid.UUID, ...]
    charge_cents: int
    status: ClaimStatus = ClaimStatus.UNSENT
    batch_id: uuid.UUID | None = None
    sent_at: dt.datetime | None = None
    paid_cents: int = 0
    adjustment_cents: int = 0
    patient_responsibility_cents: int = 0
    payer_claim_number: str = ""  # CLP07, the payer's own number, once remitted
    id: uuid.UUID = field(default_factory=new_id)
    control_number: str = ""
    replaces_id: uuid.UUID | None = None  # the reopened (denied) claim this one corrects

    def __post_init__(self) -> None:
        self.status = ClaimStatus(self.status)
        if not self.control_number:
            self.control_number = control_number_for(self.id)
        if self.charge_cents < 0:
            raise ValidationError("A claim's charge cannot be negative.", field="charge_cents")


    def reopen(self) -> None:
        """A denied claim set aside to be corrected and filed again (its visits become
        claimable; the next claim of them replaces this one)."""
        if self.status is not ClaimStatus.DENIED:
            raise ValidationError(
                f"Only a denied claim can be reopened for correction; this one is "
                f"{self.status.value}.", field="status",
                hint="A paid claim is corrected with the payer directly; an unsent or sent "
                     "one is still on its way.")
        self.status = ClaimStatus.REOPENED


@dataclass(eq=False)
class ClaimBatch:
    payer_profile_id: uuid.UUID
    control_number: int  # ISA13 and GS06 (9 digits)
    created_at: dt.datetime
    date_from: dt.date
    date_to: dt.date
    claims: int
    sha256: str = ""
    file_name: str = ""
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not 1 <= self.control_number <= 999_999_999:
            raise ValidationError("An interchange control number has at most 9 digits.",
                                  field="control_number")


@dataclass(eq=False)
class RemittanceItem:
    """One claim payment (CLP) of an 835 as posted: unique per trace number and claim."""

    claim_id: uuid.UUID
    trace_number: str
    payer: str
    paid_on: dt.date | None
    status: str  # CLP02
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int
    adjustments: list[list[object]]  # [[group, CARC, cents], ...]
    remarks: list[str]
    posted_at: dt.datetime
    payment_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)
