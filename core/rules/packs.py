"""Typed, cached access to the billing data packs in ``resources/rules``.

Contract:
- The packs are JSON files shipped in the ``resources.rules`` package and read with
  ``importlib.resources``; nothing else is read and nothing is written. Each file has
  ``version``, ``effective_date`` and ``source`` at the top.
- ``default_packs()`` parses them once per process (thread-safe ``lru_cache``) into frozen
  dataclasses. Callers may build their own ``RulePacks`` (``RulePacks.from_documents`` or
  ``dataclasses.replace``) to test a different quarter's edits; the pair index is rebuilt.
- Unknown codes raise ``InvalidCode``; unknown payer keys ``UnknownPayer``; a KX year missing
  from the pack ``NotFound``; a malformed pack ``RulePackError``. All are ``ChartsideError``s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from core.domain.enums import Discipline, UnitMethod
from core.domain.errors import ChartsideError, InvalidCode, InvalidInput, NotFound

PACK_PACKAGE = "resources.rules"
PACK_FILES = ("codes.json", "ncci_pairs.json", "kx_thresholds.json", "payers.json")


class RulePackError(ChartsideError):
    """A data pack is missing or malformed; reinstall Chartside or fix the pack named."""

    exit_code = 5


class UnknownPayer(InvalidInput):
    """A payer profile key that no pack defines."""


class Sidedness(StrEnum):
    """How often a service targets one side of the body."""

    USUALLY = "usually"
    SOMETIMES = "sometimes"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class PackInfo:
    name: str
    version: str
    effective_date: dt.date
    source: str


@dataclass(frozen=True, slots=True)
class PayerCodeNote:
    """A payer-specific rule for one code: ``bundled`` (never paid) or ``replace`` (use another)."""

    payer: str
    action: str
    note: str
    source: str
    replacement: str | None = None


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    label: str  # Chartside's own words, never the AMA descriptor
    timed: bool
    unit_minutes: int | None  # 15 or 30 for timed codes, None for untimed
    disciplines: frozenset[Discipline]
    family: str
    laterality: Sidedness
    add_on_to: str | None = None
    eval_kind: str | None = None  # "evaluation" | "re_evaluation"
    eval_group: str | None = None  # one evaluation code of a group per day
    max_units_per_day: int | None = None
    unit_pool: str | None = None  # codes pooled as one timed service (97129/97130)
    payer_notes: tuple[PayerCodeNote, ...] = ()
    note: str = ""

    @property
    def usually_sided(self) -> bool:
        return self.laterality is Sidedness.USUALLY

    @property
    def is_evaluation(self) -> bool:
        return self.eval_kind is not None

    def payer_note(self, payer_key: str) -> PayerCodeNote | None:
        for item in self.payer_notes:
            if item.payer == payer_key:
                return item
        return None


@dataclass(frozen=True, slots=True)
class PairEdit:
    """One procedure-to-procedure edit: ``column2`` is denied with ``column1`` the same day."""

    column1: str
    column2: str
    indicator: int  # 0 never together, 1 with 59/X when distinct, 9 no edit
    effective_date: dt.date
    source: str
    verified: bool = True
    end_date: dt.date | None = None  # exclusive
    note: str = ""
    payer: str | None = None  # None: NCCI; otherwise a payer-specific pair

    def active_on(self, day: dt.date) -> bool:
        return self.effective_date <= day and (self.end_date is None or day < self.end_date)


@dataclass(frozen=True, slots=True)
class CertificationRules:
    max_days: int
    sign_within_days: int
    verbal_order_sign_within_days: int | None = None


@dataclass(frozen=True, slots=True)
class PayerRules:
    """The pack's billing profile for one payer (the domain ``PayerProfile`` may override it)."""

    key: str
    name: str
    unit_method: UnitMethod
    requires_discipline_modifier: bool
    assistant_modifiers: bool
    uses_kx_threshold: bool
    progress_report_every: int | None
    certification: CertificationRules | None
    out_of_network: bool
    payer_pairs: tuple[PairEdit, ...] = ()
    note: str = ""
    # The provider must file the claim; the patient never gets a superbill to submit
    # (Medicare: Social Security Act §1848(g)(4)).
    mandatory_claim_submission: bool = False
    # Licensed massage therapists can bill this payer (Medicare does not enroll them:
    # shared/reference/claims.md §5).
    enrolls_massage_therapists: bool = True
    # Takes a corrected claim (frequency code 7 with the original's number). Medicare Part B
    # does not on professional claims: a correction there is a reopening with the MAC.
    accepts_corrected_claims: bool = True


@dataclass(frozen=True, slots=True)
class KxRules:
    thresholds: Mapping[int, Decimal]
    unverified_years: frozenset[int]
    targeted_review: tuple[tuple[int, int, Decimal], ...]  # (from_year, through_year, amount)
    buckets: tuple[frozenset[Discipline], ...]
    near_fraction: Decimal

    def threshold(self, year: int) -> Decimal:
        try:
            return self.thresholds[year]
        except KeyError:
            known = ", ".join(str(y) for y in sorted(self.thresholds))
            raise NotFound(
                f"No KX threshold for {year} in the rules pack (it has {known}).",
                hint="Update resources/rules/kx_thresholds.json from the year's PFS final rule.",
            ) from None

    def targeted_review_amount(self, year: int) -> Decimal | None:
        for first, last, amount in self.targeted_review:
            if first <= year <= last:
                return amount
        return None

    def bucket(self, discipline: Discipline) -> frozenset[Discipline]:
        for bucket in self.buckets:
            if discipline in bucket:
                return bucket
        return frozenset({discipline})


@dataclass(frozen=True)
class RulePacks:
    codes: Mapping[str, CodeInfo]
    pairs: tuple[PairEdit, ...]
    kx: KxRules
    payers: Mapping[str, PayerRules]
    info: tuple[PackInfo, ...] = ()
    _pair_index: dict[tuple[str, str], tuple[PairEdit, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pair_index", _index_pairs(self.pairs))

    # -- codes ---------------------------------------------------------------------------
    def code(self, code: str) -> CodeInfo:
        """The catalog entry for ``code``; raises ``InvalidCode`` for codes we do not know."""
        info = self.codes.get(code)  # the catalog's keys are stripped upper case already
        if info is not None:
            return info
        key = (code or "").strip().upper()
        info = self.codes.get(key)
        if info is None:
            raise InvalidCode(
                f"{code!r} is not in Chartside's therapy code catalog.",
                hint="Check the code; the catalog lists PT/OT/SLP codes such as 97110 or 92507.",
            )
        return info

    def find_code(self, code: str) -> CodeInfo | None:
        return self.codes.get(code)

    # -- pairs ---------------------------------------------------------------------------
    def ncci_edits(self, column1: str, column2: str, day: dt.date) -> tuple[PairEdit, ...]:
        """NCCI edits with these exact columns in force on ``day``."""
        return tuple(e for e in self._pair_index.get((column1, column2), ()) if e.active_on(day))

    # -- payers --------------------------------------------------------------------------
    def payer(self, key: str) -> PayerRules:
        rules = self.payers.get((key or "").strip().lower())
        if rules is None:
            raise UnknownPayer(
                f"No payer profile {key!r} in the rules pack.",
                hint=f"Known profiles: {', '.join(sorted(self.payers))}.",
            )
        return rules

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_documents(cls, documents: Mapping[str, Mapping[str, Any]]) -> RulePacks:
        """Build from parsed JSON documents keyed by file name (see ``PACK_FILES``)."""
        missing = [name for name in PACK_FILES if name not in documents]
        if missing:
            raise RulePackError(f"Rules pack incomplete: {', '.join(missing)} missing.")
        info = tuple(_pack_info(name, documents[name]) for name in PACK_FILES)
        try:
            codes = {c.code: c for c in map(_code, documents["codes.json"]["codes"])}
            pairs = tuple(_pair(row) for row in documents["ncci_pairs.json"]["pairs"])
            kx = _kx(documents["kx_thresholds.json"])
            payers = {p.key: p for p in map(_payer, documents["payers.json"]["profiles"])}
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise RulePackError(f"A rules pack is malformed: {exc!r}.") from exc
        for edit in (*pairs, *(e for p in payers.values() for e in p.payer_pairs)):
            for code in (edit.column1, edit.column2):
                if code not in codes:
                    raise RulePackError(f"Pair edit names {code}, which is not in codes.json.")
        return cls(codes=codes, pairs=pairs, kx=kx, payers=payers, info=info)


def _index_pairs(pairs: Iterable[PairEdit]) -> dict[tuple[str, str], tuple[PairEdit, ...]]:
    index: dict[tuple[str, str], list[PairEdit]] = {}
    for edit in pairs:
        index.setdefault((edit.column1, edit.column2), []).append(edit)
    return {k: tuple(v) for k, v in index.items()}


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _pack_info(name: str, doc: Mapping[str, Any]) -> PackInfo:
    try:
        return PackInfo(name, str(doc["version"]), dt.date.fromisoformat(doc["effective_date"]),
                        str(doc["source"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RulePackError(
            f"{name} needs version, effective_date (YYYY-MM-DD) and source at the top."
        ) from exc


def _code(row: Mapping[str, Any]) -> CodeInfo:
    timed = bool(row["timed"])
    unit = row.get("unit_minutes")
    if row["code"] != str(row["code"]).strip().upper():  # ``RulePacks.code`` relies on it
        raise ValueError(f"{row['code']!r}: codes are written in upper case, without spaces")
    if timed and unit not in (15, 30):
        raise ValueError(f"{row['code']}: timed codes need unit_minutes 15 or 30")
    notes = tuple(
        PayerCodeNote(payer=n["payer"], action=n["action"], note=n["note"], source=n["source"],
                      replacement=n.get("replacement"))
        for n in row.get("payer_notes", ())
    )
    return CodeInfo(
        code=row["code"], label=row["label"], timed=timed, unit_minutes=unit if timed else None,
        disciplines=frozenset(Discipline(d) for d in row["disciplines"]), family=row["family"],
        laterality=Sidedness(row.get("laterality", "never")), add_on_to=row.get("add_on_to"),
        eval_kind=row.get("eval_kind"), eval_group=row.get("eval_group"),
        max_units_per_day=row.get("max_units_per_day"), unit_pool=row.get("unit_pool"),
        payer_notes=notes, note=row.get("note", ""),
    )


def _pair(row: Mapping[str, Any], payer: str | None = None) -> PairEdit:
    indicator = int(row["indicator"])
    if indicator not in (0, 1, 9):
        raise ValueError(f"{row['column1']}/{row['column2']}: indicator must be 0, 1 or 9")
    return PairEdit(
        column1=row["column1"], column2=row["column2"], indicator=indicator,
        effective_date=dt.date.fromisoformat(row["effective_date"]), source=row["source"],
        verified=bool(row.get("verified", False)), end_date=_date(row.get("end_date")),
        note=row.get("note", ""), payer=payer,
    )


def _kx(doc: Mapping[str, Any]) -> KxRules:
    rows = doc["thresholds"]
    return KxRules(
        thresholds={int(r["year"]): Decimal(r["amount"]) for r in rows},
        unverified_years=frozenset(int(r["year"]) for r in rows if not r.get("verified", False)),
        targeted_review=tuple(
            (int(r["from_year"]), int(r["through_year"]), Decimal(r["amount"]))
            for r in doc["targeted_review"]
        ),
        buckets=tuple(frozenset(Discipline(d) for d in b) for b in doc["buckets"]),
        near_fraction=Decimal(doc.get("near_fraction", "0.9")),
    )


def _payer(row: Mapping[str, Any]) -> PayerRules:
    cert = row.get("certification")
    key = row["key"]
    return PayerRules(
        key=key, name=row["name"], unit_method=UnitMethod(row["unit_method"]),
        requires_discipline_modifier=bool(row["requires_discipline_modifier"]),
        assistant_modifiers=bool(row["assistant_modifiers"]),
        uses_kx_threshold=bool(row["uses_kx_threshold"]),
        progress_report_every=row.get("progress_report_every_treatment_days"),
        certification=CertificationRules(
            max_days=int(cert["max_days"]), sign_within_days=int(cert["sign_within_days"]),
            verbal_order_sign_within_days=cert.get("verbal_order_sign_within_days"),
        ) if cert else None,
        out_of_network=bool(row.get("out_of_network", False)),
        payer_pairs=tuple(_pair(p, payer=key) for p in row.get("payer_pairs", ())),
        note=row.get("note", ""),
        mandatory_claim_submission=bool(row.get("mandatory_claim_submission", False)),
        enrolls_massage_therapists=bool(row.get("enrolls_massage_therapists", True)),
        accepts_corrected_claims=bool(row.get("accepts_corrected_claims", True)),
    )


def read_documents() -> dict[str, dict[str, Any]]:
    """Parse the packaged JSON files (no caching; ``default_packs`` caches the result)."""
    out: dict[str, dict[str, Any]] = {}
    base = resources.files(PACK_PACKAGE)
    for name in PACK_FILES:
        try:
            out[name] = json.loads(base.joinpath(name).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise RulePackError(f"Rules pack {name} is missing from {PACK_PACKAGE}.") from exc
        except json.JSONDecodeError as exc:
            raise RulePackError(f"Rules pack {name} is not valid JSON: {exc}.") from exc
    return out


@lru_cache(maxsize=1)
def default_packs() -> RulePacks:
    """The packs shipped with Chartside, parsed once per process."""
    return RulePacks.from_documents(read_documents())


# -- convenience accessors over the default packs ------------------------------------------
def code_info(code: str) -> CodeInfo:
    return default_packs().code(code)


def payer_rules(key: str) -> PayerRules:
    return default_packs().payer(key)


def kx_threshold(year: int) -> Decimal:
    return default_packs().kx.threshold(year)


def pair_edits() -> tuple[PairEdit, ...]:
    return default_packs().pairs
