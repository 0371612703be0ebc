"""A claim as both outputs need it: pure assembly from a priced superbill and the chart's records.

Contract:
- ``build_claims(bill, sources, per_day=...)`` splits a superbill's lines by the payer of each
  line's episode (and, with ``per_day``, by date of service: one 837P claim per patient per
  payer per day, the unit the practice bills) into ``ClaimDraft``s. Lines of an episode without
  a payer profile or under the "cash" profile are left out: they get a superbill, not a claim.
- Diagnosis letters are re-based per claim: the claim's episode's diagnoses in plan order get
  A–L and every line's pointers (which the superbill chose by the line's side) are mapped code by
  code; so a pointer always names the same diagnosis it named on the superbill.
- ``problems(draft, for_file=...)`` lists, one item per missing fact, what stops the claim from
  going out (itemised for the user; an empty list means it can go).
Amounts are integer cents; nothing here reads storage or the clock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.domain import billing as b
from core.domain.claims import InsuredRelationship
from core.domain.enums import PlaceOfService, Sex
from core.domain.episode import Episode
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice, npi_is_valid

LETTERS = "ABCDEFGHIJKL"
MAX_LINES_PER_FORM = 6


@dataclass(frozen=True, slots=True)
class Person:
    last_name: str
    first_name: str
    date_of_birth: dt.date | None
    sex: str  # F | M | U
    address_line1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""

    @property
    def name(self) -> str:
        return f"{self.last_name}, {self.first_name}".strip(", ")


@dataclass(frozen=True, slots=True)
class ClaimLine:
    date: dt.date
    place_of_service: str
    code: str
    modifiers: tuple[str, ...]
    pointers: str  # re-based letters, at most 4
    units: int
    charge_cents: int
    rendering_npi: str | None
    rendering_taxonomy: str | None
    visit_id: uuid.UUID
    rendering_name: str = ""  # "First Last" (no credentials)
    unlisted: bool = False  # 97139, 97039, 97799: the claim must describe the service
    description: str = ""  # item 19 / 837P SV101-7, from the note's block


@dataclass(frozen=True, slots=True)
class Facility:
    """Item 32 / 837P 2310C: where the services were given when it is not the billing office."""

    name: str
    address_line1: str
    city: str
    state: str
    postal_code: str


@dataclass(frozen=True)
class ClaimDraft:
    episode_id: uuid.UUID
    payer: PayerProfile
    patient_id: uuid.UUID
    patient: Person
    insured: Person
    relationship: InsuredRelationship
    member_id: str
    group_number: str
    insured_employer: str
    practice: Practice | None
    diagnoses: tuple[tuple[str, str], ...]  # (letter, ICD-10-CM code) A–L
    lines: tuple[ClaimLine, ...]
    onset_date: dt.date | None
    employment_related: bool
    auto_accident_state: str | None
    other_accident: bool
    accident_date: dt.date | None
    prior_authorization: str
    referrer_qualifier: str
    referrer_name: str
    referrer_npi: str | None
    facility: Facility | None
    signer: str  # item 31
    paid_cents: int = 0  # item 29
    visit_ids: tuple[uuid.UUID, ...] = field(default=())
    # A corrected claim (a reopened denial): "7" (replacement of a prior claim) with the payer's
    # number of the original (837P CLM05-3 and REF*F8; CMS-1500 item 22); "" for a new claim.
    resubmission: str = ""
    original_reference: str = ""

    @property
    def charge_cents(self) -> int:
        return sum(ln.charge_cents for ln in self.lines)

    @property
    def service_date(self) -> dt.date:
        return min(ln.date for ln in self.lines)

    @property
    def is_medicare(self) -> bool:
        return self.payer.claim_filing_code == "MB" or self.payer.key == "medicare"

    @property
    def filing_code(self) -> str:
        return self.payer.claim_filing_code or ("MB" if self.payer.key == "medicare" else "CI")


@dataclass(frozen=True)
class ClaimSources:
    """The chart's records a superbill's lines point into (read by the service, passed in)."""

    patient: Patient
    practice: Practice | None
    visit_episode: Mapping[uuid.UUID, uuid.UUID]  # visit id → episode id
    visit_address: Mapping[uuid.UUID, str]  # visit id → the address seen at (home visits)
    episodes: Mapping[uuid.UUID, Episode]
    payers: Mapping[uuid.UUID, PayerProfile]  # payer profile id → profile
    clinicians: Sequence[Clinician]
    unlisted: frozenset[str] = frozenset()  # codes of the "unlisted" family
    descriptions: Mapping[tuple[uuid.UUID, str], str] = field(default_factory=dict)


def _person_of_patient(p: Patient) -> Person:
    return Person(p.last_name, p.first_name, p.date_of_birth, _sex(p.sex), p.address_line1,
                  p.city, p.state, p.postal_code, p.phone)


def _insured_of(p: Patient) -> Person:
    if InsuredRelationship(p.insured_relationship) is InsuredRelationship.SELF:
        return _person_of_patient(p)
    return Person(p.insured_last_name, p.insured_first_name, p.insured_date_of_birth,
                  _sex(p.insured_sex), p.insured_address_line1, p.insured_city,
                  p.insured_state, p.insured_postal_code)


def _sex(value: object) -> str:
    s = Sex(str(value))
    return s.value if s in (Sex.FEMALE, Sex.MALE) else "U"


def build_claims(bill: b.Superbill, src: ClaimSources, *, per_day: bool) -> list[ClaimDraft]:
    """Claims for the superbill's lines whose episode bills a stored payer (see top)."""
    groups: dict[tuple[uuid.UUID, dt.date | None], list[b.SuperbillLine]] = {}
    for line in bill.lines:
        eid = src.visit_episode.get(line.visit_id)
        if eid is None:
            continue
        pid = src.episodes[eid].payer_profile_id
        if pid is None or src.payers[pid].key == "cash":
            continue
        groups.setdefault((eid, line.date if per_day else None), []).append(line)
    by_letter = {d.letter: d.code for d in bill.diagnoses}
    taxonomy: dict[str | None, str | None] = {c.npi: c.taxonomy_code for c in src.clinicians}
    names: dict[str | None, Clinician] = {c.npi: c for c in src.clinicians if c.npi}
    out = []
    for (eid, _day), lines in sorted(groups.items(), key=lambda kv: (
            min(ln.date for ln in kv[1]), str(kv[0][0]))):
        episode = src.episodes[eid]
        payer = src.payers[episode.payer_profile_id]  # type: ignore[index]
        plan = [d.code for d in sorted(episode.diagnoses, key=lambda d: d.rank)]
        used = [by_letter[x] for ln in lines for x in ln.pointers if x in by_letter]
        codes = list(dict.fromkeys([*plan, *used]))[:12]
        letter_of = {code: LETTERS[i] for i, code in enumerate(codes)}
        claim_lines = tuple(
            ClaimLine(
                ln.date, ln.place_of_service, ln.code, ln.modifiers,
                "".join(dict.fromkeys(letter_of[by_letter[x]] for x in ln.pointers
                                      if x in by_letter and by_letter[x] in letter_of))[:4],
                ln.units, ln.charge_cents, ln.rendering_npi, taxonomy.get(ln.rendering_npi),
                ln.visit_id, _plain_name(names.get(ln.rendering_npi)), ln.code in src.unlisted,
                src.descriptions.get((ln.visit_id, ln.code), ""))
            for ln in sorted(lines, key=lambda ln: ln.date))
        primary = min(episode.diagnoses, key=lambda d: d.rank, default=None)
        p = src.patient
        first_npi = claim_lines[0].rendering_npi
        signer = names[first_npi].display_name if first_npi in names else ""
        visit_ids = tuple(dict.fromkeys(ln.visit_id for ln in claim_lines))
        out.append(ClaimDraft(
            episode_id=eid, payer=payer, patient_id=p.id, patient=_person_of_patient(p),
            insured=_insured_of(p), relationship=InsuredRelationship(p.insured_relationship),
            member_id=p.member_id.strip(), group_number=p.group_number.strip(),
            insured_employer=p.insured_employer.strip(), practice=src.practice,
            diagnoses=tuple((letter_of[c], c) for c in codes), lines=claim_lines,
            onset_date=primary.onset_date if primary else None,
            employment_related=episode.employment_related,
            auto_accident_state=episode.auto_accident_state,
            other_accident=episode.other_accident, accident_date=episode.accident_date,
            prior_authorization=episode.prior_authorization,
            referrer_qualifier=episode.referring_qualifier,
            referrer_name=episode.referring_provider.strip(),
            referrer_npi=episode.referring_npi,
            facility=_facility(claim_lines, src, payer),
            signer=signer, visit_ids=visit_ids,
        ))
    return out


def _plain_name(c: Clinician | None) -> str:
    return f"{c.first_name} {c.last_name}" if c is not None else ""


def _facility(lines: Sequence[ClaimLine], src: ClaimSources,
              payer: PayerProfile) -> Facility | None:
    """Item 32: the office for office visits; for home visits (POS 12) the address seen at
    (the visit's, else the patient's) — left blank for Medicare, whose item 32 instructions
    want no address for the patient's home."""
    pos = {ln.place_of_service for ln in lines}
    if pos == {PlaceOfService.HOME.value}:
        if payer.claim_filing_code == "MB" or payer.key == "medicare":
            return None
        text = next((src.visit_address[ln.visit_id] for ln in lines
                     if src.visit_address.get(ln.visit_id)), "")
        p = src.patient
        if text:
            return Facility("PATIENT HOME", text, "", "", "")
        return Facility("PATIENT HOME", p.address_line1, p.city, p.state, p.postal_code)
    pr = src.practice
    if pr is None or PlaceOfService.OFFICE.value not in pos:
        return None
    return Facility(pr.name, pr.address_line1, pr.city, pr.state, pr.postal_code)


def problems(draft: ClaimDraft, *, for_file: bool) -> list[str]:
    """What stops this claim from going out, one item per missing fact (see top)."""
    out: list[str] = []
    pr = draft.practice
    when = draft.service_date.isoformat()
    who = f"claim of {when}"
    if pr is None:
        out.append("The practice profile is missing (billing provider, items 25 and 33).")
    else:
        if not pr.npi:
            out.append("The practice has no NPI (item 33a; 837P billing provider NM109).")
        if not pr.tax_id:
            out.append("The practice has no tax id / EIN (item 25; 837P REF*EI).")
        if not (pr.address_line1 and pr.city and pr.state and pr.postal_code):
            out.append("The practice address is incomplete (item 33).")
        if for_file and len("".join(ch for ch in pr.postal_code if ch.isdigit())) != 9:
            out.append("The practice ZIP code needs all 9 digits (ZIP+4) in an 837P "
                       "billing provider address.")
    payer = draft.payer
    if for_file:
        if not payer.payer_id:
            out.append(f"Payer profile {payer.name!r} has no payer id (837P 2010BB).")
        if not payer.submitter_id:
            out.append(f"Payer profile {payer.name!r} has no submitter id (ISA06, 1000A).")
        if not payer.receiver_id:
            out.append(f"Payer profile {payer.name!r} has no receiver id (ISA08, 1000B).")
    if not draft.member_id:
        out.append(f"{who}: the patient has no member id (item 1a).")
    if draft.relationship is not InsuredRelationship.SELF:
        ins = draft.insured
        if not (ins.last_name and ins.first_name):
            out.append(f"{who}: the insured's name is missing (item 4).")
        if ins.date_of_birth is None:
            out.append(f"{who}: the insured's date of birth is missing (item 11a).")
    if not draft.diagnoses:
        out.append(f"{who}: the plan of care has no diagnosis (item 21).")
    for ln in draft.lines:
        if not ln.pointers:
            out.append(f"{who}: {ln.code} points to no diagnosis (24E).")
        if not ln.rendering_npi or not npi_is_valid(ln.rendering_npi):
            out.append(f"{who}: {ln.code} has no rendering provider NPI (24J).")
        if ln.charge_cents <= 0:
            out.append(f"{who}: {ln.code} has no charge (24F): set a fee.")
        if ln.unlisted and not ln.description:
            out.append(f"{who}: unlisted code {ln.code} has no description of the service "
                       "(item 19, 837P SV101-7): describe it in the note.")
    accident = draft.auto_accident_state is not None or draft.other_accident
    if accident and for_file and draft.accident_date is None:
        out.append(f"{who}: an accident is marked (item 10) without its date.")
    return list(dict.fromkeys(out))


def split_name(text: str) -> tuple[str, str]:
    """(last, first) of a typed provider name: "Last, First" or "First Last", credentials
    after a comma dropped ("Ann Lee, MD" → ("Lee", "Ann"))."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return "", ""
    parts = [p.strip() for p in cleaned.split(",")]
    creds = {"MD", "DO", "NP", "PA", "PA-C", "DPM", "DC", "PT", "DPT", "OT", "OTR", "OTR/L",
             "SLP", "CCC-SLP", "FNP", "ARNP", "APRN", "CNP"}
    if len(parts) >= 2 and not all(w.strip(".").upper() in creds for w in parts[1].split()):
        return parts[0], parts[1]
    words = parts[0].split()
    if len(words) > 1 and words[0].rstrip(".").casefold() in ("dr", "doctor"):
        words = words[1:]
    if len(words) == 1:
        return words[0], ""
    return words[-1], " ".join(words[:-1])
