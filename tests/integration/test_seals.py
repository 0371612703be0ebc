"""Keyed tamper seals (issue 15): the audit head and signed notes are sealed under a key derived
from the chart key, and the audit head is anchored in every backup — so a rewrite with recomputed
SHA-256 hashes, which the plain chain and note hashes cannot see, is caught; and a rewrite by
someone who holds the key is caught by the backup's copy. Real charts, real backups."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path

import sqlcipher3
from sqlalchemy import select

from core.domain.enums import UnitMethod
from core.rules import snapshot
from core.services import backups, charts
from core.storage import audit, seals, search_index, tables, triggers
from core.storage.chart import ChartSession, open_chart, set_meta
from core.storage.engine import connect_raw
from tests.conftest import PASSPHRASE
from tests.integration.test_audit_and_immutability import _draft


def _force_sign(chart: ChartSession, note_id: uuid.UUID, signer: uuid.UUID) -> None:
    """Sign with a true snapshot, bypassing the billing rules (a storage-level test)."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        at = dt.datetime(2026, 10, 2, 18)
        text = snapshot.canonical_note_json(
            note, uow.visits.get(note.visit_id), unit_method=UnitMethod.CMS_TOTAL_TIME,
            signed_by=signer, signed_at=at)
        note.mark_signed(by=signer, at=at, snapshot=text, content_hash=snapshot.snapshot_hash(text))
        uow.notes.save(note)
        uow.record("sign", "note", note.id)
        uow.commit()


def _raw(chart: ChartSession) -> sqlcipher3.Connection:
    """A second connection of the tamperer's own (autocommit), closed by the caller."""
    return connect_raw(chart.path, chart.keys)


def _untriggered(db: sqlcipher3.Connection) -> None:
    """Drop every immutability trigger, as a tamperer would first (``_retriggered`` puts them
    back exactly, so only the seals can tell)."""
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f'DROP TRIGGER "{name}"')


def _retriggered(db: sqlcipher3.Connection) -> None:
    for sql in [*triggers.CREATE, *search_index.CREATE_TRIGGERS]:
        db.execute(sql)


def _rechain(db: sqlcipher3.Connection) -> None:
    """What a tamperer does after editing a row: recompute every link so ``audit.verify`` passes."""
    names = ("seq", "at", "actor", "device", "action", "entity", "entity_id", "detail")
    rows = db.execute(f"SELECT {', '.join(names)} FROM audit_events ORDER BY seq").fetchall()
    prev = audit.GENESIS
    for values in rows:
        row = dict(zip(names, values, strict=True))
        digest = audit.link(prev, row)
        db.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?",
                   (prev, digest, row["seq"]))
        prev = digest


def _problems(chart: ChartSession) -> list[str]:
    return list(charts.check_integrity(chart).problems)


def test_sealed_chart_checks_clean_and_signing_seals_the_note(chart: ChartSession) -> None:
    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    assert _problems(chart) == []
    with chart.engine.connect() as conn:
        sealed = conn.execute(select(tables.note_seals.c.note_id)).scalars().all()
        stored = conn.execute(
            select(tables.meta.c.value).where(tables.meta.c.key == seals.AUDIT_SEAL)
        ).scalar()
        head = conn.execute(
            select(tables.audit_events.c.seq).order_by(tables.audit_events.c.seq.desc())
        ).first()
    assert sealed == [note_id]
    assert head is not None and str(stored).startswith(f"{head.seq}:")


def test_rewrite_with_recomputed_hashes_is_caught_without_the_key(chart: ChartSession) -> None:
    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    db = _raw(chart)
    # A signed note rewritten with a matching hash, and an audit row rewritten with the chain
    # recomputed: the unkeyed checks both pass.
    _untriggered(db)
    fake = hashlib.sha256(b"other text").hexdigest()
    db.execute("UPDATE notes SET content_hash = ? WHERE id = ?", (fake, note_id.hex))
    db.execute("UPDATE audit_events SET detail = 'rewritten' WHERE seq = 2")
    _rechain(db)
    _retriggered(db)
    db.close()
    assert charts.verify_audit(chart).ok
    problems = _problems(chart)
    assert any("hash differs from the one sealed" in p for p in problems), problems
    assert any("no longer ends at its sealed row" in p for p in problems), problems


def test_forged_seal_and_unsealed_appends_are_caught(chart: ChartSession) -> None:
    _draft(chart)
    db = _raw(chart)
    head = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
               (seals.AUDIT_SEAL, f"{head[0]}:{head[1]}:{'0' * 64}"))
    db.close()
    assert any("not made with this chart's key" in p for p in _problems(chart))


def test_rows_appended_without_the_key_are_caught(chart: ChartSession) -> None:
    _draft(chart)
    db = _raw(chart)
    last = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
    seq, prev = db.execute(last).fetchone()
    row = {"seq": seq + 1, "at": "2026-10-02T00:00:00", "actor": "x", "device": "d",
           "action": "view", "entity": "chart", "entity_id": "", "detail": ""}
    db.execute(
        "INSERT INTO audit_events (seq, at, actor, device, action, entity, entity_id, detail, "
        "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (*row.values(), prev, audit.link(prev, row)),
    )
    db.close()
    assert any(f"rows after {seq} were added" in p for p in _problems(chart))


def test_key_holders_rewrite_is_caught_by_the_backup_anchor(
    chart: ChartSession, tmp_path: Path
) -> None:
    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    folder = tmp_path / "usb"
    folder.mkdir()
    set_meta(chart, "backup_dir", str(folder))
    result = backups.back_up(chart, folder)
    assert result.record.ok and result.record.audit_head, result.record
    anchored = seals.AuditHead.parse(result.record.audit_head)
    assert anchored is not None
    # Someone with the passphrase rewrites an early row, recomputes the chain and re-seals it.
    db = _raw(chart)
    _untriggered(db)
    db.execute("UPDATE audit_events SET detail = 'rewritten' WHERE seq = 2")
    _rechain(db)
    _retriggered(db)
    db.close()
    with chart.uow() as uow:
        seals.seal_audit_head(uow.conn, chart.keys, chart.chart_id)
        uow.commit()
    problems = _problems(chart)
    assert any(f"audit row {anchored.seq} differs from the copy in the manual backup" in p
               for p in problems), problems
    assert not any("sealed" in p for p in problems), problems  # the seal itself was redone


def test_restore_from_an_older_backup_checks_clean(chart: ChartSession, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    set_meta(chart, "backup_dir", str(folder))
    note_id, signer = _draft(chart)
    older = backups.back_up(chart, folder, label="first").record
    _force_sign(chart, note_id, signer)
    backups.back_up(chart, folder, label="second")  # its anchor is past the older backup's head
    target = tmp_path / "restored.chart"
    backups.restore(older.folder, target, passphrase=PASSPHRASE)
    restored = open_chart(target, passphrase=PASSPHRASE)
    try:
        set_meta(restored, "backup_dir", str(folder))
        assert _problems(restored) == []
    finally:
        restored.lock()


def test_charts_signed_before_seals_are_sealed_once_at_open(chart: ChartSession) -> None:
    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    db = _raw(chart)  # as a chart from before r0011 would be
    db.execute("DELETE FROM note_seals")
    db.execute("DELETE FROM meta WHERE key = ?", (seals.SEALS_COMPLETE,))
    db.close()
    path = chart.path
    chart.lock()
    again = open_chart(path, passphrase=PASSPHRASE)
    try:
        assert _problems(again) == []
        db = _raw(again)
        assert db.execute("SELECT count(*) FROM note_seals").fetchone()[0] == 1
        db.execute("DELETE FROM note_seals")  # from now on a missing seal is a finding
        db.close()
        assert any("has no seal" in p for p in _problems(again))
    finally:
        again.lock()


def test_a_backup_with_a_forged_anchor_is_reported(chart: ChartSession, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    set_meta(chart, "backup_dir", str(folder))
    record = backups.back_up(chart, folder).record
    manifest = record.folder / "backup.json"
    text = manifest.read_text()
    head = seals.AuditHead.parse(record.audit_head)
    assert head is not None
    manifest.write_text(text.replace(head.mac, "f" * 64))
    assert any("was not sealed with this chart's key" in p for p in _problems(chart))


def test_a_signed_note_pulled_by_sync_is_sealed_here(chart: ChartSession, tmp_path: Path) -> None:
    """A note signed on another device and applied from a pulled page gets this chart's seal
    in the same transaction (its key, not the sender's)."""
    import datetime as dt

    import syncwire as wire
    from core.services import charts as chart_service
    from core.storage import sync_store as store
    from core.storage.keys import KdfParams
    from core.sync import crypto, engine, push
    from core.sync.config import SyncConfig

    note_id, signer = _draft(chart)
    _force_sign(chart, note_id, signer)
    b, _ = chart_service.create_chart(tmp_path / "b.chart", PASSPHRASE,
                                      kdf=KdfParams.fast_for_tests())
    try:
        key_id, key = crypto.new_sync_key()
        cfg = SyncConfig(server="http://127.0.0.1", account_id=uuid.uuid4(),
                         device_id=uuid.uuid4(), device_name="B", token="-",
                         chart_device=b.device_id, key_id=key_id, keys={key_id: key},
                         box_secret=b"")
        with chart.uow() as uow:
            rows = store.pending_rows(uow.conn, 1000)
        changes = []
        for seq, row in enumerate(rows, 1):
            ciphertext, nonce, kid, _new = push.seal_row(cfg, row)
            sent = push.to_change(row, ciphertext, nonce, kid)
            changes.append(wire.PulledChange(**sent.model_dump(), seq=seq,
                                             device_id=cfg.account_id,
                                             received_at=dt.datetime.now(dt.UTC)))
        page = wire.PullResponse(changes=changes, next_after=len(changes), has_more=False,
                                 last_seq=len(changes))
        engine._apply_once(b, cfg, page, engine.LogPosition(0, None, None))
        with b.uow() as uow:
            sealed = uow.conn.execute(select(tables.note_seals.c.note_id)).scalars().all()
            problems = seals.note_seal_problems(uow.conn, b.keys, b.chart_id)
        assert sealed == [note_id] and problems == []
    finally:
        b.lock()
