"""Superbill assembly (core.rules.superbill.assemble) from plain values: no chart.

The ledger's priced services come from ``core.services.pricing`` (pure) as ``load_account``
prices them; the bill's lines must add up to them to the cent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from rules_fixtures import DAY, Chart

from core.domain import billing as b
from core.domain.episode import Diagnosis, Episode
from core.domain.patient import Patient
from core.domain.practice import Practice
from core.domain.visit import Note, Visit
from core.rules.packs import default_packs
from core.rules.pricing import PricedService
from core.rules.superbill import SuperbillInputs, assemble, claim_day_key
from core.services.pricing import Payer, price_day, price_services

PACKS = default_packs()
CASH = Payer(None, PACKS.payer("cash"))
FEES = [b.FeeScheduleEntry(code, cents, dt.date(2020, 1, 1)) for code, cents in
        (("97110", 5000), ("97112", 5500), ("97140", 4500), ("97530", 6000))]


def signed(note: Note) -> Note:
    note.mark_signed(by=uuid.uuid4(), at=dt.datetime(2025, 3, 10, 12), snapshot="{}",
                     content_hash=f"h{note.id.hex[:8]}")
    return note


def minutes(note: Note) -> list[tuple[str, int]]:
    return [(blk.code, blk.minutes or 0) for blk in note.blocks]


def inputs(chart: Chart, pairs: list[tuple[Visit, Note]], *, payer: Payer = CASH,
           payments: tuple[b.Payment, ...] = (), drafts: int = 0,
           charged: dict[uuid.UUID, list[PricedService]] | None = None,
           **kw: object) -> SuperbillInputs:
    if charged is None:
        charged = {}
        by_day: dict[dt.date, list[tuple[Visit, Note]]] = {}
        for v, n in pairs:
            by_day.setdefault(v.date, []).append((v, n))
        for day, members in by_day.items():
            if len(members) == 1:
                charged[members[0][0].id] = price_services(
                    minutes(members[0][1]), payer, day, FEES, PACKS)[1]
            else:
                charged.update(price_day([(v.id, minutes(n)) for v, n in members], payer, day,
                                         FEES, PACKS)[1])
    ledger = b.build_ledger(
        [b.VisitCharge(v.id, v.date, sum(s.charge_cents for s in charged[v.id]))
         for v, _n in pairs], payments)
    chart.clinician.npi, chart.clinician.license_number = "1234567893", "PT-1"
    return SuperbillInputs(
        patient=Patient("Jo", "Doe", dt.date(1970, 1, 1), member_id="M1"),
        practice=Practice("Clinic", npi="1245319599", tax_id="12-3456789"),
        signed=pairs, drafts=drafts, episodes={chart.episode.id: chart.episode},
        payers={chart.episode.id: payer}, clinicians={chart.clinician.id: chart.clinician},
        charged=charged, ledger=ledger, payments=payments, packages=(),
        issued_on=DAY + dt.timedelta(days=30), **kw,  # type: ignore[arg-type]
    )


def test_lines_add_up_to_the_ledger_and_point_at_the_plan(chart: Chart) -> None:
    n1, v1 = chart.typical(DAY)
    n2, v2 = chart.typical(DAY + dt.timedelta(days=2))
    got = inputs(chart, [(v1, signed(n1)), (v2, signed(n2))])
    bill, findings = assemble(got, PACKS)
    assert [(ln.date, ln.code, ln.units) for ln in bill.lines] == [
        (d, c, 1) for d in (v1.date, v2.date) for c in ("97110", "97112", "97140", "97530")]
    assert bill.charges_cents == got.ledger.charges_cents == 2 * (5000 + 5500 + 4500 + 6000)
    assert {ln.pointers for ln in bill.lines} == {"A"}
    assert bill.diagnoses[0].code == "R26.89"
    assert {ln.rendering_npi for ln in bill.lines} == {"1234567893"}
    assert (bill.period_from, bill.period_to) == (v1.date, v2.date)
    assert bill.visit_ids == (v1.id, v2.id)
    assert [f.id for f in findings] == []
    again, _f = assemble(got, PACKS)
    assert again.number == bill.number  # deterministic


def test_two_visits_on_one_day_bill_as_one_day(chart: Chart) -> None:
    v1, v2 = chart.visit(DAY, "09:00", "09:20"), chart.visit(DAY, "15:00", "15:20")
    n1 = signed(chart.note(v1, [chart.block("97110", "09:00", "09:10")]))
    n2 = signed(chart.note(v2, [chart.block("97110", "15:00", "15:10")]))
    bill, findings = assemble(inputs(chart, [(v1, n1), (v2, n2)]), PACKS)
    # 10 + 10 minutes of one code: one unit for the day, not two visits of 0 units
    assert [(ln.code, ln.units, ln.charge_cents) for ln in bill.lines] == [("97110", 1, 5000)]
    assert "scrub.day_combined" in [f.id for f in findings]


def test_what_is_left_off_is_explained_not_billed(chart: Chart) -> None:
    v = chart.visit(DAY)
    n = signed(chart.note(v, [chart.block("97110", "09:00", "09:05"),
                              chart.block("97112", "09:05", "09:20")]))
    bill, findings = assemble(inputs(chart, [(v, n)], drafts=2), PACKS)
    assert [ln.code for ln in bill.lines] == ["97112"]  # 5 min of 97110 earn nothing
    ids = [f.id for f in findings]
    assert "scrub.unsigned_excluded" in ids
    [zero] = [f for f in findings if f.id == "scrub.zero_units"]
    assert zero.message.startswith("97110 on 2025-03-10 earned 0 units")


def test_payments_of_the_billed_visits_only(chart: Chart) -> None:
    n1, v1 = chart.typical(DAY)
    other = uuid.uuid4()
    pid = uuid.uuid4()
    payments = (
        b.Payment(pid, DAY, 3000, visit_id=v1.id, reference="1001"),
        b.Payment(pid, DAY, -1000, kind=b.PaymentKind.REFUND, visit_id=v1.id),
        b.Payment(pid, DAY, 2000, visit_id=other),
    )
    bill, _f = assemble(inputs(chart, [(v1, signed(n1))], payments=payments), PACKS)
    assert [(p.description, p.amount_cents) for p in bill.payments] == [
        ("Payment (card, ref 1001)", 3000), ("Refund (card)", -1000)]


def test_kx_day_fees_come_from_the_inputs(chart: Chart) -> None:
    n1, v1 = chart.typical(DAY)
    got = inputs(chart, [(v1, signed(n1))])
    key = claim_day_key(v1, got.episodes, got.payers)
    priced = dict(got.kx_fees) | {key: {"97110": Decimal("31.17")}}
    bill, _f = assemble(SuperbillInputs(**{**got.__dict__, "kx_fees": priced}), PACKS)
    # the KX day's fee map feeds the modifiers' context only: the charges stay the ledger's
    assert bill.charges_cents == got.ledger.charges_cents


def test_more_than_twelve_diagnoses_over_two_plans_block(chart: Chart) -> None:
    for i in range(6):
        chart.episode.add_diagnosis(Diagnosis(code=f"M25.5{i}"))
    other = Episode(patient_id=chart.patient_id, discipline=chart.episode.discipline,
                    start_date=chart.episode.start_date + dt.timedelta(days=1))
    for i in range(7):
        other.add_diagnosis(Diagnosis(code=f"M62.8{i}"))
    n1, v1 = chart.typical(DAY)
    v2 = Visit(patient_id=chart.patient_id, episode_id=other.id, clinician_id=chart.clinician.id,
               date=DAY + dt.timedelta(days=1))
    n2 = signed(chart.note(v2, [chart.block("97110", "09:00", "09:15")]))
    got = inputs(chart, [(v1, signed(n1)), (v2, n2)])
    both = SuperbillInputs(**{**got.__dict__, "episodes": {**got.episodes, other.id: other},
                              "payers": {**got.payers, other.id: CASH}})
    bill, findings = assemble(both, PACKS)
    assert [d.letter for d in bill.diagnoses] == list("ABCDEFGHIJKL")  # 14 known, 12 fit
    assert "scrub.too_many_diagnoses" in [f.id for f in findings]
    assert bill.lines[-1].pointers == "H"  # the second plan's primary diagnosis
