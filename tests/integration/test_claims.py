"""Claims out of a real encrypted demo chart (issue 18): the claim facts round-trip, the CMS-1500
PDF read back, 837P files validated by pyx12, claims marked sent with persisted control numbers,
itemised refusals that write and mark nothing, and the ``chartside claims`` commands."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.domain.billing import Payment, PaymentKind
from core.domain.claims import Claim, ClaimStatus, InsuredRelationship
from core.domain.errors import ValidationError
from core.export import cms1500_pdf
from core.rules.claims import x837
from core.rules.claims.x835 import Adjustment, PaidClaim, write_835
from core.services import charts, claims, demo, episodes, patients, practice, remittance
from core.services.billing import load_account
from core.services.claim_scrub import NothingToBill
from core.services.claims import ClaimIncomplete, Cms1500Request
from core.storage import audit
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE
from tests.unit.test_claims_rules import VARIANTS, era_text, x837_file

TODAY = dt.date(2026, 3, 20)
FROM, TO = dt.date(2026, 1, 1), TODAY
NOW = dt.datetime(2026, 4, 2, 9, 30)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("claims")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHARTSIDE_STATE_DIR", str(folder / "state"))
        session, _ = charts.create_chart(folder / "demo.chart", PASSPHRASE,
                                         kdf=KdfParams.fast_for_tests())
        demo.populate(session, today=TODAY)
        session.lock()
    return folder / "demo.chart"


@pytest.fixture
def demo_chart(demo_file: Path, tmp_path: Path) -> Iterator[ChartSession]:
    target = tmp_path / demo_file.name
    shutil.copy(demo_file, target)
    shutil.copy(charts.key_path(demo_file), charts.key_path(target))
    session = charts.open_chart(target, passphrase=PASSPHRASE)
    yield session
    session.lock()


def patient_id(chart: ChartSession, last_name: str) -> uuid.UUID:
    with chart.uow() as uow:
        return next(r.id for r in uow.patients.search(last_name.lower()))


def validate_x12(text: str) -> dict[str, object]:
    """pyx12's JSON report for one file's text (an independent X12 validator)."""
    import pyx12.params
    import pyx12.x12n_document

    report = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=io.StringIO(),
        fd_html=None, fd_json=report)
    data: dict[str, object] = json.loads(report.getvalue())
    data["ok"] = ok
    return data


def verdicts(report: dict[str, object]) -> list[bool]:
    """Per interchange of the file (one pyx12 run reads many: loading its maps takes ~1.5 s):
    accepted with no error in the interchange, its group or its transaction."""
    return [not i["errors"] and all(
        g["ack_code"] == "A" and not g["errors"]
        and all(t["ack_code"] == "A" and not t["errors"] for t in g["transactions"])
        for g in i["groups"]) for i in report["interchanges"]]  # type: ignore[attr-defined]


def _insurance_payments(chart: ChartSession) -> dict[uuid.UUID, int]:
    with chart.uow() as uow:
        out: dict[uuid.UUID, int] = {}
        for pid in uow.patients.all_ids():
            for pay in uow.billing.payments.for_patient(pid):
                if str(pay.method) == "insurance":
                    out[pay.id] = pay.amount_cents
        return out


def test_claim_facts_round_trip(demo_chart: ChartSession) -> None:
    pid = patient_id(demo_chart, "Ellery")
    patients.update_patient(demo_chart, pid, insured_relationship=InsuredRelationship.SPOUSE,
                            insured_first_name="Sam", insured_last_name="Ellery",
                            insured_date_of_birth=dt.date(1950, 1, 2), insured_state="or")
    with demo_chart.uow() as uow:
        eid = uow.episodes.for_patient(pid)[0].id
    episodes.update_episode(demo_chart, eid, auto_accident_state="wa",
                            accident_date=dt.date(2026, 1, 3), prior_authorization=" PA-9 ")
    claims.update_payer_claim_ids(demo_chart, "medicare", payer_id="NEWID", test_mode=False)
    path = demo_chart.path
    demo_chart.lock()
    reopened = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        with reopened.uow() as uow:
            p = uow.patients.get(pid)
            ep = uow.episodes.get(eid)
            payer = next(x for x in uow.payers.list() if x.key == "medicare")
            rows = [r for r in audit.recent(uow.conn, 200) if r["entity"] == "payer_profile"]
        assert p.insured_relationship is InsuredRelationship.SPOUSE
        assert (p.insured_last_name, p.insured_state) == ("Ellery", "OR")
        assert p.insured_date_of_birth == dt.date(1950, 1, 2)
        assert (ep.auto_accident_state, ep.prior_authorization) == ("WA", "PA-9")
        assert ep.accident_date == dt.date(2026, 1, 3)
        assert (payer.payer_id, payer.test_mode, payer.submitter_id) == ("NEWID", False,
                                                                         "DEMOSUB001")
        assert rows and "payer_id" in rows[0]["detail"]
    finally:
        reopened.lock()


def test_cms1500_from_the_chart(demo_chart: ChartSession, tmp_path: Path) -> None:
    pid = patient_id(demo_chart, "Ellery")  # Medicare, right knee
    out = tmp_path / "claim.pdf"
    result = claims.export_cms1500(demo_chart, Cms1500Request(pid, issued_on=NOW.date()), out)
    export = result.value
    lines = sum(len(c.lines) for c in export.claims)
    assert export.pages == -(-lines // 6) >= 2 and out.stat().st_mode & 0o777 == 0o600
    reader = PdfReader(out)
    assert len(reader.pages) == export.pages
    first = " ".join(reader.pages[0].extract_text().split())
    for needle in ("HEALTH INSURANCE CLAIM FORM", "ELLERY, ROWAN", "MEDICARE PART B",
                   "M17.11", "R26.89", "SIGNATURE ON FILE", "WHITFIELD",
                   demo.fake_npi("193456780"), "225100000X", "NONE", f"PAGE 1 OF {export.pages}"):
        assert needle in first, needle
    # the member id in item 1a, within a millimetre of its box position
    claim = export.claims[0]
    x, y = cms1500_pdf.position(8, 50)
    spots: list[tuple[str, float, float]] = []
    reader.pages[0].extract_text(visitor_text=lambda t, cm, tm, *_: spots.append(
        (t.strip(), tm[4], tm[5])))
    assert any(t.startswith(claim.member_id) and abs(tx - x) < 2.84 and abs(ty - y) < 2.84
               for t, tx, ty in spots)
    assert all(ln.pointers == "A" for ln in claim.lines)  # right-side lines → the right knee
    with demo_chart.uow() as uow:
        rows = [r for r in audit.recent(uow.conn, 50) if r["entity"] == "cms1500"]
    assert rows[0]["action"] == "export" and export.sha256[:16] in rows[0]["detail"]
    assert "Ellery" not in rows[0]["detail"]
    # red-form mode: text only, no outlines or labels
    text_only = claims.preview_cms1500(demo_chart, Cms1500Request(pid, mode="form",
                                                                  issued_on=NOW.date()))
    page = PdfReader(io.BytesIO(text_only.pdf)).pages[0].extract_text()
    assert "ELLERY, ROWAN" in page and "HEALTH INSURANCE CLAIM FORM" not in page


def test_paper_claims_marked_sent_carry_their_number_in_item_26(
    demo_chart: ChartSession, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Filing on paper (``claims cms1500 --mark-sent``): one claim per day of service, each form
    with the claim's number in item 26 (14 places, the number the payer returns in its 835),
    saved as sent with the file; the same visits are then neither marked again nor put in an
    837P, and an 835 for them posts as for electronic claims."""
    from core.domain.claims import PAPER_NUMBER_LENGTH
    from tests.integration.cli_inprocess import run

    pid = patient_id(demo_chart, "Ellery")  # Medicare
    plain = claims.preview_cms1500(demo_chart, Cms1500Request(pid, issued_on=NOW.date()))
    days = sorted({ln.date for d in plain.claims for ln in d.lines})
    path = demo_chart.path
    demo_chart.lock()
    out = tmp_path / "paper.pdf"
    ran = run(capsys, monkeypatch, ["--chart", str(path), "claims", "cms1500", "--patient",
                                    str(pid), "--out", str(out), "--mark-sent", "--json"],
              {"CHARTSIDE_PASSPHRASE": PASSPHRASE})
    assert ran.returncode == 0, ran
    numbers = json.loads(ran.stdout)["sent"]
    chart = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        with chart.uow() as uow:
            sent = tuple(sorted(uow.claims.find(status=ClaimStatus.SENT),
                                key=lambda c: c.service_date))
            row = next(r for r in audit.recent(uow.conn, 200) if r["entity"] == "cms1500")
        assert sorted(c.control_number for c in sent) == sorted(numbers)
        assert [c.service_date for c in sent] == days and len(days) > 1  # one claim per day
        assert all(len(c.control_number) == PAPER_NUMBER_LENGTH for c in sent)
        assert len(set(numbers)) == len(numbers)
        assert sum(c.charge_cents for c in sent) == sum(d.charge_cents for d in plain.claims)
        assert row["action"] == "export" and f"sent={len(sent)}" in row["detail"]
        assert "Ellery" not in row["detail"]
        # every form holds its claim's number in item 26, within a millimetre, in day order
        x, y = cms1500_pdf.position(56, 23)
        spots: list[tuple[str, float, float]] = []
        for page in PdfReader(out).pages:  # in page order
            page.extract_text(visitor_text=lambda t, cm, tm, *_: spots.append(
                (t.strip(), tm[4], tm[5])))
        in_26 = [t[:PAPER_NUMBER_LENGTH] for t, tx, ty in spots
                 if abs(tx - x) < 2.84 and abs(ty - y) < 2.84 and t]
        assert list(dict.fromkeys(in_26)) == [c.control_number for c in sent]
        # again: every visit is on a sent claim, nothing is written; a plain reprint still is
        with pytest.raises(NothingToBill, match="claim sent already"):
            claims.export_cms1500(chart, Cms1500Request(pid, mark_sent=True),
                                  tmp_path / "again.pdf", now=NOW)
        assert not (tmp_path / "again.pdf").exists()
        claims.export_cms1500(chart, Cms1500Request(pid), tmp_path / "copy.pdf")
        # the 837P leaves these visits out
        batch = claims.export_837p(chart, date_from=FROM, date_to=TO, payer="medicare",
                                   out=tmp_path / "mcr.x12", now=NOW).value
        assert not ({v for c in sent for v in c.visit_ids}
                    & {v for c in batch.claims for v in c.visit_ids})
        _remittance_posts_exactly_once(chart, tmp_path, sent)
    finally:
        chart.lock()


def test_837p_files_validate_and_mark_claims_sent(demo_chart: ChartSession,
                                                  tmp_path: Path) -> None:
    first = claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer="medicare",
                               out=tmp_path / "mcr.x12", now=NOW).value
    second = claims.export_837p(demo_chart, date_from=FROM, date_to=TO,
                                payer="Cascade Mutual PPO", out=tmp_path / "cmp.x12",
                                now=NOW).value
    numbers = (first.batch.control_number, second.batch.control_number)
    assert numbers[0] != numbers[1] and all(1 <= n <= 999_999_999 for n in numbers)
    # one pyx12 run (loading its maps takes ~1.5 s): the demo chart's two files, every 837P
    # shape tests/unit builds (dependents, accidents, prior authorization, DK/DQ providers),
    # the stand-in payer's 835, and last a file with a wrong SE01, which must be refused
    variants = [x837_file(40 + i, **kw)[0] for i, kw in enumerate(VARIANTS)] + [era_text()]
    broken = x837_file(99)[0].replace("\nSE*", "\nSE*9", 1)
    report = validate_x12(first.path.read_text() + second.path.read_text()
                          + "".join(variants) + broken)
    assert verdicts(report) == [True] * (2 + len(variants)) + [False], report
    for batch in (first, second):
        text = batch.path.read_text()
        assert text == batch.text
        assert text.count("CLM*") == len(batch.claims) > 10
        assert int(text.split("\nSE*")[1].split("*")[0]) == x837.count_segments(text, "ST", "SE")
    with demo_chart.uow() as uow:
        stored = uow.claims.find(status=ClaimStatus.SENT)
        batches = uow.claims.batches()
        rows = [r for r in audit.recent(uow.conn, 500) if r["entity"] == "claims"]
    assert len(stored) == len(first.claims) + len(second.claims)
    assert len({c.control_number for c in stored}) == len(stored)
    assert sorted(b.sha256 for b in batches) == sorted([first.batch.sha256, second.batch.sha256])
    assert {r["detail"].split("sha256=")[1] for r in rows} == {first.batch.sha256,
                                                                 second.batch.sha256}
    # the same range again: every visit is on a claim already, nothing new is written
    with pytest.raises(NothingToBill):
        claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer="medicare",
                           out=tmp_path / "again.x12", now=NOW)
    assert not (tmp_path / "again.x12").exists()
    _remittance_posts_exactly_once(demo_chart, tmp_path, first.claims)


def _remittance_posts_exactly_once(chart: ChartSession, tmp_path: Path,
                                   sent: tuple[Claim, ...]) -> None:
    """An 835 built from the sent claims: 80 % paid with CO-45 and PR-2, the last one denied
    (CO-197), one control number we never sent; imported twice."""
    paid = [PaidClaim(c.control_number, c.charge_cents, c.charge_cents * 8 // 10,
                      adjustments=[Adjustment("CO", "45", c.charge_cents // 10),
                                   Adjustment("PR", "2", c.charge_cents
                                              - c.charge_cents * 8 // 10
                                              - c.charge_cents // 10)])
            for c in sent[:-1]]
    denied = sent[-1]
    era = write_835([*paid, PaidClaim(denied.control_number, denied.charge_cents, 0, "4",
                                      [Adjustment("CO", "197", denied.charge_cents)]),
                     PaidClaim("NOTOURS000000000001", 5000, 4000)],
                    trace="EFT20260415", paid_on=dt.date(2026, 4, 15))
    path = tmp_path / "era.835"
    path.write_text(era)
    before = _insurance_payments(chart)
    first = remittance.import_835(chart, path).value
    assert len(first.posted) == len(sent) and first.denied == 1
    assert [c.control_number for c in first.unmatched] == ["NOTOURS000000000001"]
    assert first.paid_cents == sum(p.paid_cents for p in paid)
    posted = _insurance_payments(chart)
    assert sum(posted.values()) - sum(before.values()) == first.paid_cents  # exactly the paid
    with chart.uow() as uow:
        by_number = uow.claims.by_control_numbers(c.control_number for c in sent)
        detail = uow.claims.remittances_of(by_number[denied.control_number].id)
    assert by_number[denied.control_number].status is ClaimStatus.DENIED
    assert detail[0].adjustments == [["CO", "197", denied.charge_cents]]
    ok = by_number[sent[0].control_number]
    assert ok.status is ClaimStatus.PAID and ok.paid_cents == paid[0].paid_cents
    assert ok.adjustment_cents == sent[0].charge_cents // 10 and ok.payer_claim_number
    # CO-45 reached the patients' ledgers as write-offs (issue 14); PR-2 stays owed; the
    # denial's CO-197 is not written off (it stays on the claim, to appeal or correct)
    offs = _write_offs(chart)
    co45 = sum(c.charge_cents // 10 for c in sent[:-1])
    assert first.written_off_cents == sum(o.amount_cents for o in offs) > 0
    assert first.written_off_cents + sum(p.not_written_off_cents for p in first.posted) == co45
    assert all(o.reference == "ERA EFT20260415" and "CO-45" in o.memo
               and "Contractual adjustment" in o.memo for o in offs)
    denied_visits = set(by_number[denied.control_number].visit_ids)
    assert not any(o.visit_id in denied_visits for o in offs)
    lone = next(p for p in first.posted if len(p.claim.visit_ids) == 1 and not p.payment.denied
                and p.not_written_off_cents == 0)
    with chart.uow() as uow:
        account, _n = load_account(uow, lone.claim.patient_id)
    cp = lone.payment
    assert account.ledger.visits[lone.claim.visit_ids[0]].written_off_cents \
        == cp.adjusted("CO")
    again = remittance.import_835(chart, path).value  # the same file: nothing changes
    assert again.posted == () and len(again.already_posted) == len(sent)
    assert _insurance_payments(chart) == posted
    assert [o.id for o in _write_offs(chart)] == [o.id for o in offs]  # exactly once


def _write_offs(chart: ChartSession) -> list[Payment]:
    with chart.uow() as uow:
        return sorted((p for pid in uow.patients.all_ids()
                       for p in uow.billing.payments.for_patient(pid)
                       if p.kind is PaymentKind.WRITE_OFF), key=lambda p: str(p.id))


def test_bad_data_is_refused_item_by_item_and_nothing_is_sent(demo_chart: ChartSession,
                                                              tmp_path: Path) -> None:
    claims.update_payer_claim_ids(demo_chart, "medicare", payer_id="")
    practice.save_practice(demo_chart, npi=None)
    with pytest.raises(ClaimIncomplete) as caught:
        claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer="medicare",
                           out=tmp_path / "bad.x12", now=NOW)
    items = caught.value.items
    assert any("no payer id" in i for i in items) and any("no NPI" in i for i in items)
    assert caught.value.exit_code == 8 and "Ellery" not in str(caught.value)
    assert not (tmp_path / "bad.x12").exists()
    assert not list(tmp_path.glob("*.part"))
    assert claims.list_claims(demo_chart) == []
    # an unwritable target: no claim is marked sent either
    practice.save_practice(demo_chart, npi=demo.fake_npi("193456780"))
    claims.update_payer_claim_ids(demo_chart, "medicare", payer_id="DEMOMCR01")
    with pytest.raises(Exception, match="Cannot write"):
        claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer="medicare",
                           out=tmp_path / "missing" / "x.x12", now=NOW)
    assert claims.list_claims(demo_chart) == []


def test_cli_claims(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.cli import main

    target = tmp_path / "demo.chart"
    shutil.copy(demo_file, target)
    shutil.copy(charts.key_path(demo_file), charts.key_path(target))
    monkeypatch.setenv("CHARTSIDE_PASSPHRASE", PASSPHRASE)
    base = ["--chart", str(target), "claims"]
    assert main([*base, "837p", "--from", "2026-01-01", "--to", "2026-03-20", "--payer",
                 "commercial", "--out", str(tmp_path / "c.x12"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["claims"] > 0 and 1 <= summary["control_number"] <= 999_999_999
    assert main([*base, "list", "--status", "sent", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == summary["claims"]
    session = charts.open_chart(target, passphrase=PASSPHRASE)
    pid = patient_id(session, "Ellery")
    session.lock()
    assert main([*base, "cms1500", "--patient", str(pid), "--out", str(tmp_path / "f.pdf"),
                 "--print-on-form", "--offset-x", "1.5"]) == 0
    assert (tmp_path / "f.pdf").exists()
    assert main([*base, "cms1500", "--test-page", "--out", str(tmp_path / "t.pdf")]) == 0
    assert main([*base, "facts", "--payer", "medicare", "--payer-id", ""]) == 0
    capsys.readouterr()
    assert main([*base, "837p", "--from", "2026-01-01", "--to", "2026-03-20", "--payer",
                 "medicare", "--out", str(tmp_path / "m.x12")]) == 8
    err = capsys.readouterr().err
    assert "no payer id" in err and not (tmp_path / "m.x12").exists()
    assert main([*base, "facts", "--patient", str(pid), "--relationship", "cousin"]) == 2
    era = tmp_path / "era.835"
    era.write_text(era_text())  # control numbers this chart never sent
    capsys.readouterr()
    assert main([*base, "import-835", str(era), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unmatched"] == ["CLM0001", "CLM0002"]
    assert main([*base, "import-835", str(tmp_path / "c.x12")]) == 2  # an 837 is not an 835


def test_good_faith_estimate_issued_kept_and_checked(demo_chart: ChartSession,
                                                     tmp_path: Path) -> None:
    from core.services import estimates

    with demo_chart.uow() as uow:
        cash = next(p for p in uow.payers.list() if p.key == "cash")
        episode = next(e for pid in uow.patients.all_ids() for e in uow.episodes.for_patient(pid)
                       if e.payer_profile_id == cash.id)
        medicare = next(e for pid in uow.patients.all_ids()
                        for e in uow.episodes.for_patient(pid)
                        if e.payer_profile_id != cash.id)
    before = estimates.check_estimate(demo_chart, episode.id).value
    assert [f.id for f in before.findings] == ["estimate.missing"] and before.billed_cents > 0
    out = tmp_path / "gfe.pdf"
    est = estimates.issue_estimate(demo_chart, episode.id, [("97110", 2), ("97140", 1)], out,
                                   evaluation="97162", issued_on=TODAY).value
    assert est.visits == 16 and est.total_cents == sum(ln.total_cents for ln in est.lines)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    for needle in ("Good Faith Estimate", "Date of birth", demo.fake_npi("193456780"),
                   "93-4418207", "97162", "97110", "16 expected visits", "$400 or more",
                   "120 calendar days", "Total estimated charges"):
        assert needle in text, needle
    with demo_chart.uow() as uow:
        kept = uow.claims.estimates_for(episode.id)
    assert [k.sha256 for k in kept] == [est.sha256] and kept[0].pdf == out.read_bytes()
    assert kept[0].lines == est.lines
    after = estimates.check_estimate(demo_chart, episode.id).value
    assert after.estimate is not None and after.billed_cents < est.total_cents
    assert after.findings == ()
    tiny = estimates.issue_estimate(demo_chart, episode.id, [("97140", 1)], tmp_path / "t.pdf",
                                    issued_on=TODAY).value
    check = estimates.check_estimate(demo_chart, episode.id).value
    assert check.estimate is not None and check.estimate.id == tiny.id
    assert check.billed_cents - tiny.total_cents >= 40_000  # billed well above the tiny one
    assert [f.id for f in check.findings] == ["estimate.exceeded"]
    with pytest.raises(Exception, match="in-network insurer"):
        estimates.issue_estimate(demo_chart, medicare.id, [("97110", 1)], tmp_path / "m.pdf")
    assert not (tmp_path / "m.pdf").exists()


def test_estimate_command_names_a_malformed_service_and_writes_nothing(
    demo_chart: ChartSession, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``chartside estimate --per-visit``: the grammar the desktop dialog shares
    (``parse_per_visit``); a malformed part is exit 2 with the part named, no file, no record."""
    from core.rules.estimates import parse_per_visit
    from tests.integration.cli_inprocess import run

    assert parse_per_visit(" 97110x2 ,97140, 97112 × 3, g0283X1") == [
        ("97110", 2), ("97140", 1), ("97112", 3), ("G0283", 1)]
    with demo_chart.uow() as uow:
        cash = next(p for p in uow.payers.list() if p.key == "cash")
        episode = next(e for pid in uow.patients.all_ids() for e in uow.episodes.for_patient(pid)
                       if e.payer_profile_id == cash.id)
    path = demo_chart.path
    demo_chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE}
    out = tmp_path / "gfe.pdf"
    base = ["--chart", str(path), "estimate", "--episode", str(episode.id), "--out", str(out)]
    for bad in ("97110x", "97110x0", "9711", "97110x٢", "97110x2x2"):
        ran = run(capsys, monkeypatch, [*base, "--per-visit", bad], env)
        assert ran.returncode == 2 and "is not CODE or CODExUNITS" in ran.stderr, (bad, ran)
        assert not out.exists()
    ran = run(capsys, monkeypatch, [*base, "--per-visit", "97110x2,97140", "--date",
                                    TODAY.isoformat()], env)
    assert ran.returncode == 0 and "expected visits" in ran.stdout and out.exists()
    session = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        with session.uow() as uow:
            assert len(uow.claims.estimates_for(episode.id)) == 1
    finally:
        session.lock()


def test_billable_supply_adds_its_claim_line(demo_chart: ChartSession, tmp_path: Path) -> None:
    """Issue 20: electrodes (A4556) a signed note used become a line of the superbill (PDF read
    back), the CMS-1500 and the 837P (pyx12 keeps it valid) and a charge in the account:
    units = quantity used (1.5 pair -> 2), the fee schedule's price. Without a fee on file the
    supply is left off with a scrub finding — never a $0 line, never the item's unit cost."""
    from decimal import Decimal

    from core.rules import inventory as stock_rules
    from core.services import billing, inventory, superbill
    from core.services.superbill import SuperbillRequest

    pid = patient_id(demo_chart, "Ellery")  # Medicare
    with demo_chart.uow() as uow:
        account, _ = billing.load_account(uow, pid)
    visit = max(account.billed, key=lambda b: (b.date, str(b.visit_id)))
    before = account.ledger.visits[visit.visit_id].charge_cents
    pads = inventory.add_item(demo_chart, name="Electrode pads", unit="pair", hcpcs="A4556",
                              unit_cost_cents=120)
    inventory.receive(demo_chart, "Electrode pads", "10")
    with demo_chart.uow() as uow:  # what signing records for the note (apply_note_usage)
        note = uow.notes.for_visit(visit.visit_id)
        assert note is not None and note.is_signed
        clinic = next(iter(uow.inventory.locations()))
        uow.inventory.add_movements(stock_rules.note_usage(
            note.id, {pads.id: Decimal("1.5")}, clinic.id, dt.datetime.combine(visit.date,
                                                                               dt.time(10))))
        uow.commit()
    request = SuperbillRequest(pid, visit_id=visit.visit_id, issued_on=NOW.date())
    unpriced = superbill.preview_superbill(demo_chart, request).value
    assert all(ln.code != "A4556" for ln in unpriced.superbill.lines)
    missing = [f for f in unpriced.findings if f.id == "scrub.supply_fee_missing"]
    assert len(missing) == 1 and "Electrode pads" in missing[0].message
    billing.set_fee(demo_chart, "A4556", 350, effective_from=dt.date(2026, 1, 1))
    priced = superbill.preview_superbill(demo_chart, request).value
    line = next(ln for ln in priced.superbill.lines if ln.code == "A4556")
    assert (line.units, line.fee_cents, line.charge_cents, line.modifiers) == (2, 350, 700, ())
    assert line.pointers and not any(f.id == "scrub.supply_fee_missing" for f in priced.findings)
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(priced.pdf)).pages)
    assert "A4556" in text and "Electrode pads" in text
    with demo_chart.uow() as uow:
        after, _ = billing.load_account(uow, pid)
    assert after.ledger.visits[visit.visit_id].charge_cents == before + 700
    form = claims.preview_cms1500(demo_chart, Cms1500Request(pid, issued_on=NOW.date()))
    assert any(ln.code == "A4556" and ln.units == 2 and ln.charge_cents == 700
               for c in form.claims for ln in c.lines)
    batch = claims.export_837p(demo_chart, date_from=visit.date, date_to=visit.date,
                               payer="medicare", out=tmp_path / "supply.x12", now=NOW).value
    assert "SV1*HC:A4556*7*UN*2" in batch.text
    assert verdicts(validate_x12(batch.text)) == [True]


def test_a_claim_of_several_visits_pays_each_visit_what_it_owes(demo_chart: ChartSession,
                                                                 tmp_path: Path) -> None:
    """A claim is a day of service and may hold several visits (issue 14): its payment is split
    over them, oldest first, each at most what it owes — not all on the first visit, whose
    excess then paid some other, older visit as account credit."""
    with demo_chart.uow() as uow:
        for pid in uow.patients.all_ids():
            account, _n = load_account(uow, pid)
            owing = sorted((x for x in account.ledger.visits.values() if x.balance_cents > 0),
                           key=lambda x: (x.date, str(x.visit_id)))
            if len(owing) >= 3:
                break
        later, earlier = owing[2], owing[1]  # two visits after an older one that also owes
        episode = uow.episodes.get(uow.visits.get(later.visit_id).episode_id)
        assert episode.payer_profile_id is not None
        claim = Claim(pid, episode.id, episode.payer_profile_id, earlier.date,
                      (later.visit_id, earlier.visit_id),
                      later.charge_cents + earlier.charge_cents, ClaimStatus.SENT, sent_at=NOW)
        uow.claims.save([claim])
        uow.record("create", "claim", claim.id)
        uow.commit()
    saved = next(c for c in claims.list_claims(demo_chart) if c.id == claim.id)
    paid = earlier.balance_cents + later.balance_cents // 2
    path = tmp_path / "two.835"
    path.write_text(write_835([PaidClaim(saved.control_number, saved.charge_cents, paid)],
                              trace="EFT20260501", paid_on=dt.date(2026, 5, 1)))
    posted = remittance.import_835(demo_chart, path).value
    assert posted.paid_cents == paid
    with demo_chart.uow() as uow:
        account, _n = load_account(uow, pid)
        era = [p for p in uow.billing.payments.for_patient(pid) if p.reference == "ERA EFT20260501"]
    assert sorted((p.visit_id, p.amount_cents) for p in era) == sorted(
        [(earlier.visit_id, earlier.balance_cents), (later.visit_id, later.balance_cents // 2)])
    visits = account.ledger.visits
    assert visits[earlier.visit_id].balance_cents == 0
    assert visits[later.visit_id].balance_cents == later.balance_cents - later.balance_cents // 2
    assert visits[owing[0].visit_id].balance_cents == owing[0].balance_cents  # untouched


PPO = "Cascade Mutual PPO"  # a payer that takes corrected claims (not Medicare)


def _deny_one(chart: ChartSession, tmp_path: Path, sent: tuple[Claim, ...]) -> Claim:
    """An 835 that pays every claim but the last, which it denies with a payer claim number."""
    denied = sent[-1]
    era = write_835([*(PaidClaim(c.control_number, c.charge_cents, c.charge_cents,
                                 payer_claim_number=f"PCN{i:05d}")
                       for i, c in enumerate(sent[:-1])),
                     PaidClaim(denied.control_number, denied.charge_cents, 0, "4",
                               [Adjustment("CO", "16", denied.charge_cents)],
                               payer_claim_number="PCN77777")],
                    trace="EFT20260420", paid_on=dt.date(2026, 4, 20))
    path = tmp_path / "deny.835"
    path.write_text(era)
    assert remittance.import_835(chart, path).value.denied == 1
    with chart.uow() as uow:
        return uow.claims.get(denied.id)  # type: ignore[return-value]


def test_a_denied_claim_is_reopened_and_filed_again_as_a_corrected_837p(
    demo_chart: ChartSession, tmp_path: Path
) -> None:
    first = claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer=PPO,
                               out=tmp_path / "mcr.x12", now=NOW).value
    denied = _deny_one(demo_chart, tmp_path, first.claims)
    assert denied.status is ClaimStatus.DENIED and denied.payer_claim_number == "PCN77777"
    paid = first.claims[0]
    with pytest.raises(ValidationError, match="Only a denied claim"):
        claims.reopen_denied(demo_chart, paid.id)  # a paid claim is not reopened
    with pytest.raises(NothingToBill):  # denied but not reopened: its visits stay claimed
        claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer=PPO,
                           out=tmp_path / "none.x12", now=NOW)
    claims.reopen_denied(demo_chart, denied.id)
    with pytest.raises(ValidationError):  # once
        claims.reopen_denied(demo_chart, denied.id)
    later = NOW + dt.timedelta(days=20)
    again = claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer=PPO,
                               out=tmp_path / "corrected.x12", now=later).value
    [corrected] = again.claims
    assert corrected.visit_ids == denied.visit_ids and corrected.replaces_id == denied.id
    assert corrected.control_number != denied.control_number
    text = again.path.read_text()
    clm = next(s for s in text.split("~") if s.strip().startswith("CLM*"))
    assert clm.split("*")[5].split(":")[2] == "7"  # CLM05-3: replacement of a prior claim
    assert "REF*F8*PCN77777~" in text
    assert verdicts(validate_x12(text)) == [True]
    with demo_chart.uow() as uow:
        assert uow.claims.get(denied.id).status is ClaimStatus.REOPENED  # type: ignore[union-attr]
        rows = [r for r in audit.recent(uow.conn, 50) if r["entity"] == "claim"
                and r["action"] == "update"]
    assert any(r["detail"] == "reopened for correction" for r in rows)
    with pytest.raises(NothingToBill):  # the corrected claim holds the visits now
        claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer=PPO,
                           out=tmp_path / "third.x12", now=later)


def test_a_reopened_denial_filed_on_paper_carries_item_22(
    demo_chart: ChartSession, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.integration.cli_inprocess import run

    first = claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer=PPO,
                               out=tmp_path / "mcr.x12", now=NOW).value
    denied = _deny_one(demo_chart, tmp_path, first.claims)
    path = demo_chart.path
    demo_chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE}
    ran = run(capsys, monkeypatch, ["--chart", str(path), "claims", "reopen",
                                    denied.control_number.lower()], env)
    assert ran.returncode == 0 and "reopened" in ran.stdout
    ran = run(capsys, monkeypatch, ["--chart", str(path), "claims", "reopen",
                                    denied.control_number], env)
    assert ran.returncode != 0 and "Only a denied claim" in ran.stderr
    chart = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        day = denied.service_date
        export = claims.export_cms1500(chart, Cms1500Request(
            denied.patient_id, date_from=day, date_to=day, issued_on=NOW.date(),
            mark_sent=True), tmp_path / "corrected.pdf", now=NOW).value
        [claim] = export.sent
        assert claim.replaces_id == denied.id and claim.visit_ids == denied.visit_ids
        page = PdfReader(tmp_path / "corrected.pdf").pages[0]
        spots: list[tuple[str, float, float]] = []
        page.extract_text(visitor_text=lambda t, cm, tm, *_: spots.append(
            (t.strip(), tm[4], tm[5])))
        for needle, (line, col) in (("7", (38, 50)), ("PCN77777", (38, 62))):  # item 22
            x, y = cms1500_pdf.position(line, col)
            assert any(t.startswith(needle) and abs(tx - x) < 2.84 and abs(ty - y) < 2.84
                       for t, tx, ty in spots), needle
    finally:
        chart.lock()


def test_medicare_gets_a_new_claim_not_a_corrected_one(demo_chart: ChartSession,
                                                       tmp_path: Path) -> None:
    """Medicare Part B takes no frequency code 7 on professional claims: the reopened
    denial's visits go out as a new claim (frequency 1, no REF*F8), still linked to it."""
    first = claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer="medicare",
                               out=tmp_path / "mcr.x12", now=NOW).value
    denied = _deny_one(demo_chart, tmp_path, first.claims)
    claims.reopen_denied(demo_chart, denied.id)
    again = claims.export_837p(demo_chart, date_from=FROM, date_to=TO, payer="medicare",
                               out=tmp_path / "new.x12", now=NOW + dt.timedelta(days=20)).value
    [claim] = again.claims
    assert claim.replaces_id == denied.id
    text = again.path.read_text()
    clm = next(s for s in text.split("~") if s.strip().startswith("CLM*"))
    assert clm.split("*")[5].split(":")[2] == "1" and "REF*F8" not in text
