"""CMS-1500 (02/12) contents: which text goes in which item, page by page (pure).

Contract:
- ``layout()`` is the box table (``resources/claims/cms1500_0212.json``, with its source): per
  item its grid line, column and width (10 characters per inch, 6 lines per inch), the six
  service rows and the outlines of the plain form.
- ``form_pages(draft, issued_on)`` returns one ``FormPage`` per 6 service lines (a 7th line
  starts a continuation form; every page repeats the header items and carries its own item 28
  total, so each page stands alone; item 29 on the first page only). Text is upper-cased and
  cut to the item's width; dates are MM DD YY in 24A and MM DD YYYY elsewhere.
- Items filled: payer address, 1, 1a, 2–7, 10a–c, 11, 11a, 11b (employer), 11c, 11d, 12, 13, 14
  (qualifier 431, the primary diagnosis's onset), 17 (qualifier, name) and 17b, 19 (unlisted
  code descriptions: the note's, or given), 21 (indicator 0, A–L), 23, 24A–J (24I/J shaded: ZZ
  and the rendering taxonomy), 25, 26, 27, 28, 29, 31, 32, 33, 33a, 33b (ZZ taxonomy).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from core.domain.claims import InsuredRelationship
from core.rules.claims.model import MAX_LINES_PER_FORM, ClaimDraft

_INSURANCE_TYPE = {"MB": "1_medicare", "MA": "1_medicare", "MC": "1_medicaid",
                   "CH": "1_tricare", "VA": "1_champva", "FI": "1_feca"}
_RELATIONSHIP = {InsuredRelationship.SELF: "6_self", InsuredRelationship.SPOUSE: "6_spouse",
                 InsuredRelationship.CHILD: "6_child", InsuredRelationship.OTHER: "6_other"}


@dataclass(frozen=True, slots=True)
class Placed:
    """One item's text at its grid position (line and column are 1-based)."""

    key: str
    line: int
    col: int
    text: str


@dataclass(frozen=True)
class FormPage:
    number: int  # 1-based
    of: int
    items: tuple[Placed, ...]

    def text(self, key: str) -> str:
        return next((p.text for p in self.items if p.key == key), "")


@lru_cache(maxsize=1)
def layout() -> dict[str, Any]:
    raw = resources.files("resources.claims").joinpath("cms1500_0212.json")
    data: dict[str, Any] = json.loads(raw.read_text(encoding="utf-8"))
    return data


def _date(d: dt.date | None, *, long: bool = True) -> str:
    if d is None:
        return ""
    return d.strftime("%m %d %Y" if long else "%m %d %y")


def _money(cents: int) -> str:
    """Dollars and cents split by a space where the form's dollar/cent divider is."""
    return f"{cents // 100:>5d} {cents % 100:02d}"


def _phone(text: str) -> tuple[str, str]:
    digits = "".join(c for c in text if c.isdigit())[-10:]
    if len(digits) != 10:
        return "", text.strip()
    return digits[:3], f"{digits[3:6]}-{digits[6:]}"


class _Page:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = layout()["fields"]
        self.items: list[Placed] = []

    def put(self, key: str, value: str | None) -> None:
        if not value:
            return
        line, col, width = self.fields[key]
        self.items.append(Placed(key, line, col, value.upper()[:width]))

    def at(self, key: str, line: int, col: int, width: int, value: str | None) -> None:
        if value:
            self.items.append(Placed(key, line, col, value.upper()[:width]))

    def check(self, key: str, on: bool = True) -> None:
        if on:
            self.put(key, "X")


def form_pages(draft: ClaimDraft, issued_on: dt.date, *,
               descriptions: dict[str, str] | None = None, account: str | None = None
               ) -> list[FormPage]:
    """The pages of one claim (see top). ``descriptions``: unlisted code → item 19 text;
    ``account``: item 26, the claim's number when it is filed on paper (else the patient's
    account: the first 14 hex digits of the patient's id)."""
    lines = list(draft.lines)
    chunks = [lines[i:i + MAX_LINES_PER_FORM]
              for i in range(0, len(lines), MAX_LINES_PER_FORM)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        pg = _Page()
        _header(pg, draft, issued_on, descriptions or {}, account)
        _service_rows(pg, chunk)
        pg.put("28", _money(sum(ln.charge_cents for ln in chunk)))
        if n == 1 and draft.paid_cents:
            pg.put("29", _money(draft.paid_cents))
        pages.append(FormPage(n, len(chunks), tuple(pg.items)))
    return pages


def _header(pg: _Page, d: ClaimDraft, issued_on: dt.date, descriptions: dict[str, str],
            account: str | None = None) -> None:
    payer = d.payer
    pg.put("payer_name", payer.name)
    pg.put("payer_street", payer.address_line1)
    city = ", ".join(x for x in (payer.city, f"{payer.state} {payer.postal_code}".strip()) if x)
    pg.put("payer_city_state_zip", city)
    pg.check(_INSURANCE_TYPE.get(d.filing_code, "1_group" if d.filing_code in (
        "BL", "CI", "HM", "12", "13", "14", "15", "16", "17") else "1_other"))
    pg.put("1a", d.member_id)
    pt, ins = d.patient, d.insured
    pg.put("2", pt.name)
    if pt.date_of_birth:
        pg.put("3_mm", f"{pt.date_of_birth:%m}")
        pg.put("3_dd", f"{pt.date_of_birth:%d}")
        pg.put("3_yy", f"{pt.date_of_birth:%Y}")
    pg.check("3_m", pt.sex == "M")
    pg.check("3_f", pt.sex == "F")
    pg.put("4", ins.name)
    pg.put("5_street", pt.address_line1)
    pg.put("5_city", pt.city)
    pg.put("5_state", pt.state)
    pg.put("5_zip", pt.postal_code)
    area, number = _phone(pt.phone)
    pg.put("5_area", area)
    pg.put("5_phone", number)
    pg.check(_RELATIONSHIP[d.relationship])
    pg.put("7_street", ins.address_line1)
    pg.put("7_city", ins.city)
    pg.put("7_state", ins.state)
    pg.put("7_zip", ins.postal_code)
    # Item 11: Medicare primary wants NONE when no insurance is primary to Medicare.
    pg.put("11", "NONE" if d.is_medicare and not d.group_number else d.group_number)
    pg.check("10a_yes", d.employment_related)
    pg.check("10a_no", not d.employment_related)
    pg.check("10b_yes", d.auto_accident_state is not None)
    pg.check("10b_no", d.auto_accident_state is None)
    pg.put("10b_state", d.auto_accident_state)
    pg.check("10c_yes", d.other_accident)
    pg.check("10c_no", not d.other_accident)
    if ins.date_of_birth and not d.is_medicare:
        pg.put("11a_mm", f"{ins.date_of_birth:%m}")
        pg.put("11a_dd", f"{ins.date_of_birth:%d}")
        pg.put("11a_yy", f"{ins.date_of_birth:%Y}")
        pg.check("11a_m", ins.sex == "M")
        pg.check("11a_f", ins.sex == "F")
    pg.put("11b", d.insured_employer)
    if not d.is_medicare:
        pg.put("11c", payer.name)
        pg.check("11d_no")
    pg.put("12", "SIGNATURE ON FILE")
    pg.put("13", "SIGNATURE ON FILE")
    if d.onset_date:
        pg.put("14_mm", f"{d.onset_date:%m}")
        pg.put("14_dd", f"{d.onset_date:%d}")
        pg.put("14_yy", f"{d.onset_date:%Y}")
        pg.put("14_qual", "431")  # onset of current symptoms or illness
    if d.referrer_name:
        pg.put("17_qual", d.referrer_qualifier)
        pg.put("17", d.referrer_name)
        pg.put("17b", d.referrer_npi)
    described = dict(descriptions)
    for ln in d.lines:
        if ln.description:
            described.setdefault(ln.code, ln.description)
    unlisted = [f"{code} {text}" for code, text in described.items()
                if any(ln.code == code for ln in d.lines)]
    pg.put("19", "; ".join(unlisted))
    pg.check("20_no")
    pg.put("21_ind", "0")
    for letter, code in d.diagnoses:
        pg.put(f"21_{letter}", code)
    pg.put("22_code", d.resubmission)  # 7: replaces the claim numbered in 22_ref
    pg.put("22_ref", d.original_reference)
    pg.put("23", d.prior_authorization)
    pr = d.practice
    if pr is not None:
        pg.put("25", (pr.tax_id or "").replace("-", ""))
        pg.check("25_ein", bool(pr.tax_id))
        area, number = _phone(pr.phone)
        pg.put("33_area", area)
        pg.put("33_phone", number)
        pg.put("33_name", pr.name)
        pg.put("33_street", pr.address_line1)
        pg.put("33_city", f"{pr.city} {pr.state} {pr.postal_code}".strip())
        pg.put("33a", pr.npi)
        if pr.taxonomy_code:
            pg.put("33b_qual", "ZZ")
            pg.put("33b", pr.taxonomy_code)
    pg.put("26", account or d.patient_id.hex[:14])
    pg.check("27_yes")
    pg.put("31", d.signer or "SIGNATURE ON FILE")
    pg.put("31_date", issued_on.strftime("%m %d %y"))
    fac = d.facility
    if fac is not None:
        pg.put("32_name", fac.name)
        pg.put("32_street", fac.address_line1)
        pg.put("32_city", f"{fac.city} {fac.state} {fac.postal_code}".strip())
        if pr is not None and fac.name == pr.name:
            pg.put("32a", pr.npi)


def _service_rows(pg: _Page, chunk: list[Any]) -> None:
    rows = layout()["service_rows"]
    cols, shaded = rows["columns"], rows["shaded_columns"]
    for i, ln in enumerate(chunk):
        line = rows["first_line"] + i * rows["step"]
        top = line + rows["shaded_offset"]

        def put(key: str, value: str | None, *, row: int = line, spec: Any = cols,
                n: int = i + 1) -> None:
            col, width = spec[key]
            pg.at(f"{key}.{n}", row, col, width, value)

        put("24A_from", _date(ln.date, long=False))
        put("24A_to", _date(ln.date, long=False))
        put("24B", ln.place_of_service)
        put("24D_code", ln.code)
        for j, mod in enumerate(ln.modifiers[:4], start=1):
            put(f"24D_mod{j}", mod)
        put("24E", ln.pointers)
        put("24F", _money(ln.charge_cents))
        put("24G", str(ln.units))
        put("24J", ln.rendering_npi)
        if ln.rendering_taxonomy:
            put("24I", "ZZ", row=top, spec=shaded)
            put("24J_shaded", ln.rendering_taxonomy, row=top, spec=shaded)
