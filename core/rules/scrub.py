"""The claim scrub: what would get a superbill's claim denied (billing.md §7), before export.

Contract:
- ``scrub(bill, facts) -> list[Finding]`` is pure. Findings reuse ``core.rules.findings.Finding``
  (id, severity, message, field, fix) with ids from ``SCRUB_CATALOG`` (prefix ``scrub.``), so the
  desktop shows them like note findings. Order: the catalog's order, then line order.
- Pure: the superbill and the facts are gathered by ``core.services.superbill_gather``; tests
  call ``scrub`` with plain values (tests/unit/rules/test_scrub.py).
- ``block`` findings stop the export unless the user overrides with a reason; the override is
  audited with the finding ids (``core.services.superbill``). ``warn`` and ``info`` never stop it.
- ``clean_override_reason`` strips the patient's identifiers and long numbers from the reason,
  collapses whitespace and truncates to 200 characters: it goes in the audit detail.
- Finding messages name codes, dates of service and clinicians, never the patient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from core.domain.billing import POS_LABELS, Superbill
from core.domain.errors import ChartsideError, NotFound
from core.domain.patient import Patient
from core.rules.findings import Finding, FindingSpec, Severity
from core.rules.mue import default_mue

REASON_MAX = 200


class ScrubBlocked(ChartsideError):
    """Blocking scrub findings stand and no override reason was given. CLI exit code 8."""

    exit_code = 8

    def __init__(self, message: str, findings: Iterable[Finding] = ()) -> None:
        super().__init__(
            message, hint="Fix them, or override with a reason (it is written to the audit log)."
        )
        self.findings = list(findings)


class ClaimRouteRequired(ChartsideError):
    """The payer requires the practice to file the claim (Medicare): no patient superbill,
    whatever the override. CLI exit code 8."""

    exit_code = 8


CLAIM_ROUTE = "a Medicare claim filed by the practice (CMS-1500 or 837P)"


class NothingToBill(NotFound):
    """No signed visit in what was asked for."""


def _spec(id_: str, severity: str, summary: str) -> tuple[str, FindingSpec]:
    return id_, FindingSpec(id_, Severity(severity), summary)


SCRUB_CATALOG: Mapping[str, FindingSpec] = dict(
    [
        _spec("scrub.claim_route_required", "block",
              "The payer requires a claim from the practice, never a patient superbill."),
        _spec("scrub.cert_expired", "block", "Services after the certified plan of care."),
        _spec("scrub.cert_unsigned", "block", "Plan unsigned by the physician past its grace."),
        _spec("scrub.practice_missing", "block", "No practice details (items 25, 32, 33)."),
        _spec("scrub.billing_npi_missing", "block", "No billing/group NPI (item 33a)."),
        _spec("scrub.billing_npi_individual", "warn", "No group NPI: the individual NPI bills."),
        _spec("scrub.ein_missing", "block", "No EIN/tax id (item 25)."),
        _spec("scrub.rendering_npi_missing", "block", "A rendering clinician has no NPI (24J)."),
        _spec("scrub.license_missing", "warn", "A rendering clinician has no license number."),
        _spec("scrub.referring_missing", "block", "The payer needs the referring provider (17)."),
        _spec("scrub.referring_npi_missing", "block", "The payer needs the referring NPI (17b)."),
        _spec("scrub.member_id_missing", "warn", "The patient has no member id (item 1a)."),
        _spec("scrub.too_many_diagnoses", "block", "More than 12 diagnoses (item 21, A–L)."),
        _spec("scrub.pos_missing", "block", "A line has no valid place of service (24B)."),
        _spec("scrub.pointer_missing", "block", "A line has no diagnosis pointer (24E)."),
        _spec("scrub.addon_without_parent", "block", "97130 billed without 97129 that day."),
        _spec("scrub.code_unknown", "block", "A signed note has a code the catalog lacks."),
        _spec("scrub.fee_missing", "warn", "No fee on file for a code: charged $0."),
        _spec("scrub.supply_fee_missing", "warn",
              "A billable supply has no fee on file: left off, not a $0 line."),
        _spec("scrub.modifiers_truncated", "warn", "More than 4 modifiers: extras dropped."),
        _spec("scrub.zero_units", "info", "A timed code earned 0 units: left off, not billed."),
        _spec("scrub.bundled", "info", "The payer never pays this code separately: left off."),
        _spec("scrub.unsigned_excluded", "info", "Unsigned notes were left out."),
        _spec("scrub.units_above_mue", "block", "Units of a code on a day exceed its MUE."),
        _spec("scrub.day_combined", "info", "Several visits on one day billed as one day."),
        _spec("scrub.kx_fee_schedule_missing", "warn",
              "No Medicare fee schedule for a year: KX not decided."),
    ]
)


def scrub_finding(id_: str, message: str, field: str, fix: str) -> Finding:
    spec = SCRUB_CATALOG[id_]
    return Finding(spec.id, spec.severity, message, field, fix)


@dataclass(frozen=True, slots=True)
class LeftOff:
    """A documented service that is not billed, and why (for the scrub's explanation)."""

    date: str
    code: str
    reason: str  # "zero_units" | "bundled" | "unknown" | "no_fee" (a supply)
    explanation: str = ""


@dataclass(frozen=True)
class ScrubFacts:
    """What the scrub needs beyond the superbill itself."""

    practice_missing: bool = False
    referrer_required: bool = False  # the payer needs the referring/certifying provider
    referrer_npi_missing: tuple[str, ...] = ()  # referrer names without an NPI
    referrer_missing: bool = False
    too_many_diagnoses: int = 0  # how many diagnoses the visits carry when > 12
    left_off: tuple[LeftOff, ...] = ()
    drafts_excluded: int = 0
    modifiers_truncated: tuple[str, ...] = field(default_factory=tuple)  # "date code"
    days_combined: tuple[tuple[str, str], ...] = ()  # (date, explanation) of multi-visit days
    claim_route_payers: tuple[str, ...] = ()  # payers with mandatory claim submission
    kx_fee_schedule_missing: tuple[int, ...] = ()  # years the fee-schedule pack lacks
    cert_expired: tuple[str, ...] = ()  # "date (certified through date)" of services after it
    cert_unsigned: tuple[str, ...] = ()  # "plan start (deadline)" of plans still unsigned


def scrub(bill: Superbill, facts: ScrubFacts) -> list[Finding]:
    out: list[Finding] = []
    add = out.append
    for name in facts.claim_route_payers:
        add(scrub_finding(
            "scrub.claim_route_required",
            f"{name}: the practice must file the claim (mandatory claim submission, Social "
            "Security Act §1848(g)(4)); a Medicare patient never gets a superbill to submit "
            "and is never billed the practice fee.", "payer",
            f"Bill it as {CLAIM_ROUTE}; the patient owes only the deductible and coinsurance."))
    if facts.practice_missing:
        add(scrub_finding("scrub.practice_missing", "The chart has no practice details.",
                          "practice", "Enter the practice name, address, NPI and EIN in Settings."))
    else:
        if not bill.provider.npi:
            with_npi = [r for r in bill.renderers if r.npi]
            if len(bill.renderers) == 1 and with_npi:
                add(scrub_finding(
                    "scrub.billing_npi_individual",
                    f"The practice has no group NPI; {with_npi[0].name}'s NPI is the billing NPI.",
                    "practice.npi", "Add the group NPI in Settings if the practice has one."))
            else:
                add(scrub_finding("scrub.billing_npi_missing", "The practice has no group NPI.",
                                  "practice.npi", "Add the group (type 2) NPI in Settings."))
        if not bill.provider.tax_id:
            add(scrub_finding("scrub.ein_missing", "The practice has no EIN (tax id).",
                              "practice.tax_id", "Add the EIN in Settings."))
    for r in bill.renderers:
        if not r.npi:
            add(scrub_finding("scrub.rendering_npi_missing", f"{r.name} has no NPI.",
                              "clinician.npi", "Add the clinician's individual NPI in Settings."))
        if not r.license_number.strip():
            add(scrub_finding("scrub.license_missing", f"{r.name} has no license number.",
                              "clinician.license_number", "Add the state license number."))
    if facts.referrer_required and facts.referrer_missing:
        add(scrub_finding("scrub.referring_missing",
                          "This payer needs the referring/certifying provider.",
                          "episode.referring_provider", "Enter the referring provider."))
    for name in facts.referrer_npi_missing:
        if facts.referrer_required:
            add(scrub_finding("scrub.referring_npi_missing", f"{name} has no NPI on the plan.",
                              "episode.referring_npi", "Enter the referring provider's NPI."))
    if not bill.patient.member_id.strip():
        add(scrub_finding("scrub.member_id_missing", "The patient has no insurance member id.",
                          "patient.member_id", "Add it from the insurance card."))
    if facts.too_many_diagnoses:
        add(scrub_finding(
            "scrub.too_many_diagnoses",
            f"The visits carry {facts.too_many_diagnoses} diagnoses; a claim holds 12.",
            "diagnoses", "Make a superbill for a shorter period or one plan of care."))
    for i, line in enumerate(bill.lines):
        where = f"lines[{i}]"
        if line.place_of_service not in POS_LABELS:
            add(scrub_finding("scrub.pos_missing", f"{line.code} on {line.date} has no place "
                              "of service.", where, "Set the visit's place of service."))
        if not line.pointers:
            add(scrub_finding("scrub.pointer_missing", f"{line.code} on {line.date} points to no "
                              "diagnosis.", where, "Add a diagnosis to the plan of care."))
    days: dict[str, set[str]] = {}
    for line in bill.lines:
        days.setdefault(line.date.isoformat(), set()).add(line.code)
    for day, codes in sorted(days.items()):
        if "97130" in codes and "97129" not in codes:
            add(scrub_finding("scrub.addon_without_parent", f"97130 on {day} without 97129.",
                              "lines", "Bill the first 15 minutes as 97129."))
    for item in facts.left_off:
        if item.reason == "unknown":
            add(scrub_finding("scrub.code_unknown", f"{item.code} on {item.date} is not in the "
                              "code catalog; it was left off.", "lines",
                              "Update the rules pack, or add an addendum correcting the code."))
    for i, line in enumerate(bill.lines):
        if line.fee_cents is None:
            add(scrub_finding("scrub.fee_missing", f"No fee for {line.code} on {line.date}; "
                              "charged $0.", f"lines[{i}]", "Add the code to the fee schedule."))
    for where in facts.modifiers_truncated:
        add(scrub_finding("scrub.modifiers_truncated", f"{where}: more than 4 modifiers.",
                          "lines", "Check the line's modifiers."))
    for item in facts.left_off:
        if item.reason == "zero_units":
            add(scrub_finding("scrub.zero_units",
                              f"{item.code} on {item.date} earned 0 units and is not billed. "
                              f"{item.explanation}".strip(),
                              "lines", "Nothing to fix: it stays documented in the note."))
        elif item.reason == "no_fee":  # a billable supply (issue 20): never a $0 line
            add(scrub_finding("scrub.supply_fee_missing",
                              f"{item.code} ({item.explanation}) used on {item.date} has no fee "
                              "in the fee schedule; it was left off the bill.", "lines",
                              f"Add {item.code} to the fee schedule to bill the supply."))
        elif item.reason == "bundled":
            add(scrub_finding("scrub.bundled", f"{item.code} on {item.date} is never paid "
                              "separately by this payer; it is not billed.", "lines",
                              "Nothing to fix: it stays documented in the note."))
    _mue(bill, add)
    for what in facts.cert_expired:
        add(scrub_finding(
            "scrub.cert_expired", f"Service on {what}: after the certified plan of care "
            "(Pub. 100-02 Ch. 15 §220.1).", "episode.cert_end",
            "Get the plan recertified (signed) for these dates before billing them."))
    for what in facts.cert_unsigned:
        add(scrub_finding(
            "scrub.cert_unsigned", f"The plan of care starting {what} is still not signed by "
            "the physician/NPP, past its grace period (Pub. 100-02 Ch. 15 §220.1.3).",
            "episode.certified_on", "Get the signature (document the delay), then bill."))
    for year in facts.kx_fee_schedule_missing:
        add(scrub_finding(
            "scrub.kx_fee_schedule_missing",
            f"The Medicare fee-schedule pack has no amounts for {year}: KX could not be "
            "decided from allowed amounts.", "lines",
            "Install the rules update for that year (resources/rules/pfs.json)."))
    for day, explanation in facts.days_combined:
        add(scrub_finding("scrub.day_combined", f"{day}: {explanation}", "lines",
                          "Nothing to fix: Medicare and most payers price a day, not a visit."))
    if facts.drafts_excluded:
        n = facts.drafts_excluded
        add(scrub_finding("scrub.unsigned_excluded",
                          f"{n} visit{'s' if n != 1 else ''} with an unsigned note left out.",
                          "notes", "Sign the notes, then make the superbill again."))
    return out


def _mue(bill: Superbill, add: Callable[[Finding], None]) -> None:
    """Units per code per day above the MUE pack's ceiling (``core.rules.mue``)."""
    days: dict[tuple[str, str], int] = {}
    for line in bill.lines:
        key = (line.date.isoformat(), line.code)
        days[key] = days.get(key, 0) + line.units
    pack = default_mue()
    for (day, code), units in days.items():
        value = pack.ceiling(code)
        if value is None or units <= value.units:
            continue
        checked = "" if value.verified else " (MUE value not yet checked against the CMS file)"
        add(scrub_finding(
            "scrub.units_above_mue",
            f"{code} on {day}: {units} units, above the medically unlikely edit of "
            f"{value.units}{checked}.", "lines",
            "Check the block times in the notes (addendum); units above the MUE are denied."))


_SPACES = re.compile(r"\s+")
_LONG_NUMBER = re.compile(r"\d[\d\-/ ]{5,}\d")


def clean_override_reason(reason: str | None, patient: Patient | None = None) -> str:
    """The reason without the patient's name, DOB, member id, phone or long numbers, on one
    line, at most ``REASON_MAX`` characters. Empty when nothing usable is left."""
    text = _SPACES.sub(" ", (reason or "").replace(";", ",")).strip()
    if patient is not None:
        dob = patient.date_of_birth
        words = [
            patient.first_name, patient.last_name, patient.member_id, patient.group_number,
            patient.phone, patient.email, dob.isoformat(), dob.strftime("%m/%d/%Y"),
            f"{dob.month}/{dob.day}/{dob.year}",
        ]
        for word in sorted({w.strip() for w in words if w and len(w.strip()) > 1}, key=len,
                           reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[redacted]", text, flags=re.I)
    text = _LONG_NUMBER.sub("[number]", text)
    return text[:REASON_MAX].strip()
