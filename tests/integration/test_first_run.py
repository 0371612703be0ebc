"""First-run use cases (issue 17): one service call per user action, one transaction, shared by
the app and the CLI — and a failure halfway leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from core.domain.errors import StorageFailure, ValidationError
from core.services import charts, first_run, practice, signing
from core.storage.chart import ChartSession, key_path, pending_marker, read_meta
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

REFUSE_PAYERS = """
CREATE TRIGGER test_refuse_payers BEFORE INSERT ON payer_profiles
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
"""


def _audit_actions(chart: ChartSession) -> list[str]:
    return [f"{r['action']}:{r['entity']}" for r in charts.recent_audit(chart, 100)]


def test_setup_saves_everything_and_the_current_clinician(
    chart: ChartSession, chart_path: Path
) -> None:
    result = first_run.setup_practice(chart, first_name="Ana", last_name="Lima",
                                      discipline="PT", credentials="PT, DPT",
                                      practice_name="Harbor PT")
    ana = result.value
    assert practice.get_practice(chart).name == "Harbor PT"
    assert [c.id for c in practice.list_clinicians(chart)] == [ana.id]
    assert len(practice.list_payer_profiles(chart)) >= 3  # the pack's profiles
    assert chart.actor == str(ana.id) == read_meta(chart, "actor")
    assert all(kind in result.changes for kind in ("practice", "clinician", "payer_profile"))
    # a second clinician's setup keeps the payers the practice already has
    before = len(practice.list_payer_profiles(chart))
    first_run.setup_practice(chart, first_name="Bo", last_name="Chen", discipline="OT")
    assert len(practice.list_payer_profiles(chart)) == before
    chart.lock()
    again = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        assert again.actor != str(ana.id)  # Bo is current now, across a restart
        assert again.actor == read_meta(again, "actor")
    finally:
        again.lock()


def test_a_failure_halfway_through_setup_leaves_the_chart_as_it_was(chart: ChartSession) -> None:
    with chart.uow() as uow:
        uow.conn.execute(text(REFUSE_PAYERS))
        uow.commit()
    audit_before = _audit_actions(chart)
    with pytest.raises(StorageFailure):
        first_run.setup_practice(chart, first_name="Ana", last_name="Lima", discipline="PT",
                                 practice_name="Harbor PT")
    # practice and clinician were written before the payers failed: all rolled back
    assert practice.list_clinicians(chart) == []
    with chart.uow() as uow:
        assert uow.practice.get() is None
    assert read_meta(chart, "actor") is None and chart.actor == "owner"
    assert _audit_actions(chart) == audit_before
    with pytest.raises(ValidationError) as err:  # bad input: refused before any write
        first_run.setup_practice(chart, first_name="Ana", last_name="Lima", discipline="PT",
                                 npi="123")
    assert err.value.field == "npi"
    assert _audit_actions(chart) == audit_before


def test_a_demo_that_fails_halfway_leaves_no_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.chart"
    real, calls = signing.sign_within, []

    def fail_on_the_fifth(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 5:
            raise StorageFailure("The chart could not be saved: the disk refused the write.")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signing, "sign_within", fail_on_the_fifth)
    with pytest.raises(StorageFailure):
        first_run.create_demo_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no chart, keys, WAL or marker
    assert not key_path(path).exists() and not pending_marker(path).exists()
    monkeypatch.undo()
    session, _key = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    session.lock()  # the name is free again
