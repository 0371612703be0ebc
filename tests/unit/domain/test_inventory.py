"""Inventory domain and rules (issue 20) on plain objects: units, refusals, derived counts, the
forecast on a known usage series, reorder list, reports, usage templates applied exactly once."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.errors import ValidationError
from core.domain.inventory import (
    Item,
    Location,
    LocationKind,
    Movement,
    MovementKind,
    check_available,
    fmt,
    on_hand,
    on_hand_by_location,
    quantity,
    quantity_in,
    unit_of,
)
from core.rules import inventory as rules

CLINIC = Location("Clinic")
CAR = Location("Car kit — Ada", LocationKind.CAR)
T0 = dt.datetime(2026, 11, 2, 9)
TODAY = dt.date(2026, 11, 30)


def tape(**kw: object) -> Item:
    return Item(**{"name": "Kinesiology tape", "unit": "m", "category": "tape",
                   "reorder_point": Decimal(10), "reorder_quantity": Decimal(50),
                   "unit_cost_cents": 40, **kw})  # type: ignore[arg-type]


def mv(item: Item, kind: str, q: object, *, at: dt.datetime = T0, loc: Location = CLINIC,
       to: Location | None = None, **kw: object) -> Movement:
    return Movement(item_id=item.id, kind=MovementKind(kind), quantity=q,  # type: ignore[arg-type]
                    location_id=loc.id, to_location_id=to.id if to else None, at=at, **kw)  # type: ignore[arg-type]


# -- units and quantities ---------------------------------------------------------------------

def test_units_accept_aliases_and_refuse_unknown_ones() -> None:
    assert unit_of("Meters") == "m" and unit_of(" ML ") == "ml" and unit_of("pcs") == "each"
    with pytest.raises(ValidationError, match="Unknown unit 'furlong'") as err:
        unit_of("furlong")
    assert "each" in (err.value.hint or "")


@pytest.mark.parametrize("bad", ["-5", "0", "NaN", "inf", "1.2345", "ten", "1e9", "²"])
def test_bad_quantities_are_refused_with_a_message(bad: str) -> None:
    with pytest.raises(ValidationError):
        quantity(bad)


def test_conversion_within_a_dimension_only() -> None:
    assert quantity_in("15", "ml", "l") == Decimal("0.015")
    assert quantity_in("150", "cm", "m") == Decimal("1.5")
    with pytest.raises(ValidationError, match="counted in m; ml cannot"):
        quantity_in("1", "ml", "m")


def test_item_validation() -> None:
    assert tape(hcpcs=" a4556 ").hcpcs == "A4556"
    with pytest.raises(ValidationError, match="HCPCS"):
        tape(hcpcs="97110")
    with pytest.raises(ValidationError, match="Unknown unit"):
        tape(unit="bucket")
    with pytest.raises(ValidationError):
        tape(reorder_point=Decimal(-1))
    with pytest.raises(ValidationError):
        tape(name="  ")


def test_movement_rules() -> None:
    item = tape()
    with pytest.raises(ValidationError, match="Say why"):
        mv(item, "adjusted", "-2")
    assert mv(item, "adjusted", "-2", reason="counted shelf").quantity == Decimal(-2)
    with pytest.raises(ValidationError, match="different destination"):
        mv(item, "moved", "1", to=CLINIC)
    with pytest.raises(ValidationError, match="Only a delivery"):
        mv(item, "used", "1", unit_cost_cents=10)
    with pytest.raises(ValidationError, match="more than 0"):
        mv(item, "used", "-1")


# -- derived counts ---------------------------------------------------------------------------

def test_on_hand_is_derived_per_location_and_in_time() -> None:
    item = tape()
    moves = [
        mv(item, "received", "50", unit_cost_cents=40),
        mv(item, "moved", "10", to=CAR, at=T0 + dt.timedelta(hours=1)),
        mv(item, "used", "2.5", loc=CAR, at=T0 + dt.timedelta(days=1)),
        mv(item, "adjusted", "-1", reason="torn roll", at=T0 + dt.timedelta(days=2)),
    ]
    assert on_hand(moves, item.id) == Decimal("46.5")
    assert on_hand(moves, item.id, CLINIC.id) == Decimal(39)
    assert on_hand(moves, item.id, CAR.id) == Decimal("7.5")
    assert on_hand(moves, item.id, at=T0 + dt.timedelta(hours=2)) == Decimal(50)
    assert on_hand_by_location(moves, item.id) == {CLINIC.id: Decimal(39), CAR.id: Decimal("7.5")}
    assert fmt(Decimal("7.500")) == "7.5" and fmt(Decimal("39.000")) == "39"


def test_taking_more_than_is_there_is_refused() -> None:
    item = tape()
    moves = [mv(item, "received", "5")]
    with pytest.raises(ValidationError, match="Only 5 m of Kinesiology tape at Clinic"):
        check_available(mv(item, "used", "6"), item, CLINIC, moves)
    with pytest.raises(ValidationError, match="at Car kit"):
        check_available(mv(item, "moved", "1", loc=CAR, to=CLINIC), item, CAR, moves)
    check_available(mv(item, "used", "5"), item, CLINIC, moves)  # exactly what is there


kinds = st.sampled_from(["received", "used", "adjusted", "moved"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(kinds, st.integers(1, 500), st.booleans(), st.booleans()), max_size=30))
def test_locations_sum_to_the_total_and_moves_keep_it(
    events: list[tuple[str, int, bool, bool]],
) -> None:
    item = tape()
    moves = []
    for kind, q, neg, at_car in events:
        loc, other = (CAR, CLINIC) if at_car else (CLINIC, CAR)
        if kind == "adjusted":
            moves.append(mv(item, kind, -q if neg else q, loc=loc, reason="count"))
        elif kind == "moved":
            moves.append(mv(item, kind, q, loc=loc, to=other))
        else:
            moves.append(mv(item, kind, q, loc=loc))
    total = on_hand(moves, item.id)
    by_loc = on_hand_by_location(moves, item.id)
    assert sum(by_loc.values(), Decimal(0)) == total
    expected = sum((m.quantity if m.kind is not MovementKind.USED else -m.quantity)
                   for m in moves if m.kind is not MovementKind.MOVED)
    assert total == expected


# -- forecast, low stock, reorder ----------------------------------------------------------------

def test_forecast_on_a_known_usage_series() -> None:
    item = tape()
    moves = [mv(item, "received", "70", at=dt.datetime(2026, 10, 1, 8))]
    # 2 m a day for the four weeks up to today (56 m); older use does not count
    moves += [mv(item, "used", "2", at=dt.datetime(2026, 11, 3, 10) + dt.timedelta(days=d))
              for d in range(28)]
    moves.append(mv(item, "used", "1", at=dt.datetime(2026, 11, 2, 10)))  # 29 days ago
    row = rules.stock_row(item, moves, TODAY)
    assert row.on_hand == Decimal(13) and row.daily_use == Decimal(2) and row.days_left == 6
    assert not row.low
    moves.append(mv(item, "used", "3", at=dt.datetime(2026, 12, 1, 9)))  # tomorrow: not yet
    row = rules.stock_row(item, moves, TODAY)
    assert row.on_hand == Decimal(10) and row.low and row.days_left == 5


def test_no_recent_use_has_no_forecast_and_untracked_items_are_never_low() -> None:
    gloves = Item(name="Gloves", unit="box", reorder_point=Decimal(0))
    moves = [mv(gloves, "received", "1", at=dt.datetime(2026, 9, 1))]
    row = rules.stock_row(gloves, moves, TODAY)
    assert row.daily_use is None and row.days_left is None and not row.low


def test_reorder_list_and_csv() -> None:
    item, lotion = tape(), Item(name="Massage lotion", unit="l", reorder_point=Decimal(1),
                                unit_cost_cents=1800)
    moves = [mv(item, "received", "8"), mv(lotion, "received", "0.5"),
             mv(lotion, "used", "0.014", at=dt.datetime(2026, 11, 20))]
    lines = rules.reorder_list([item, lotion], moves, TODAY)
    # the one that runs out first (lotion: a forecast) before the one with no recent use
    assert [(line.item.name, line.order) for line in lines] == [
        ("Massage lotion", Decimal(1)), ("Kinesiology tape", Decimal(50))]
    assert [line.cost_cents for line in lines] == [1800, 2000]
    text = rules.reorder_csv(lines)
    assert text.splitlines()[0].startswith("item,category,unit,on_hand")
    assert "Kinesiology tape,tape,m,8,10,50,,0.40,20.00" in text


# -- reports ------------------------------------------------------------------------------------

def test_usage_by_month_stock_value_and_cost_per_visit() -> None:
    item = tape(unit_cost_cents=50)
    moves = [
        mv(item, "received", "10", unit_cost_cents=30, at=dt.datetime(2026, 10, 1)),
        mv(item, "received", "10", unit_cost_cents=50, at=dt.datetime(2026, 10, 15)),
        mv(item, "used", "4", at=dt.datetime(2026, 10, 20)),
        mv(item, "used", "6", at=dt.datetime(2026, 11, 3)),
    ]
    assert rules.usage_by_month(moves) == {(item.id, "2026-10"): Decimal(4),
                                           (item.id, "2026-11"): Decimal(6)}
    assert rules.stock_value_cents([item], moves, dt.date(2026, 10, 10)) == 300  # 10 × 30¢
    assert rules.stock_value_cents([item], moves, dt.date(2026, 11, 30)) == 400  # 10 × 40¢ avg
    assert rules.cost_per_visit_cents([item], moves, dt.date(2026, 11, 1),
                                      dt.date(2026, 11, 30), visits=12) == 20  # 6 × 40 / 12
    assert rules.cost_per_visit_cents([item], moves, TODAY, TODAY, visits=0) is None


# -- usage templates ----------------------------------------------------------------------------

def test_templates_apply_once_per_note_with_stable_ids() -> None:
    item = tape()
    lotion = Item(name="Massage lotion", unit="l")
    linen = Item(name="Linen set", unit="set", hcpcs=None)
    electrodes = Item(name="Electrodes", unit="pair", hcpcs="A4556")
    old = Item(name="Old bands", unit="each", active=False)
    items = {i.id: i for i in (item, lotion, linen, electrodes, old)}
    templates = {
        "97140": rules.UsageTemplate("97140", (rules.TemplateLine(item.id, Decimal(1), "m"),)),
        "massage-60": rules.UsageTemplate("massage-60", (
            rules.TemplateLine(lotion.id, Decimal(15), "ml"),
            rules.TemplateLine(linen.id, Decimal(1), "set"),
            rules.TemplateLine(old.id, Decimal(1), "each"))),
        "97014": rules.UsageTemplate("97014", (
            rules.TemplateLine(electrodes.id, Decimal("0.5"), "pair"),)),
    }
    note = uuid.uuid4()
    used = rules.usage_for_note(note, ["97140", "97140", "massage-60", "97014", "97110"],
                                templates, items, CLINIC.id, T0)
    got = {items[m.item_id].name: m.quantity for m in used}
    assert got == {"Kinesiology tape": Decimal(2), "Massage lotion": Decimal("0.015"),
                   "Linen set": Decimal(1), "Electrodes": Decimal("0.5")}
    again = rules.usage_for_note(note, ["97140", "97140", "massage-60", "97014"], templates,
                                 items, CLINIC.id, T0)
    assert {m.id for m in used} == {m.id for m in again}  # a retry or a second device: same ids
    assert all(m.note_id == note and m.kind is MovementKind.USED for m in used)
    assert rules.supply_lines(used, items) == [rules.SupplyLine("A4556", 1, "Electrodes")]
    with pytest.raises(ValidationError):
        rules.UsageTemplate("97140", (rules.TemplateLine(item.id, Decimal(-1), "m"),))


def test_dashboard_rows_for_low_stock_with_the_forecast() -> None:
    """A low item is a dashboard row (issue 20) naming the count, the reorder point and the
    days left from the last four weeks' use; urgent within a week of running out or when out;
    the row names no patient; an item above its reorder point has no row."""
    from core.rules import dashboard

    item = tape()
    moves = [mv(item, "received", "70", at=dt.datetime(2026, 10, 1, 8))]
    moves += [mv(item, "used", "2", at=dt.datetime(2026, 11, 3, 10) + dt.timedelta(days=d))
              for d in range(28)]  # 2 m a day: 14 m left, 7 days
    moves.append(mv(item, "adjusted", "-4", at=dt.datetime(2026, 11, 30, 18), reason="torn"))
    gloves = Item(name="Gloves", unit="box", reorder_point=Decimal(2))
    idle = [mv(gloves, "received", "2", at=dt.datetime(2026, 9, 1))]  # low, no recent use
    rows = dashboard.low_stock_rows(rules.stock([item, gloves, tape(name="Spare")],
                                                moves + idle, TODAY), TODAY)
    assert [(r["severity"], r["message"]) for r in rows] == [
        ("urgent", "Kinesiology tape: 10 m on hand (reorder at 10); about 5 days left."),
        ("due", "Gloves: 2 box on hand (reorder at 2); no use in the last 4 weeks."),
        ("urgent", "Spare: 0 m on hand (reorder at 10); no use in the last 4 weeks.")]  # out
    assert rows[0]["date"] == TODAY + dt.timedelta(days=5)
    board = dashboard.finish(rows, {}, TODAY)
    assert [(r.severity, r.target_kind, r.patient_name) for r in board.rows] == [
        ("urgent", "inventory", ""), ("urgent", "inventory", ""), ("due", "inventory", "")]
    assert board.rows[0].title == "Low stock"
