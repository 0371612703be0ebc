"""Measure definitions from ``resources/measures/definitions.json`` as frozen dataclasses.

Contract:
- ``definitions()`` parses the pack once per process (thread-safe ``lru_cache``); nothing is
  written. ``definition(measure_id)`` raises ``UnknownMeasure`` for an id the pack lacks
  (lookup is case-insensitive: "lefs" finds "LEFS").
- Every MCID/MDC carries its value, population and source; ``MeasureDefinition.threshold``
  picks the one that applies to a baseline value (Berg's MDC depends on it) and an interval
  (NPRS: 2.2 over a week, 1.5 over four weeks). Only thresholds marked ``default`` or bound to an
  interval are used in logic; the others are shown for reference.
- ``band_for`` rounds the raw value half-up to ``band_decimals`` first, because published
  bands are printed as whole-number ranges (ODI 21–40 %): 20.4 % is "minimal", 20.5 % is not.
- A malformed pack raises ``MeasurePackError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from core.domain.errors import ChartsideError
from core.domain.measures import UnknownMeasure

PACK_PACKAGE = "resources.measures"
PACK_FILE = "definitions.json"
METHODS = frozenset(
    {"sum", "percent_of_answered", "mean_imputed_sum", "dash", "mean", "single", "koos_subscale"}
)


class MeasurePackError(ChartsideError):
    """The measure definitions pack is missing or malformed; reinstall Chartside."""

    exit_code = 5


def round_half_up(value: float, decimals: int) -> float:
    sign = -1 if value < 0 else 1
    scale = 10**decimals
    return sign * int(abs(value) * scale + 0.5 + 1e-9) / scale


@dataclass(frozen=True, slots=True)
class Threshold:
    """A published change threshold: MCID (important), MDC (beyond error) or MID (reference)."""

    kind: str
    value: float
    population: str
    source: str
    confidence: str = ""
    default: bool = False
    baseline_min: float | None = None
    baseline_max: float | None = None
    min_interval_days: int | None = None

    def applies(self, baseline: float | None, interval_days: int | None) -> bool:
        if self.baseline_min is not None and (baseline is None or baseline < self.baseline_min):
            return False
        if self.baseline_max is not None and (baseline is None or baseline > self.baseline_max):
            return False
        return self.min_interval_days is None or (
            interval_days is not None and interval_days >= self.min_interval_days
        )

    @property
    def label(self) -> str:
        """"MCID", or "MDC90" when a confidence level is stated."""
        return self.kind + self.confidence.rstrip("%")

    def describe(self, unit: str = "") -> str:
        """"MDC90 9 points (lower-extremity …; S1, S2)"."""
        amount = f"{self.value:g} {unit}".rstrip()
        return f"{self.label} {amount} ({self.population}; {self.source})"


@dataclass(frozen=True, slots=True)
class Band:
    min: float
    label: str


@dataclass(frozen=True, slots=True)
class Secondary:
    """A second scale derived by a factor (NDI raw × 2 = %; LEFS × 1.25 = % of max)."""

    name: str
    factor: float
    decimals: int


@dataclass(frozen=True)
class MeasureDefinition:
    id: str
    name: str
    kind: str  # questionnaire | performance | rating
    min_items: int
    max_items: int
    response_min: float
    response_max: float
    response_values: tuple[float, ...] | None
    integer: bool
    method: str
    min_answered: int
    missing_rule: str
    missing_source: str
    score_min: float
    score_max: float
    unit: str
    scale: str
    decimals: int
    higher_is_better: bool
    bands: tuple[Band, ...]
    band_decimals: int
    bands_source: str
    thresholds: tuple[Threshold, ...]
    goal_units: Mapping[str, float]
    entry_units: Mapping[str, float]
    text_free_to_show: bool
    licence: str
    item_labels: tuple[str, ...]
    secondary: tuple[Secondary, ...]
    unable_reason: str
    aliases: tuple[str, ...] = ()  # common names and abbreviations ("BBS" for Berg)

    @property
    def fixed_count(self) -> bool:
        return self.min_items == self.max_items

    @property
    def response_range(self) -> str:
        if self.response_values is not None:
            return ", ".join(f"{v:g}" for v in self.response_values)
        return f"{self.response_min:g}–{self.response_max:g}"

    def band_for(self, value: float | None) -> str:
        if value is None or not self.bands:
            return ""
        rounded = round_half_up(value, self.band_decimals)
        label = self.bands[0].label
        for band in self.bands:
            if rounded >= band.min:
                label = band.label
        return label

    def improvement(self, before: float, after: float) -> float:
        """Change from ``before`` to ``after``, positive when the patient got better."""
        return after - before if self.higher_is_better else before - after

    def threshold(
        self, kind: str, *, baseline: float | None = None, interval_days: int | None = None
    ) -> Threshold | None:
        """The threshold of ``kind`` used in logic for this baseline and interval, or None."""
        usable = [
            t for t in self.thresholds
            if t.kind == kind and (t.default or t.min_interval_days is not None)
            and t.applies(baseline, interval_days)
        ]
        if not usable:
            return None
        return max(usable, key=lambda t: t.min_interval_days or 0)

    def reached(self, value: float, target: float) -> bool:
        return value >= target if self.higher_is_better else value <= target


def _threshold(row: Mapping[str, Any]) -> Threshold:
    return Threshold(
        kind=str(row["kind"]),
        value=float(row["value"]),
        population=str(row["population"]),
        source=str(row["source"]),
        confidence=str(row.get("confidence", "")),
        default=bool(row.get("default", False)),
        baseline_min=row.get("baseline_min"),
        baseline_max=row.get("baseline_max"),
        min_interval_days=row.get("min_interval_days"),
    )


def _definition(row: Mapping[str, Any]) -> MeasureDefinition:
    items, response, score = row["items"], row["response"], row["score"]
    values = response.get("values")
    method = str(row["method"])
    if method not in METHODS:
        raise MeasurePackError(f"Measure {row['id']}: unknown scoring method {method!r}.")
    count = items.get("count")
    return MeasureDefinition(
        id=str(row["id"]),
        name=str(row["name"]),
        kind=str(row["kind"]),
        min_items=int(count if count is not None else items["min"]),
        max_items=int(count if count is not None else items["max"]),
        response_min=float(min(values) if values else response["min"]),
        response_max=float(max(values) if values else response["max"]),
        response_values=tuple(float(v) for v in values) if values else None,
        integer=bool(response.get("integer", True)),
        method=method,
        min_answered=int(row["missing"]["min_answered"]),
        missing_rule=str(row["missing"]["rule"]),
        missing_source=str(row["missing"]["source"]),
        score_min=float(score["min"]),
        score_max=float(score["max"]),
        unit=str(score["unit"]),
        scale=str(score["scale"]),
        decimals=int(score["decimals"]),
        higher_is_better=bool(row["higher_is_better"]),
        bands=tuple(Band(float(b["min"]), str(b["label"])) for b in row.get("bands", [])),
        band_decimals=int(row.get("band_decimals", 0)),
        bands_source=str(row.get("bands_source", "")),
        thresholds=tuple(_threshold(t) for t in row.get("thresholds", [])),
        goal_units={str(k).lower(): float(v) for k, v in row.get("goal_units", {"": 1}).items()},
        entry_units={str(k): float(v) for k, v in row.get("entry_units", {}).items()},
        text_free_to_show=bool(row["text_free_to_show"]),
        licence=str(row.get("licence", "")),
        item_labels=tuple(str(x) for x in row.get("item_labels", [])),
        secondary=tuple(
            Secondary(str(s["name"]), float(s["factor"]), int(s.get("decimals", 1)))
            for s in row.get("secondary", [])
        ),
        unable_reason=str(row.get("unable_reason", "")),
        aliases=tuple(str(a) for a in row.get("aliases", [])),
    )


@dataclass(frozen=True)
class MeasurePack:
    version: str
    effective_date: str
    sources: Mapping[str, str]
    measures: Mapping[str, MeasureDefinition]


def pack_from_document(doc: Mapping[str, Any]) -> MeasurePack:
    """Validate and build a pack (tests may pass their own documents)."""
    try:
        measures = {d.id: d for d in map(_definition, doc["measures"])}
        pack = MeasurePack(
            version=str(doc["version"]),
            effective_date=str(doc["effective_date"]),
            sources=dict(doc.get("sources", {})),
            measures=measures,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MeasurePackError(f"The measure definitions pack is malformed ({exc}).") from exc
    for d in measures.values():
        if d.min_answered > d.max_items or d.min_items > d.max_items:
            raise MeasurePackError(f"Measure {d.id}: inconsistent item counts.")
        if d.method == "sum" and d.min_answered != d.max_items:
            raise MeasurePackError(f"Measure {d.id}: a plain sum cannot allow missing items.")
    return pack


@lru_cache(maxsize=1)
def default_pack() -> MeasurePack:
    try:
        text = resources.files(PACK_PACKAGE).joinpath(PACK_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise MeasurePackError("The measure definitions pack is missing.") from exc
    return pack_from_document(json.loads(text))


def definitions() -> Mapping[str, MeasureDefinition]:
    return default_pack().measures


def _key(text: str) -> str:
    """Case, spaces, hyphens, underscores and dots ignored: "KOOS Pain" == "KOOS-PAIN"."""
    return re.sub(r"[\s\-_.]+", "", text).lower()


@lru_cache(maxsize=1)
def _names() -> Mapping[str, str]:
    """Every id, full name and alias (normalized) → measure id."""
    out: dict[str, str] = {}
    for d in definitions().values():
        for name in (d.id, d.name, *d.aliases):
            out.setdefault(_key(name), d.id)
    return out


def definition(measure_id: str) -> MeasureDefinition:
    """The definition of ``measure_id``: its id, full name or a common alias ("BBS",
    "Oswestry", "FTSTS", "KOOS Pain"), ignoring case and punctuation; ``UnknownMeasure``
    otherwise."""
    found = definitions().get(measure_id)
    if found is None:
        ident = _names().get(_key(str(measure_id)))
        found = definitions().get(ident) if ident else None
    if found is None:
        raise UnknownMeasure(
            f"{str(measure_id).strip()!r} is not a measure Chartside scores (no id, name or "
            "common abbreviation matches).",
            hint=f"Known measures: {', '.join(sorted(definitions()))}.",
        )
    return found
