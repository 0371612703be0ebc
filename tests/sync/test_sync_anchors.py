"""Issue 15: the audit head is anchored off the device through the sync server.

A sync run that moved the chain posts the sealed head, encrypted under the practice key, to the
device's own (append-only) key mailbox; ``check-integrity`` fetches the anchors and catches a
rewrite by someone who holds the chart key — who can re-seal the chart but not the server's
copies. Real charts, real in-process server (SQLite).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.services import charts
from core.services import sync as sync_service
from core.storage import seals
from core.sync import anchors, config
from desktop import cli
from desktop.cli import sync as cli_sync
from tests.integration.test_seals import _raw, _rechain, _retriggered, _untriggered
from tests.sync.helpers import PASSPHRASE, Device, SyncServer, seed


def test_sync_anchors_the_head_and_a_key_holders_rewrite_is_caught(
    pair_of_devices: tuple[Device, Device],
    server: SyncServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, _b = pair_of_devices
    seed(a.chart, last_name="Anchored")
    assert a.sync().anchored
    assert not a.sync().anchored  # at most one per hour
    monkeypatch.setattr(anchors, "EVERY", dt.timedelta(0))
    seed(a.chart, last_name="Later")
    assert a.sync().anchored

    check = sync_service.verify_anchors(a.chart, transport=server.transport)
    assert check.checked == 2 and check.problems == ()
    with a.chart.uow() as uow:
        head = uow.audit.sealed_head()
    assert head is not None

    # The passphrase holder rewrites an early row, recomputes the chain and re-seals the head:
    # every local check passes (no backups here), the server's anchors do not.
    db = _raw(a.chart)
    _untriggered(db)
    db.execute("UPDATE audit_events SET detail = 'rewritten' WHERE seq = 3")
    _rechain(db)
    _retriggered(db)
    db.close()
    with a.chart.uow() as uow:
        seals.seal_audit_head(uow.conn, a.chart.keys, a.chart.chart_id)
        uow.commit()
    assert charts.check_integrity(a.chart).ok
    check = sync_service.verify_anchors(a.chart, transport=server.transport)
    assert check.problems and all("differs from the copy in the sync server's anchor" in p
                                  for p in check.problems), check.problems

    # The command a user runs says so, with the exit code for integrity problems.
    path = Path(a.chart.path)
    a.chart.lock()
    monkeypatch.setenv("CHARTSIDE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(cli_sync, "TRANSPORT", server.transport)
    code = cli.main(["--chart", str(path), "check-integrity"])
    out = capsys.readouterr().out
    assert code == 7 and "sync server's anchor" in out, out


def test_check_integrity_runs_offline_and_says_the_anchors_were_not_checked(
    pair_of_devices: tuple[Device, Device],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, _b = pair_of_devices
    a.sync()
    with a.chart.uow() as uow:  # the server is out of reach (nothing listens on port 9)
        uow.meta.set(config.SERVER, "http://127.0.0.1:9")
        uow.commit()
    path = Path(a.chart.path)
    a.chart.lock()
    monkeypatch.setenv("CHARTSIDE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(cli_sync, "TRANSPORT", None)  # the real network
    code = cli.main(["--chart", str(path), "check-integrity"])
    out = capsys.readouterr().out
    assert code == 0 and "Chart intact" in out and "anchors on the sync server not checked" in out
