"""``chartside superbill`` (and fees/payment/balance) end to end. The demo chart is made and
exported once per module by real ``chartside`` subprocesses; each test then runs its commands
in this process (``tests/integration/cli_inprocess``: the same parser, exit codes and
messages, without a Python start-up per command — ~2 s each, 86 s of CI time before)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from core.services import charts, practice
from tests.e2e.test_cli_foundation import PASS, run
from tests.integration.cli_inprocess import run as inprocess

ENV = {"CHARTSIDE_PASSPHRASE": PASS}


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-demo")
    path = folder / "demo.chart"
    res = run(["--chart", str(path), "demo"], ENV, folder / "state")
    assert res.returncode == 0, res.stderr
    return path


@pytest.fixture(scope="module")
def exported(demo_source: Path) -> dict[str, Any]:
    res = run(["--chart", str(demo_source), "export", "--format", "json"], ENV,
              demo_source.parent / "state")
    assert res.returncode == 0, res.stderr
    return dict(json.loads(res.stdout))


def ids(exported: dict[str, Any], last_name: str) -> tuple[str, list[dict[str, object]]]:
    """A patient's id and visits (the same in every copy of the module's demo chart)."""
    patient = next(p for p in exported["patients"] if p["last_name"] == last_name)
    visits = [v for e in patient["episodes"] for v in e["visits"]]
    return patient["id"], visits


@pytest.fixture(scope="module")
def ellery(exported: dict[str, Any]) -> tuple[str, list[dict[str, object]]]:
    """Marchetti's id and visits (commercial insurance). Ellery is on Medicare, which never
    gets a superbill."""
    return ids(exported, "Marchetti")


@pytest.fixture
def demo_chart(demo_source: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.chart"
    shutil.copy(demo_source, path)
    shutil.copy(charts.key_path(demo_source), charts.key_path(path))
    return path


Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``cli(chart, *args)`` → (exit code, stdout, stderr) of ``chartside --chart CHART ARGS``."""

    def call(chart: Path, *args: str) -> tuple[int, str, str]:
        res = inprocess(capsys, monkeypatch, ["--chart", str(chart), *args], ENV)
        return res.returncode, res.stdout, res.stderr

    return call


def test_statement_then_one_visit(
    cli: Cli, demo_chart: Path, tmp_path: Path, ellery: tuple[str, list[dict[str, object]]]
) -> None:
    pid, visits = ellery
    out = tmp_path / "statement.pdf"
    code, stdout, stderr = cli(demo_chart, "superbill", "--patient", pid, "--out", str(out),
                               "--date", "2030-01-02", "--json")
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["pages"] >= 2 and summary["visits"] >= 8
    assert "scrub.unsigned_excluded" in summary["findings"]
    assert "[INFO ] scrub.unsigned_excluded" in stderr
    text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Marchetti, Tobias" in text and "97110" in text and "Statement date 01/02/2030" in text
    again = tmp_path / "again.pdf"
    assert cli(demo_chart, "superbill", "--patient", pid, "--out", str(again),
               "--date", "2030-01-02")[0] == 0
    assert again.read_bytes() == out.read_bytes()

    signed = [v for v in visits if v["note"] and v["note"]["status"] == "signed"]
    one = tmp_path / "one.pdf"
    code, stdout, stderr = cli(demo_chart, "superbill", "--patient", pid, "--visit",
                               signed[-1]["id"], "--out", str(one))
    assert code == 0, stderr
    assert "1 visit(s)" in stdout and len(PdfReader(one).pages) == 1
    day = signed[-1]["date"]
    code, stdout, _ = cli(demo_chart, "superbill", "--patient", pid, "--from", day, "--to", day,
                          "--out", str(tmp_path / "range.pdf"))
    assert code == 0 and "1 visit(s)" in stdout


def test_missing_npi_exit_8_then_override(
    cli: Cli, demo_chart: Path, tmp_path: Path, ellery: tuple[str, list[dict[str, object]]]
) -> None:
    pid, _ = ellery
    session = charts.open_chart(demo_chart, passphrase=PASS)
    try:
        okafor = next(c for c in practice.list_clinicians(session) if c.last_name == "Okafor")
        practice.update_clinician(session, okafor.id, npi=None)
    finally:
        session.lock()
    out = tmp_path / "sb.pdf"
    code, _, stderr = cli(demo_chart, "superbill", "--patient", pid, "--out", str(out))
    assert code == 8
    assert "[BLOCK] scrub.rendering_npi_missing" in stderr and "fix:" in stderr
    assert "Traceback" not in stderr and not out.exists()
    code, _, stderr = cli(demo_chart, "superbill", "--patient", pid, "--out", str(out),
                          "--override-reason", "NPI issued, registry not updated yet")
    assert code == 0, stderr
    assert "Overrode: scrub.rendering_npi_missing (audited)" in stderr
    assert PdfReader(io.BytesIO(out.read_bytes())).pages
    assert cli(demo_chart, "verify-audit")[0] == 0


@pytest.mark.parametrize(
    ("args", "exit_code", "needle"),
    [
        (["--visit", "01234567-89ab-7def-8123-456789abcdef", "--from", "2026-01-01"], 2,
         "not both"),
        (["--from", "2026-13-01"], 2, "not a date"),
        (["--from", "2026-03-01", "--to", "2026-02-01"], 2, "ends before"),
        (["--paper", "a4", "--from", "1990-01-01", "--to", "1990-12-31"], 4, "No signed visit"),
    ],
)
def test_bad_requests(
    cli: Cli, demo_chart: Path, tmp_path: Path, args: list[str], exit_code: int, needle: str,
    ellery: tuple[str, list[dict[str, object]]],
) -> None:
    pid, _ = ellery
    code, _, stderr = cli(demo_chart, "superbill", "--patient", pid, "--out",
                          str(tmp_path / "x.pdf"), *args)
    assert code == exit_code, stderr
    assert needle in stderr and "Traceback" not in stderr


def test_unknown_patient_and_unwritable_folder(
    cli: Cli, demo_chart: Path, tmp_path: Path, ellery: tuple[str, list[dict[str, object]]]
) -> None:
    pid, _ = ellery
    code, _, stderr = cli(demo_chart, "superbill", "--patient",
                          "01234567-89ab-7def-8123-456789abcdef", "--out", str(tmp_path / "y.pdf"))
    assert code == 4
    code, _, stderr = cli(demo_chart, "superbill", "--patient", pid, "--out",
                          str(tmp_path / "missing-folder" / "z.pdf"))
    assert code == 2 and "Cannot write the PDF" in stderr and "Traceback" not in stderr


def test_fees_payment_balance(cli: Cli, demo_chart: Path, exported: dict[str, Any]) -> None:
    pid, visits = ids(exported, "Penhaligon")
    code, out, _ = cli(demo_chart, "fees", "list")
    assert code == 0 and "97110" in out and "$62.00" in out
    assert cli(demo_chart, "fees", "set", "97110", "70", "--from", "2099-01-01")[0] == 0
    before = json.loads(cli(demo_chart, "balance", "--patient", pid, "--json")[1])
    code, out, err = cli(demo_chart, "payment", "--patient", pid, "--amount", "45.50",
                         "--method", "cash")
    assert code == 0, err
    code, out, err = cli(demo_chart, "refund", "--patient", pid, "--amount", "5.50")
    assert code == 0, err
    after = json.loads(cli(demo_chart, "balance", "--patient", pid, "--json")[1])
    assert after["received_cents"] == before["received_cents"] + 4000
    assert after["balance_cents"] == before["balance_cents"] - 4000
    assert cli(demo_chart, "payment", "--patient", pid, "--amount", "ten")[0] == 2
    # a write-off: refused with the reason why (exit 2), nothing written
    last = str(visits[-1]["id"])
    code, _, err = cli(demo_chart, "adjust", "--patient", pid, "--visit", last, "--amount",
                       "99999", "--reason", "uncollectable")
    assert code == 2 and "owes" in err and "Traceback" not in err
    code, _, err = cli(demo_chart, "adjust", "--patient", pid, "--visit", last, "--amount",
                       "1", "--reason", "x")
    assert code == 2 and "reason" in err
    assert json.loads(cli(demo_chart, "balance", "--patient", pid, "--json")[1]) == after


def test_medicare_superbill_refused_exit_8_naming_the_claim(
    cli: Cli, demo_chart: Path, tmp_path: Path, exported: dict[str, Any]
) -> None:
    pid, _ = ids(exported, "Ellery")  # Medicare Part B
    out = tmp_path / "m.pdf"
    for extra in ([], ["--override-reason", "The patient wants to file it herself"]):
        code, _, stderr = cli(demo_chart, "superbill", "--patient", pid, "--out", str(out),
                              *extra)
        assert code == 8, stderr
        assert "mandatory claim submission" in stderr and "CMS-1500 or 837P" in stderr
        assert "Traceback" not in stderr and not out.exists()


def test_package_refund_from_the_command_line(cli: Cli, demo_chart: Path) -> None:
    code, out, err = cli(demo_chart, "export", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    patient = next(p for p in data["patients"] if p["last_name"] == "Vasquez-Hale")
    package = patient["packages"][0]
    code, _, err = cli(demo_chart, "refund", "--patient", patient["id"], "--package",
                       package["id"], "--amount", "10")
    assert code == 2 and "leave out --amount" in err
    code, _, err = cli(demo_chart, "refund", "--patient", patient["id"], "--package",
                       package["id"], "--date", package["purchased_on"])
    assert code == 2 and "nothing to refund" in err and "Traceback" not in err  # all used


def test_cli_demo_sets_the_current_clinician_like_the_app(demo_source: Path) -> None:
    """``chartside demo`` and the app's demo chart are one use case (issue 17): audit rows of
    the new chart name its first clinician, not the anonymous owner."""
    session = charts.open_chart(demo_source, passphrase=PASS)
    try:
        clinicians = practice.list_clinicians(session)
        assert session.actor == str(clinicians[0].id)
    finally:
        session.lock()
