"""Patients ▸ Good-faith estimate… (issue 18), offscreen, in the real main window on a real
chart: a self-pay episode without an estimate is warned about; a typo is named and writes
nothing; the estimate is issued from the plan of care, its PDF read back, kept with the episode
and shown; an in-network episode is refused with the reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot

from core.services import billing, charts, episodes
from desktop.billing.estimate_dialog import EstimateDialog
from tests.conftest import PASSPHRASE
from tests.desktop.conftest import seed_chart, settle, unlock


def _plan(path: Path, *, fees: bool = True) -> None:
    session = charts.open_chart(path, passphrase=PASSPHRASE)
    try:
        with session.uow() as uow:
            episode_id = next(e.id for pid in uow.patients.all_ids()
                              for e in uow.episodes.for_patient(pid))
        episodes.update_episode(session, episode_id, frequency_per_week=2, duration_weeks=4)
        if fees:
            for code, cents in (("97110", 6000), ("97140", 5500), ("97162", 15000)):
                billing.set_fee(session, code, cents, effective_from=dt.date(2026, 1, 1))
    finally:
        session.lock()


def _dialog(qtbot: QtBot, open_window: Any, path: Path, seeded_patient: Any) -> EstimateDialog:
    window = open_window(path)
    unlock(qtbot, window)
    ws = window.workspace
    assert not ws.estimate_action.isEnabled()  # no patient open: nothing to estimate
    ws.open_patient(seeded_patient)
    qtbot.waitUntil(lambda: ws.chart.current_episode_id() is not None, timeout=10_000)
    assert ws.estimate_action.isEnabled()
    ws.estimate_action.trigger()
    dialog = ws._dialog
    assert isinstance(dialog, EstimateDialog)
    return dialog


def test_issue_an_estimate_from_the_window(qtbot: QtBot, open_window: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seeded = seed_chart(tmp_path / "cash.chart", payer_key="cash")
    _plan(seeded.path)
    dialog = _dialog(qtbot, open_window, seeded.path, seeded.patient_id)
    qtbot.waitUntil(lambda: "No estimate yet" in dialog.summary.text(), timeout=10_000)
    assert "no good-faith estimate" in dialog.warnings.text()
    assert not dialog.issue_button.isEnabled()  # nothing typed yet

    out = tmp_path / "exports" / "good-faith-estimate.pdf"
    out.parent.mkdir()
    dialog.per_visit.setText("97110x2, 97140x")  # a typo: named, no file dialog, no file
    monkeypatch.setattr("desktop.billing.estimate_dialog.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(out), "PDF (*.pdf)"))
    dialog.issue_button.click()
    assert "'97140x' is not CODE or CODExUNITS" in dialog.status.text()
    assert not out.exists()

    dialog.per_visit.setText("97110x2, 97140")
    dialog.evaluation.setText("97162")
    with qtbot.waitSignal(dialog.issued, timeout=15_000) as issued:
        dialog.issue_button.click()
        dialog.per_visit.setText("97110x2, 97140 ")  # typing while it writes…
        assert not dialog.issue_button.isEnabled()  # …does not offer a second estimate
    estimate = issued.args[0]
    assert dialog.issue_button.isEnabled()
    # 2 visits a week for 4 weeks: the evaluation, then 7 visits of 97110 ×2 and 97140
    assert estimate.visits == 8
    assert estimate.total_cents == 15000 + 7 * (2 * 6000 + 5500)
    assert f"Saved {out.name}: $1,375.00 for 8 expected visits" in dialog.status.text()
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    for needle in ("Good Faith Estimate", "97162", "97110", "8 expected visits",
                   "$1,375.00", "$400 or more"):
        assert needle in text, needle
    qtbot.waitUntil(lambda: "Latest estimate: $1,375.00 for 8" in dialog.summary.text(),
                    timeout=10_000)
    assert not dialog.warnings.isVisible()
    dialog.close()


def test_an_in_network_episode_is_refused_with_the_reason(
    qtbot: QtBot, open_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed_chart(tmp_path / "commercial.chart")
    _plan(seeded.path)
    dialog = _dialog(qtbot, open_window, seeded.path, seeded.patient_id)
    qtbot.waitUntil(lambda: "No estimate yet" in dialog.summary.text(), timeout=10_000)
    assert not dialog.warnings.isVisible()  # an insurer's patient gets claims, not a warning
    out = tmp_path / "gfe.pdf"
    monkeypatch.setattr("desktop.billing.estimate_dialog.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(out), "PDF (*.pdf)"))
    dialog.per_visit.setText("97110x2")
    dialog.issue_button.click()
    qtbot.waitUntil(lambda: "in-network insurer" in dialog.status.text(), timeout=10_000)
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    settle(qtbot, dialog.parent())
    dialog.close()
