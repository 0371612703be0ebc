"""Supplies inventory on a real chart (issue 20): movements and derived counts, refusals that
record nothing, usage templates applied at sign-off exactly once, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain.enums import Laterality
from core.domain.errors import NotFound, ValidationError
from core.domain.inventory import LocationKind, on_hand
from core.services import charts, inventory, note_supplies, notes, signing
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE
from tests.integration.cli_inprocess import Ran, run
from tests.integration.test_sign_flow import draft  # noqa: F401  (fixture)


def _stock(chart: ChartSession) -> dict[str, Decimal]:
    return {r.item.name: r.on_hand for r in inventory.stock(chart, dt.date(2026, 12, 1))}


def test_movements_counts_and_refusals(chart: ChartSession) -> None:
    inventory.add_item(chart, name="Kinesiology tape", unit="m", reorder_point=Decimal(10),
                       reorder_quantity=Decimal(50), unit_cost_cents=40)
    inventory.add_item(chart, name="Massage lotion", unit="l", unit_cost_cents=1800)
    inventory.add_location(chart, "Ada's car kit", LocationKind.CAR)
    inventory.receive(chart, "Kinesiology tape", "30", unit_cost_cents=40)
    inventory.receive(chart, "Massage lotion", "1")
    inventory.move(chart, "Kinesiology", "500", "cm", source=None, to="Ada's car kit")
    inventory.use(chart, "Massage lotion", "15", "ml", reason="massage")  # today
    inventory.adjust(chart, "Kinesiology tape", "-2", reason="torn roll")
    before = _stock(chart)
    assert before == {"Kinesiology tape": Decimal(28), "Massage lotion": Decimal("0.985")}
    assert inventory.by_location(chart) == {
        "Clinic": {"Kinesiology tape": Decimal(23), "Massage lotion": Decimal("0.985")},
        "Ada's car kit": {"Kinesiology tape": Decimal(5)}}
    for bad in (lambda: inventory.use(chart, "Kinesiology tape", "-1"),
                lambda: inventory.use(chart, "Kinesiology tape", "1", "ml"),
                lambda: inventory.use(chart, "Kinesiology tape", "6", location="Ada's car kit"),
                lambda: inventory.receive(chart, "Kinesiology tape", "NaN"),
                lambda: inventory.adjust(chart, "Kinesiology tape", "3", reason="")):
        with pytest.raises(ValidationError):
            bad()
    with pytest.raises(NotFound):
        inventory.use(chart, "Gloves", "1")
    with pytest.raises(ValidationError, match="already an item"):
        inventory.add_item(chart, name="kinesiology TAPE", unit="m")
    assert _stock(chart) == before  # nothing recorded by any refusal
    today = dt.date.today()
    from core.rules import inventory as rules  # the SQL sums give what the whole ledger gives

    with chart.uow() as uow:
        whole = rules.stock(uow.inventory.items(), uow.inventory.movements(), today)
        places, moves = uow.inventory.locations(), uow.inventory.movements()
        summed = uow.inventory.on_hand_at([p.id for p in places])  # the car kit's SQL sums
        derived = {(i.id, p.id): on_hand(moves, i.id, p.id)
                   for i in uow.inventory.items() for p in places}
    assert {k: v for k, v in summed.items() if v} == {k: v for k, v in derived.items() if v}
    assert inventory.stock(chart, today) == whole
    rep = inventory.report(chart, today.replace(day=1), today)
    assert rep.usage == [(f"{today:%Y-%m}", "Massage lotion", "l", Decimal("0.015"))]
    assert rep.value_cents == 28 * 40 + round(Decimal("0.985") * 1800)  # catalogue cost
    assert rep.visits == 0 and rep.cost_per_visit_cents is None
    rows = [(r["action"], r["entity"]) for r in charts.recent_audit(chart, 50)]
    assert rows.count(("create", "stock_movement")) == 5
    assert charts.verify_audit(chart).ok


def test_template_applied_at_sign_off_exactly_once(chart: ChartSession, draft) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    inventory.add_item(chart, name="Theraband", unit="m", reorder_point=Decimal(1))
    inventory.receive(chart, "Theraband", "2")
    inventory.set_template(chart, "97110", [("Theraband", "150", "cm")])
    notes.update_block(chart, draft["note"], draft["block"], goal_ids=(draft["goal"],),
                       laterality=Laterality.RIGHT,
                       goal_connection="Strengthening so the patient can climb stairs.")
    notes.set_total_treatment_minutes(chart, draft["note"], 30)
    signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    assert _stock(chart) == {"Theraband": Decimal("0.5")}
    low = inventory.low(chart, dt.date(2026, 12, 1))
    assert [r.item.name for r in low] == ["Theraband"]
    from core.services import dashboard  # the compliance dashboard's low-stock row

    board = dashboard.compliance_dashboard(chart, today=dt.date(2026, 12, 1))
    assert [r.message for r in board.of("low_stock")] == [
        "Theraband: 0.5 m on hand (reorder at 1); no use in the last 4 weeks."]
    # applied again (a retry, or the signed note arriving on another device): same movement id
    with chart.uow() as uow:
        note, visit = uow.notes.get(draft["note"]), None
        visit = uow.visits.get(note.visit_id)
        again = inventory.apply_note_usage(uow, note, visit)
        uow.commit()
    assert len(again) == 1 and _stock(chart) == {"Theraband": Decimal("0.5")}


def test_cli_inventory(chart: ChartSession, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE}

    def cli(*words: str) -> Ran:
        return run(capsys, monkeypatch, ["--chart", str(chart.path), "inventory", *words], env)

    assert cli("add-item", "Gloves", "--unit", "box", "--reorder-point", "2").returncode == 0
    assert cli("receive", "Gloves", "3", "--cost", "7.50").returncode == 0
    assert cli("use", "Gloves", "2").returncode == 0
    refused = cli("use", "Gloves", "--", "-1")
    assert refused.returncode == 2 and "more than 0" in refused.stderr
    listed = json.loads(cli("list", "--json").stdout)
    assert listed["items"][0]["on_hand"] == "1" and listed["items"][0]["low"] is True
    out = tmp_path / "reorder.csv"
    low = cli("low", "--out", str(out))
    assert low.returncode == 0 and "LOW Gloves" in low.stdout
    assert out.read_text().splitlines()[1].startswith("Gloves,,box,1,2,")
    pdf = tmp_path / "reorder.pdf"  # the printable list, read back
    assert cli("low", "--pdf", str(pdf)).returncode == 0
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert "Reorder list" in text and "Gloves" in text and "Total $" in text


def test_usage_recorded_once_when_the_signed_note_reaches_another_device(
    chart: ChartSession, draft, tmp_path: Path  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    """Device A signs (its template records the use); everything syncs to device B through the
    one write path: B's count shows the use once, and applying the templates there again (as a
    device that signs the same note would) adds nothing."""
    import uuid

    from core.storage.keys import KdfParams
    from core.sync import crypto
    from core.sync.config import SyncConfig
    from tests.sync.test_sync_roundtrip import _ship

    band = inventory.add_item(chart, name="Theraband", unit="m")
    inventory.receive(chart, "Theraband", "5")
    inventory.set_template(chart, "97110", [("Theraband", "1", "m")])
    note_supplies.set_quantity(chart, draft["note"], band.id, "250", "cm")  # changed on the note
    notes.update_block(chart, draft["note"], draft["block"], goal_ids=(draft["goal"],),
                       laterality=Laterality.RIGHT,
                       goal_connection="Strengthening so the patient can climb stairs.")
    notes.set_total_treatment_minutes(chart, draft["note"], 30)
    signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    b, _ = charts.create_chart(tmp_path / "b.chart", PASSPHRASE, kdf=KdfParams.fast_for_tests())
    try:
        key_id, key = crypto.new_sync_key()
        cfg = SyncConfig(server="http://127.0.0.1", account_id=uuid.uuid4(),
                         device_id=uuid.uuid4(), device_name="B", token="-",
                         chart_device=b.device_id, key_id=key_id, keys={key_id: key},
                         box_secret=b"")
        out = _ship(chart, b, cfg)
        assert out.notices == 0
        assert _stock(chart) == _stock(b) == {"Theraband": Decimal("2.5")}
        with b.uow() as uow:
            note = uow.notes.get(draft["note"])
            assert note.is_signed and note.supplies == [
                {"item_id": str(band.id), "quantity": "2.5"}]
            inventory.apply_note_usage(uow, note, uow.visits.get(note.visit_id))
            uow.commit()
        assert _stock(b) == {"Theraband": Decimal("2.5")}
        assert signing.verify_signed(b, draft["note"])
    finally:
        b.lock()


def test_supplies_edited_on_the_note_are_what_signing_records(
    chart: ChartSession, draft  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    """The editor's list: the templates' proposal for the note's codes, changed by the
    clinician (a quantity, an added item, a removed one); bad input changes nothing; signing
    records exactly the note's list, keeps it in the signed snapshot, and freezes it."""
    from core.domain.errors import SignedNoteImmutable

    band = inventory.add_item(chart, name="Theraband", unit="m")
    gloves = inventory.add_item(chart, name="Gloves", unit="pair")
    pads = inventory.add_item(chart, name="Electrode pads", unit="each", hcpcs="A4556")
    for name, qty in (("Theraband", "5"), ("Gloves", "20"), ("Electrode pads", "8")):
        inventory.receive(chart, name, qty)
    inventory.set_template(chart, "97110", [("Theraband", "150", "cm"), ("Gloves", "1", "pair")])
    shown = note_supplies.for_note(chart, draft["note"])
    assert not shown.edited and shown.source == "Clinic"
    assert [(r.name, r.quantity, r.proposed) for r in shown.rows] == [
        ("Gloves", Decimal(1), Decimal(1)), ("Theraband", Decimal("1.5"), Decimal("1.5"))]
    note_supplies.set_quantity(chart, draft["note"], band.id, "2")
    note_supplies.set_quantity(chart, draft["note"], pads.id, "4")
    edited = note_supplies.remove(chart, draft["note"], gloves.id).value
    assert edited.edited
    assert [(r.name, r.quantity, r.proposed) for r in edited.rows] == [
        ("Electrode pads", Decimal(4), None), ("Theraband", Decimal(2), Decimal("1.5"))]
    for bad in (lambda: note_supplies.set_quantity(chart, draft["note"], band.id, "-1"),
                lambda: note_supplies.set_quantity(chart, draft["note"], band.id, "1", "ml"),
                lambda: note_supplies.set_quantity(chart, draft["note"], band.id, "abc")):
        with pytest.raises(ValidationError):
            bad()
    assert note_supplies.for_note(chart, draft["note"]) == edited  # nothing changed
    assert note_supplies.reset(chart, draft["note"]).value.rows == shown.rows  # templates again
    note_supplies.set_quantity(chart, draft["note"], band.id, "2")
    note_supplies.set_quantity(chart, draft["note"], pads.id, "4")
    note_supplies.remove(chart, draft["note"], gloves.id)
    notes.update_block(chart, draft["note"], draft["block"], goal_ids=(draft["goal"],),
                       laterality=Laterality.RIGHT,
                       goal_connection="Strengthening so the patient can climb stairs.")
    notes.set_total_treatment_minutes(chart, draft["note"], 30)
    signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    assert _stock(chart) == {"Electrode pads": Decimal(4), "Gloves": Decimal(20),
                             "Theraband": Decimal(3)}
    with chart.uow() as uow:
        note = uow.notes.get(draft["note"])
    assert '"supplies":[' in (note.snapshot or "") and signing.verify_signed(chart, draft["note"])
    with pytest.raises(SignedNoteImmutable):
        note_supplies.set_quantity(chart, draft["note"], band.id, "1")
    signed = note_supplies.for_note(chart, draft["note"])
    assert signed.signed and [r.name for r in signed.rows] == ["Electrode pads", "Theraband"]
    rows = [r["detail"] for r in charts.recent_audit(chart, 80) if r["entity"] == "note"]
    assert rows.count("supplies") == 7 and all("Thera" not in (d or "") for d in rows)


def test_car_kit_for_the_day_warns_before_it_runs_short(
    chart: ChartSession, draft  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    """The clinician's car kit against the day's home visits: a booked home visit expects its
    service's template; one whose draft note was changed expects the note's list; cancelled,
    office and other clinicians' visits expect nothing; short items are named."""
    from core.domain.enums import PlaceOfService
    from core.domain.schedule import AppointmentStatus
    from core.services import car_kit, schedule

    day = dt.date(2026, 12, 8)
    inventory.add_item(chart, name="Electrodes", unit="pair", hcpcs="A4556")
    gloves = inventory.add_item(chart, name="Gloves", unit="pair")
    inventory.add_location(chart, "Ada's car", LocationKind.CAR, clinician_id=draft["pt"])
    for name, qty in (("Electrodes", "4"), ("Gloves", "10")):
        inventory.receive(chart, name, qty, location="Ada's car")
    inventory.set_template(chart, "home-visit", [("Electrodes", "2", "pair"),
                                                 ("Gloves", "1", "pair")])
    home = {"service": "home-visit", "place": PlaceOfService.HOME, "address": "1 Elm St"}
    with chart.uow() as uow:
        patient = uow.visits.get(uow.notes.get(draft["note"]).visit_id).patient_id

    def book(hour: int, **kw: object) -> object:
        return schedule.book(chart, patient, draft["pt"],
                             dt.datetime.combine(day, dt.time(hour)), allow_outside_hours=True,
                             **{**home, **kw}).appointment  # type: ignore[arg-type]

    first = book(9)
    second = book(11)
    gone = book(13)
    book(15, service="daily", place=PlaceOfService.OFFICE, address="")
    schedule.set_status(chart, gone.id, AppointmentStatus.CANCELLED,  # type: ignore[attr-defined]
                        reason="patient ill")
    note_id = schedule.start_note(chart, second.id, today=day)  # type: ignore[attr-defined]
    with chart.uow() as uow:
        pads = next(i for i in uow.inventory.items() if i.name == "Electrodes")
    note_supplies.set_quantity(chart, note_id, pads.id, "3")  # changed on the draft note
    note_supplies.remove(chart, note_id, gloves.id)
    assert first is not None
    (kit,) = car_kit.kits_for_day(chart, day, [draft["pt"]])
    assert kit.location == "Ada's car" and kit.home_visits == 2
    got = {x.name: (x.on_hand, x.expected) for x in kit.lines}
    assert got == {"Electrodes": (Decimal(4), Decimal(5)), "Gloves": (Decimal(10), Decimal(1))}
    assert [x.name for x in kit.short] == ["Electrodes"]
    import uuid

    assert car_kit.kits_for_day(chart, day, [uuid.uuid4()]) == []  # nobody else's kit
