"""Scoring engines: ``score(measure_id, responses) -> Score``. Pure; no I/O beyond the pack.

Contract:
- ``responses`` is a sequence of numbers, one per item in form order, ``None`` for an item left
  blank. Timed and distance tests take one number; PSFS takes 1–5 activity ratings.
- Invalid input raises ``InvalidResponse`` (an ``InvalidInput``) naming the item: a wrong item
  count, a value outside the item's range (PPS 45 %: only 10 % steps exist), a fraction where
  the item takes whole numbers, or anything that is not a finite number (text, bools, NaN).
  The entry form should never let these through, so an exception is the right signal.
- A valid form that fails the measure's missing-item rule returns an unscorable ``Score``
  (``value=None``) with the reason; the answers are still worth keeping.
- The value is never rounded here (ODI 16/45 → 35.555…); ``Score.display`` rounds.
- ``unit`` converts an entry unit the definition allows (6MWT: "ft" × 0.3048 → metres);
  the returned ``Score.unit`` is always the definition's unit.

Engines (``method`` in the pack): ``sum`` (LEFS, Berg); ``percent_of_answered`` (ODI:
sum ÷ (max item × answered) × 100); ``mean_imputed_sum`` (NDI raw: a missing item is the mean
of the answered ones); ``dash`` (QuickDASH: ((sum ÷ n) − 1) × 25); ``mean`` (PSFS);
``single`` (NPRS, TUG, 5xSTS, 6MWT, PPS); ``koos_subscale`` (100 − mean ÷ 4 × 100).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real

from core.domain.measures import InvalidResponse, Response, Score
from core.rules.measures.definitions import MeasureDefinition, definition


def response_error(d: MeasureDefinition, item: int, value: object) -> str | None:
    """Why ``value`` cannot answer item ``item`` (1-based) of ``d``, or None when it can.

    ``None`` (a blank) is always acceptable here; the missing-item rule judges blanks.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        return f"Item {item}: {value!r} is not a number."
    number = float(value)
    if not math.isfinite(number):
        return f"Item {item}: {value!r} is not a finite number."
    if d.integer and number != int(number):
        return f"Item {item}: {number:g} is not a whole number ({d.id} items are whole numbers)."
    if d.response_values is not None:
        if number not in d.response_values:
            return (
                f"Item {item}: {number:g} is not a {d.id} level; the levels are "
                f"{d.response_range} (choose the single best fit, never an average)."
            )
    elif not d.response_min <= number <= d.response_max:
        return f"Item {item}: {number:g} is outside {d.response_range} for {d.id}."
    return None


def _convert(d: MeasureDefinition, unit: str | None) -> float:
    if unit is None or unit == d.unit:
        return 1.0
    factor = d.entry_units.get(unit)
    if factor is None:
        allowed = ", ".join(d.entry_units) or d.unit
        raise InvalidResponse(f"{d.id} is entered in {allowed}, not {unit!r}.")
    return factor


def validated(
    d: MeasureDefinition, responses: Sequence[Response], unit: str | None = None
) -> list[Response]:
    """The responses checked and converted to the definition's unit (blanks kept as None)."""
    if isinstance(responses, str | bytes | Mapping) or not isinstance(responses, Sequence):
        raise InvalidResponse(f"{d.id} responses must be a list of numbers, one per item.")
    n = len(responses)
    if d.fixed_count and n != d.max_items:
        raise InvalidResponse(
            f"{d.id} has {d.max_items} item{'s' if d.max_items != 1 else ''}; got {n}."
        )
    if not d.min_items <= n <= d.max_items:
        raise InvalidResponse(f"{d.id} takes {d.min_items}–{d.max_items} responses; got {n}.")
    factor = _convert(d, unit)
    out: list[Response] = []
    for i, raw in enumerate(responses, start=1):
        converted = raw
        convertible = isinstance(raw, Real) and not isinstance(raw, bool)
        if factor != 1.0 and convertible and math.isfinite(float(raw)):  # type: ignore[arg-type]
            converted = float(raw) * factor  # type: ignore[arg-type]
        problem = response_error(d, i, converted)
        if problem:
            hint = None if d.response_values else f"{d.id} items take {d.response_range}."
            raise InvalidResponse(problem, item=i, hint=hint)
        out.append(converted)
    return out


def _sum(d: MeasureDefinition, answered: list[float]) -> float:
    return float(sum(answered))


def _percent_of_answered(d: MeasureDefinition, answered: list[float]) -> float:
    return sum(answered) / (d.response_max * len(answered)) * 100.0


def _mean_imputed_sum(d: MeasureDefinition, answered: list[float]) -> float:
    return sum(answered) / len(answered) * d.max_items


def _dash(d: MeasureDefinition, answered: list[float]) -> float:
    return (sum(answered) / len(answered) - 1.0) * 25.0


def _mean(d: MeasureDefinition, answered: list[float]) -> float:
    return sum(answered) / len(answered)


def _single(d: MeasureDefinition, answered: list[float]) -> float:
    return float(answered[0])


def _koos(d: MeasureDefinition, answered: list[float]) -> float:
    return 100.0 - (sum(answered) / len(answered)) / d.response_max * 100.0


ENGINES: dict[str, Callable[[MeasureDefinition, list[float]], float]] = {
    "sum": _sum,
    "percent_of_answered": _percent_of_answered,
    "mean_imputed_sum": _mean_imputed_sum,
    "dash": _dash,
    "mean": _mean,
    "single": _single,
    "koos_subscale": _koos,
}


def _unscorable_reason(d: MeasureDefinition, total: int, answered: int) -> str:
    if d.max_items == 1:
        return d.unable_reason or f"No {d.id} result was entered."
    if d.method == "mean":
        return f"No {d.id} activity was rated."
    missing = total - answered
    need = "all" if d.min_answered == d.max_items else "at least"
    return (
        f"{missing} of {total} {d.id} items unanswered; {d.id} needs {need} "
        f"{d.min_answered} answered. {d.missing_rule}"
    )


def score(measure_id: str, responses: Sequence[Response], *, unit: str | None = None) -> Score:
    """Score one administration of ``measure_id`` (see the module docstring)."""
    d = definition(measure_id)
    values = validated(d, responses, unit)
    answered = [float(v) for v in values if v is not None]
    expected = len(values) if d.method == "mean" else d.max_items
    if len(answered) < d.min_answered or not answered:
        return Score(
            measure_id=d.id, value=None, scale=d.scale, unit=d.unit, items_used=len(answered),
            items_expected=expected, decimals=d.decimals,
            reason=_unscorable_reason(d, len(values), len(answered)),
        )
    value = ENGINES[d.method](d, answered)
    return Score(
        measure_id=d.id, value=value, scale=d.scale, unit=d.unit, band=d.band_for(value),
        items_used=len(answered), items_expected=expected, decimals=d.decimals,
        secondary=tuple((s.name, value * s.factor) for s in d.secondary),
    )
