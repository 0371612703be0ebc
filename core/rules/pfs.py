"""Medicare physician-fee-schedule allowed amounts for therapy codes (non-facility).

Contract:
- ``default_pfs()`` reads ``resources/rules/pfs.json`` once per process: per year the
  conversion factor and per-code RVUs (work, non-facility PE, malpractice), the localities with
  their GPCIs, the MPPR practice-expense fraction and the assistant (CQ/CO) fraction. The pack
  says whether its figures are verified (``verified`` / ``verified_reason``).
- ``PfsPack.allowed_for_day(units, year, locality)`` prices one patient-day: each unit is
  (work×GPCI + PE×GPCI + MP×GPCI) × CF; the multiple procedure payment reduction pays the PE
  of every unit after the one with the highest PE at ``mppr_pe_fraction``. ``assistant``
  lines are paid at ``assistant_fraction``. Amounts are ``Decimal`` dollars rounded to cents.
- A year the pack lacks raises ``FeeScheduleYearMissing`` (a ``NotFound``): the caller turns it
  into a finding, never a silent zero. Codes without RVUs are listed in ``DayAllowed.missing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from core.domain.errors import InvalidInput, NotFound
from core.rules.mue import read_pack_document
from core.rules.packs import RulePackError

NATIONAL = "national"
_CENT = Decimal("0.01")


class FeeScheduleYearMissing(NotFound):
    """The fee-schedule pack has no amounts for the year asked."""


@dataclass(frozen=True, slots=True)
class Rvu:
    work: Decimal
    pe: Decimal
    mp: Decimal


@dataclass(frozen=True, slots=True)
class Locality:
    id: str
    name: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    verified: bool


@dataclass(frozen=True)
class PfsYear:
    year: int
    conversion_factor: Decimal
    rvus: Mapping[str, Rvu]
    verified: bool  # RVUs checked against the CMS file
    source: str


@dataclass(frozen=True)
class DayAllowed:
    """The allowed amount of one patient-day, with how it was reached."""

    year: int
    locality: str
    total: Decimal
    by_code: Mapping[str, Decimal] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # billed codes without RVUs in the pack (counted as $0)


@dataclass(frozen=True)
class PfsPack:
    version: str
    effective_date: dt.date
    source: str
    verified: bool
    verified_reason: str
    years: Mapping[int, PfsYear]
    localities: Mapping[str, Locality]
    mppr_pe_fraction: Decimal
    assistant_fraction: Decimal

    def year(self, year: int) -> PfsYear:
        try:
            return self.years[year]
        except KeyError:
            raise FeeScheduleYearMissing(
                f"The Medicare fee-schedule pack has no amounts for {year}.",
                hint="Install the rules update for that year (resources/rules/pfs.json).",
            ) from None

    def locality(self, ident: str | None) -> Locality:
        key = (ident or NATIONAL).strip().lower()
        if key not in self.localities:
            known = ", ".join(sorted(self.localities))
            raise InvalidInput(f"{ident!r} is not a fee-schedule locality.",
                               hint=f"Choose one of: {known}.")
        return self.localities[key]

    def allowed_for_day(
        self,
        units: Mapping[str, int],
        year: int,
        locality: str | None = None,
        *,
        assistant_codes: frozenset[str] = frozenset(),
    ) -> DayAllowed:
        """Allowed amount of one day's units (see the module docstring)."""
        fs = self.year(year)
        loc = self.locality(locality)
        cf = fs.conversion_factor
        unit_rows: list[tuple[str, Decimal, Decimal]] = []  # (code, non-PE part, PE part)
        missing: list[str] = []
        for code, n in units.items():
            if n <= 0:
                continue
            rvu = fs.rvus.get(code)
            if rvu is None:
                missing.append(code)
                continue
            base = (rvu.work * loc.work_gpci + rvu.mp * loc.mp_gpci) * cf
            pe = rvu.pe * loc.pe_gpci * cf
            unit_rows.extend((code, base, pe) for _ in range(n))
        # MPPR: full PE for the unit with the highest PE, reduced PE for every other unit.
        unit_rows.sort(key=lambda r: -r[2])
        by_code: dict[str, Decimal] = {}
        for i, (code, base, pe) in enumerate(unit_rows):
            amount = base + (pe if i == 0 else pe * self.mppr_pe_fraction)
            if code in assistant_codes:
                amount *= self.assistant_fraction
            by_code[code] = by_code.get(code, Decimal(0)) + amount
        rounded = {c: a.quantize(_CENT, ROUND_HALF_UP) for c, a in by_code.items()}
        return DayAllowed(year, loc.id, sum(rounded.values(), Decimal(0)), rounded,
                          tuple(missing))

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> PfsPack:
        try:
            years = {}
            for y in doc["years"]:
                rvus = {str(r["code"]): Rvu(Decimal(r["work"]), Decimal(r["pe"]), Decimal(r["mp"]))
                        for r in y["rvus"]}
                years[int(y["year"])] = PfsYear(
                    int(y["year"]), Decimal(y["conversion_factor"]), rvus,
                    bool(y.get("rvus_verified", False)), str(y.get("cf_source", "")))
            localities = {
                str(r["id"]).lower(): Locality(
                    str(r["id"]).lower(), str(r["name"]), Decimal(r["work_gpci"]),
                    Decimal(r["pe_gpci"]), Decimal(r["mp_gpci"]), bool(r.get("verified", False)))
                for r in doc["localities"]
            }
            return cls(
                str(doc["version"]), dt.date.fromisoformat(doc["effective_date"]),
                str(doc["source"]), bool(doc.get("verified", False)),
                str(doc.get("verified_reason", "")), years, localities,
                Decimal(doc.get("mppr_pe_fraction", "0.5")),
                Decimal(doc.get("assistant_fraction", "0.85")),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise RulePackError(f"pfs.json is malformed: {exc}.") from exc


@lru_cache(maxsize=1)
def default_pfs() -> PfsPack:
    return PfsPack.from_document(read_pack_document("pfs.json"))
