"""The practice, its clinicians and the payer profiles its episodes bill under."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from core.domain.enums import Discipline, UnitMethod
from core.domain.errors import ValidationError
from core.domain.ids import new_id

_NPI_RE = re.compile(r"^\d{10}$")
_EIN_RE = re.compile(r"^\d{2}-?\d{7}$")
# NUCC health care provider taxonomy: 10 characters ending in X (225100000X physical therapist,
# 225X00000X occupational therapist, 235Z00000X speech-language pathologist).
_TAXONOMY_RE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")


def check_taxonomy(code: str | None) -> str | None:
    """The taxonomy code upper-cased, None when empty, or a ``ValidationError``."""
    if code is None or not code.strip():
        return None
    cleaned = code.strip().upper()
    if not _TAXONOMY_RE.match(cleaned):
        raise ValidationError(
            f"{code!r} is not a provider taxonomy code.",
            field="taxonomy_code",
            hint="A taxonomy code has 10 characters ending in X, e.g. 225100000X (PT).",
        )
    return cleaned


def npi_is_valid(npi: str) -> bool:
    """NPI check digit: Luhn over the number prefixed with the card-issuer constant 80840."""
    if not _NPI_RE.match(npi or ""):
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def check_npi(npi: str | None, *, field_name: str = "npi") -> str | None:
    """Return the NPI cleaned of spaces, or raise a ``ValidationError`` naming the field."""
    if npi is None or not npi.strip():
        return None
    cleaned = npi.replace(" ", "").strip()
    if not npi_is_valid(cleaned):
        raise ValidationError(
            f"{npi!r} is not a valid NPI.",
            field=field_name,
            hint="An NPI has 10 digits with a check digit.",
        )
    return cleaned


@dataclass(eq=False)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""

    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, f"{self.state} {self.postal_code}".strip()]
        return ", ".join(p for p in parts if p)


@dataclass(eq=False)
class Practice:
    name: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""
    npi: str | None = None  # group (type 2) NPI
    tax_id: str | None = None  # EIN
    license_number: str = ""  # the practice's (facility) licence, where the state issues one
    taxonomy_code: str | None = None  # NUCC taxonomy, CMS-1500 item 33b (qualifier ZZ)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not self.name.strip():
            raise ValidationError("The practice needs a name.", field="name")
        self.name = self.name.strip()
        self.npi = check_npi(self.npi)
        if self.tax_id is not None and not self.tax_id.strip():
            self.tax_id = None
        if self.tax_id and not _EIN_RE.match(self.tax_id.strip()):
            raise ValidationError("A tax id (EIN) looks like 12-3456789.", field="tax_id")
        if self.tax_id:
            digits = self.tax_id.replace("-", "").strip()
            self.tax_id = f"{digits[:2]}-{digits[2:]}"
        self.license_number = self.license_number.strip()
        self.taxonomy_code = check_taxonomy(self.taxonomy_code)


@dataclass(eq=False)
class Clinician:
    first_name: str
    last_name: str
    discipline: Discipline
    credentials: str = ""  # e.g. "PT, DPT"
    npi: str | None = None
    license_number: str = ""
    is_assistant: bool = False  # PTA / COTA: CQ/CO modifiers apply
    taxonomy_code: str | None = None  # 24J shaded (ZZ) and the 837P rendering PRV (issue 18)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not self.first_name.strip() or not self.last_name.strip():
            raise ValidationError("A clinician needs a first and last name.", field="name")
        self.discipline = Discipline(self.discipline)
        self.npi = check_npi(self.npi)
        self.taxonomy_code = check_taxonomy(self.taxonomy_code)

    @property
    def display_name(self) -> str:
        creds = f", {self.credentials}" if self.credentials else ""
        return f"{self.first_name} {self.last_name}{creds}"


@dataclass(eq=False)
class PayerProfile:
    """How one payer wants therapy billed. ``key`` names a profile in the resources pack."""

    name: str
    key: str  # e.g. "medicare", "commercial", "cash"
    unit_method: UnitMethod = UnitMethod.PER_CODE
    requires_discipline_modifier: bool = False
    uses_kx_threshold: bool = False
    progress_report_every_visits: int | None = None
    # Claims the practice files (issue 18): the ids its clearinghouse gave it for this payer.
    payer_id: str = ""  # 837P 2010BB NM109 (the clearinghouse's payer id)
    submitter_id: str = ""  # ISA06 and 1000A NM109: the practice as the clearinghouse knows it
    receiver_id: str = ""  # ISA08 and 1000B NM109: the clearinghouse
    receiver_name: str = ""  # 1000B NM103
    claim_filing_code: str = ""  # SBR09 (MB Medicare Part B, CI commercial, BL, MC, WC, …)
    address_line1: str = ""  # the payer's claims address: top of the CMS-1500, 2010BB N3/N4
    city: str = ""
    state: str = ""
    postal_code: str = ""
    test_mode: bool = False  # ISA15 "T" until the clearinghouse approves production files
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.key.strip():
            raise ValidationError("A payer profile needs a name and a key.", field="name")
        self.unit_method = UnitMethod(self.unit_method)
        for name in ("payer_id", "submitter_id", "receiver_id"):
            value = getattr(self, name).strip()
            if len(value) > 15 or any(c in value for c in "*:~^"):
                raise ValidationError(
                    f"The {name.replace('_', ' ')} has at most 15 characters and no * : ~ ^.",
                    field=name)
            setattr(self, name, value)
        self.claim_filing_code = self.claim_filing_code.strip().upper()
        if self.claim_filing_code and self.claim_filing_code not in CLAIM_FILING_CODES:
            raise ValidationError(
                f"{self.claim_filing_code!r} is not a claim filing indicator.",
                field="claim_filing_code",
                hint="E.g. MB (Medicare Part B), MC (Medicaid), CI (commercial), BL (Blue "
                     "Cross/Blue Shield), HM (HMO), WC (workers' comp), AM (auto).")
        if self.state.strip():
            self.state = self.state.strip().upper()
            if len(self.state) != 2 or not self.state.isalpha():
                raise ValidationError(f"{self.state!r} is not a two-letter state code.",
                                      field="state")


# 837P SBR09 claim filing indicator codes (005010X222A1) the form's item 1 maps from.
CLAIM_FILING_CODES = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM", "LM",
    "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ",
})
