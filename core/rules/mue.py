"""Medically unlikely edits (MUE): the most units of a code one patient gets on one day.

Contract:
- ``default_mue()`` reads ``resources/rules/mue.json`` once per process (version, effective
  date, source, ``verified`` with its reason); a malformed pack raises ``RulePackError``.
- ``MuePack.ceiling(code)`` is the ceiling or None (no MUE on file for the code).
- ``over_mue(units_by_code, pack)`` lists ``(code, units, ceiling)`` above the ceiling; the
  checks (``day.units_above_mue``) and the claim scrub (``scrub.units_above_mue``) use it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from core.rules.packs import PACK_PACKAGE, RulePackError


@dataclass(frozen=True, slots=True)
class MueValue:
    code: str
    units: int
    mai: int  # 1 claim line, 2 absolute date of service, 3 date of service (clinical)
    verified: bool


@dataclass(frozen=True)
class MuePack:
    version: str
    effective_date: dt.date
    source: str
    verified: bool
    verified_reason: str
    values: Mapping[str, MueValue]

    def ceiling(self, code: str) -> MueValue | None:
        return self.values.get(code)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> MuePack:
        try:
            values = {
                str(r["code"]): MueValue(str(r["code"]), int(r["units"]), int(r.get("mai", 3)),
                                         bool(r.get("verified", False)))
                for r in doc["values"]
            }
            return cls(str(doc["version"]), dt.date.fromisoformat(doc["effective_date"]),
                       str(doc["source"]), bool(doc.get("verified", False)),
                       str(doc.get("verified_reason", "")), values)
        except (KeyError, TypeError, ValueError) as exc:
            raise RulePackError(f"mue.json is malformed: {exc}.") from exc


def read_pack_document(name: str) -> dict[str, Any]:
    """One packaged JSON pack from ``resources/rules`` (``RulePackError`` if absent/invalid)."""
    try:
        text = resources.files(PACK_PACKAGE).joinpath(name).read_text(encoding="utf-8")
        doc: dict[str, Any] = json.loads(text)
    except FileNotFoundError as exc:
        raise RulePackError(f"Rules pack {name} is missing from {PACK_PACKAGE}.") from exc
    except json.JSONDecodeError as exc:
        raise RulePackError(f"Rules pack {name} is not valid JSON: {exc}.") from exc
    return doc


@lru_cache(maxsize=1)
def default_mue() -> MuePack:
    return MuePack.from_document(read_pack_document("mue.json"))


def over_mue(
    units_by_code: Mapping[str, int], pack: MuePack | None = None
) -> list[tuple[str, int, MueValue]]:
    """Codes whose units exceed their MUE, in the order given."""
    pack = pack or default_mue()
    out = []
    for code, units in units_by_code.items():
        value = pack.ceiling(code)
        if value is not None and units > value.units:
            out.append((code, units, value))
    return out
