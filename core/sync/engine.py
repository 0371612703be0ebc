"""One sync run as a sequence of steps: database steps and network steps, never both at once.

Contract: ``sync_run(make_api)`` is a generator that yields ``DbStep``s (a function of the
``ChartSession``, one chart transaction each, run by whoever owns the session: the CLI thread or
the desktop's database worker) and ``NetStep``s (a blocking HTTP call that needs no chart, run on
any other thread). The driver sends each step's result back, or throws its exception in.
``run_blocking`` is the driver for the CLI, services and tests; ``desktop.sync.background`` is
the Qt driver, so the database worker is never held while waiting on the network.

A run: push every outbox batch (resending an open batch first), pull pages by cursor and apply
each page with its cursor in one transaction, then push what applying created (addendum drafts,
re-sent addenda). Loops are bounded. ``DeviceRevoked`` marks the device revoked (later runs refuse
before touching the network); other ``SyncError``s are recorded for the status bar and
re-raised; a 409 ``resync_required`` resets the cursor, re-queues every local change (same
bytes, so duplicates are harmless) and runs once more.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import IntegrityError

import syncwire as wire
from core.domain.changes import Changes
from core.storage import sync_store as store
from core.sync import anchors, apply, config, push, rotation
from core.sync.api import ResyncRequired, SyncApi
from core.sync.config import SyncConfig
from core.sync.errors import DeviceRevoked, MissingSyncKey, PairingFailed, SyncError

if TYPE_CHECKING:
    from core.storage.chart import ChartSession

T = TypeVar("T")
MAX_PUSH_ROUNDS = 1_000  # 500 changes each: far beyond any real outbox
MAX_PAGES = 10_000


@dataclass(frozen=True)
class DbStep:
    fn: Callable[[ChartSession], Any]
    label: str


@dataclass(frozen=True)
class NetStep:
    fn: Callable[[], Any]
    label: str


Step = DbStep | NetStep
Run = Generator[Step, Any, T]
ApiMaker = Callable[[str, str | None], SyncApi]
"""``make_api(server_url, token)``: the HTTP client (tests inject an in-process transport)."""


@dataclass
class SyncReport:
    """What one run did (counts only: safe to log and show)."""

    pushed: int = 0
    duplicates: int = 0
    refused: int = 0
    retrying: int = 0
    stuck: int = 0
    pulled: int = 0
    conflicts: int = 0
    notices: int = 0
    addendum_drafts: int = 0
    resent: int = 0  # queued again after the server's log changed identity
    reissued: int = 0  # refused as already used ids (a restored chart), content sent anew
    keys_received: int = 0  # rotated practice keys taken from the mailbox
    anchored: bool = False  # the audit head was anchored on the server (core.sync.anchors)
    batches: int = 0
    pages: int = 0
    seconds: float = 0.0
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("changes")
        return data

    def add_apply(self, out: apply.ApplyOutcome) -> None:
        self.pulled += out.applied
        self.conflicts += out.conflicts
        self.notices += out.notices
        self.addendum_drafts += out.drafts
        self.changes = self.changes | out.changes


@dataclass(frozen=True)
class StepResult:
    """A write step's outcome; ``changes`` reaches the desktop's ``changes_applied``."""

    value: Any
    changes: Changes


def run_blocking(chart: ChartSession, run: Run[T]) -> T:
    """Drive a run on the calling thread."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = run.throw(error) if error is not None else run.send(value)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        try:
            value = step.fn(chart) if isinstance(step, DbStep) else step.fn()
            error = None
        except BaseException as exc:  # handed to the run, which records or re-raises it
            value, error = None, exc


def load_config(need_key: bool = True) -> DbStep:
    def fn(chart: ChartSession) -> SyncConfig:
        with chart.uow() as uow:
            return config.load(uow.sync.connection, chart.device_id, need_key=need_key)

    return DbStep(fn, "load")


def sync_run(
    make_api: ApiMaker,
    *,
    pull_limit: int = wire.MAX_PULL_LIMIT,
    push_changes: bool = True,
    pull_changes: bool = True,
    finish_rotation: Callable[[], Run[Any]] | None = None,
) -> Run[SyncReport]:
    """A full run (push, pull, push); ``push_changes``/``pull_changes`` select one half.
    ``finish_rotation`` runs first when a key rotation was interrupted (``rotation``)."""
    started = time.perf_counter()
    cfg: SyncConfig = yield load_config()
    if cfg.key_pending is not None and finish_rotation is not None:
        yield from finish_rotation()
        cfg = yield load_config()
    report = SyncReport()
    api = make_api(cfg.server, cfg.token)
    try:
        for attempt in range(3):
            try:
                if cfg.resync:
                    yield from _recheck(api, cfg, report, pull_limit)
                    cfg = yield load_config()
                if push_changes:
                    yield from _push_all(api, cfg, report)
                if pull_changes:
                    yield from _pull_all(api, cfg, report, pull_limit)
                if push_changes and pull_changes:
                    if report.keys_received:  # seal under the rotated key from now on
                        cfg = yield load_config()
                    yield from _push_all(api, cfg, report)
                if push_changes:
                    yield from _anchor(api, cfg, report)
                break
            except ResyncRequired as exc:
                if attempt == 2:
                    raise
                yield DbStep(partial(_reset_for_resync, why=exc.message), "resync")
                cfg = yield load_config()
    except DeviceRevoked as exc:
        yield DbStep(_recorder(exc, revoked=True), "revoked")
        raise
    except SyncError as exc:
        yield DbStep(_recorder(exc), "failed")
        raise
    finally:
        api.close()
    report.seconds = time.perf_counter() - started
    yield DbStep(_recorder(None, report=report), "done")
    return report


def _push_all(api: SyncApi, cfg: SyncConfig, report: SyncReport) -> Run[None]:
    for _ in range(MAX_PUSH_ROUNDS):
        batch: push.Batch | None = yield DbStep(lambda chart: _prepare(chart, cfg), "seal")
        if batch is None:
            return
        answer: bytes = yield NetStep(partial(api.push, batch.body), "push")
        outcome: push.PushOutcome = yield DbStep(
            partial(_record, cfg=cfg, batch=batch, answer=answer, report=report), "ack"
        )
        report.batches += 1
        if not outcome.progressed and not batch.resend:
            return  # only retries left: the next run tries again


@dataclass(frozen=True)
class LogPosition:
    """Where this device is in the server's log, and which log that is."""

    cursor: int
    at: uuid.UUID | None
    epoch: uuid.UUID | None

    def after(self, page: wire.PullResponse) -> LogPosition:
        at = page.changes[-1].change_id if page.changes else self.at
        return LogPosition(page.next_after, at, page.epoch)


def _pull_all(api: SyncApi, cfg: SyncConfig, report: SyncReport, limit: int) -> Run[None]:
    pos = LogPosition(cfg.cursor, cfg.cursor_at, cfg.epoch)
    for _ in range(MAX_PAGES):
        page: wire.PullResponse = yield NetStep(
            partial(api.pull, pos.cursor, limit, epoch=pos.epoch, at=pos.at), "pull"
        )
        if any(c.key_id not in cfg.keys for c in page.changes):
            # a rotated key (docs/sync.md §4): fetch it from the mailbox, then seal with it too
            if (yield from _take_rotated_keys(api, cfg)):
                cfg = yield load_config()
                report.keys_received += 1
            missing = sorted({c.key_id for c in page.changes if c.key_id not in cfg.keys})
            if missing:
                raise MissingSyncKey(f"Changes on the server use key {missing[0]}.")
        result: StepResult = yield DbStep(partial(_apply, cfg=cfg, page=page, pos=pos), "apply")
        report.add_apply(result.value)
        report.pages += 1
        pos = pos.after(page)
        if not page.has_more:
            return


def _recheck(api: SyncApi, cfg: SyncConfig, report: SyncReport, limit: int) -> Run[None]:
    """After the log changed identity: pull all of it, then queue what it lacks (sent by the
    push that follows). Survives a crash at any step: ``sync.resync`` stays set until the
    versions the new log lacks are queued, in the same transaction."""
    yield from _pull_all(api, cfg, report, limit)
    result: StepResult = yield DbStep(partial(_relay, why=cfg.resync or ""), "relay")
    report.resent += int(result.value)
    report.notices += 1
    report.changes = report.changes | result.changes


def _prepare(chart: ChartSession, cfg: SyncConfig) -> push.Batch | None:
    with chart.uow() as uow:
        batch = push.prepare_batch(uow.sync.connection, cfg)
        if batch is not None:  # nothing to send: read only, no commit (no fsync)
            store.count_send(uow.sync.connection, batch.batch_id)
            uow.commit()
    return batch


def _record(
    chart: ChartSession, *, cfg: SyncConfig, batch: push.Batch, answer: bytes, report: SyncReport
) -> push.PushOutcome:
    out = apply.ApplyOutcome()
    with chart.uow() as uow:
        outcome = push.record_response(uow.sync.connection, cfg, batch, answer)
        for record_id, entity in sorted(outcome.records, key=str):
            apply.reconcile(uow.sync.connection, cfg, record_id, entity, out)
        apply.settle_open(uow.sync.connection, cfg, out)
        uow.commit()
    report.pushed += outcome.accepted
    report.duplicates += outcome.duplicate
    report.refused += outcome.rejected
    report.reissued += outcome.reissued
    report.retrying += outcome.retry
    report.stuck += outcome.stuck
    report.add_apply(out)
    return outcome


def _apply(
    chart: ChartSession, *, cfg: SyncConfig, page: wire.PullResponse, pos: LogPosition
) -> StepResult:
    try:
        return _apply_once(chart, cfg, page, pos)
    except IntegrityError as exc:
        if "FOREIGN KEY" not in str(exc).upper():
            raise
    # A page that refers to a record the server has not handed over yet (a device that sent
    # out of order): apply it anyway; the reference resolves when that record arrives.
    store.set_foreign_keys(chart.engine, enabled=False)
    try:
        return _apply_once(chart, cfg, page, pos)
    finally:
        store.set_foreign_keys(chart.engine, enabled=True)


def _apply_once(
    chart: ChartSession, cfg: SyncConfig, page: wire.PullResponse, pos: LogPosition
) -> StepResult:
    out = apply.ApplyOutcome()
    new = pos.after(page)
    if new == pos:
        return StepResult(out, out.changes)  # nothing new: no transaction at all
    with chart.uow() as uow:
        apply.apply_page(uow.sync.connection, cfg, page.changes, out)
        uow.seal_notes(out.changed.get("note", ()))  # signed ones get this chart's seal
        uow.meta.set(config.CURSOR, str(new.cursor))
        uow.meta.set(config.CURSOR_AT, str(new.at) if new.at else None)
        uow.meta.set(config.EPOCH, str(new.epoch) if new.epoch else None)
        if out.applied:
            uow.record("update", "chart", chart.chart_id,
                       detail=f"sync: {out.applied} changes applied")
        uow.commit()
    return StepResult(out, out.changes)


def _reset_for_resync(chart: ChartSession, *, why: str) -> None:
    """The server's log is not the one this device synced with: start over from position 0
    and consider nothing to be on the server until the new log shows it."""
    with chart.uow() as uow:
        for key in (config.CURSOR_AT, config.EPOCH):
            uow.meta.set(key, None)
        uow.meta.set(config.CURSOR, "0")
        # Again even mid-re-check: what a half-pulled log confirmed may not hold for this one.
        store.start_recheck(uow.sync.connection)
        uow.meta.set(config.RESYNC, why or "log changed")
        uow.commit()


def _relay(chart: ChartSession, *, why: str) -> StepResult:
    with chart.uow() as uow:
        own = uow.sync.counts()["pending"]
        relayed = store.relay_unconfirmed(uow.sync.connection)
        uow.meta.set(config.RESYNC, None)
        notice = store.add_notice(
            uow.sync.connection,
            kind="log_restored",
            detail=json.dumps(
                {
                    "why": why,
                    "own_resent": own,
                    "relayed": relayed,
                    "message": (
                        "The sync server's log was restored from an older backup or replaced. "
                        "This device pulled the whole log again and is sending back "
                        f"{own + relayed} version(s) it lacked ({own} made here, {relayed} "
                        "received earlier from other devices). Nothing was lost."
                    ),
                }
            ),
        )
        uow.record("update", "chart", chart.chart_id,
                   detail=f"sync: server log re-checked; {own + relayed} versions queued again")
        uow.commit()
    return StepResult(own + relayed, Changes({"sync_conflict": frozenset({notice})}))


def _recorder(
    error: SyncError | None, *, revoked: bool = False, report: SyncReport | None = None
) -> Callable[[ChartSession], None]:
    def fn(chart: ChartSession) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with chart.uow() as uow:
            uow.meta.set(config.LAST_ATTEMPT, now)
            if error is None:
                uow.meta.set(config.LAST_OK, now)
                uow.meta.set(config.LAST_ERROR, None)
                if report is not None:
                    uow.meta.set(config.LAST_REPORT, json.dumps(report.summary()))
            else:
                uow.meta.set(config.LAST_ERROR, error.message)
            if revoked:
                uow.meta.set(config.REVOKED, now)
            uow.commit()

    return fn


def _take_rotated_keys(api: SyncApi, cfg: SyncConfig) -> Run[int]:
    """Read this device's mailbox and store every rotated key it can open (the newest becomes
    current). Returns how many keys were new. Blobs that do not open are skipped (and
    counted in the audit log), never fatal: the pull that needed the key then says which key
    is missing."""
    offered: list[wire.WrappedKey] = yield NetStep(api.keys, "keys")
    found: list[tuple[str, bytes]] = []
    refused = 0
    keys = dict(cfg.keys)
    for blob in offered:  # oldest first: a later rotation builds on an earlier one
        if blob.scheme != rotation.SCHEME or blob.key_id in keys or not blob.sender_public_key:
            continue
        try:
            key = rotation.unwrap_rotated_key(
                blob=wire.b64decode(blob.wrapped_key),
                keys=keys,
                sender=blob.sender_device_id,
                sender_pub=wire.b64decode(blob.sender_public_key),
                recipient=cfg.device_id,
                recipient_secret=cfg.box_secret,
                key_id=blob.key_id,
            )
        except PairingFailed:
            refused += 1
            continue
        keys[blob.key_id] = key
        found.append((blob.key_id, key))

    def save(chart: ChartSession) -> None:
        with chart.uow() as uow:
            for i, (key_id, key) in enumerate(found):
                config.store_key(uow.sync.connection, key_id, key, current=i == len(found) - 1)
                uow.record("create", "sync_key", key_id, detail="rotated sync key received")
            if refused:
                uow.record(
                    "view", "sync_key", "mailbox",
                    detail=f"{refused} key rotation messages did not open",
                )
            uow.commit()

    if found or refused:
        yield DbStep(save, "store keys")
    return len(found)


def _anchor(api: SyncApi, cfg: SyncConfig, report: SyncReport) -> Run[None]:
    """Post the sealed audit head to this device's own mailbox when due (``anchors``)."""
    now = dt.datetime.now(dt.UTC)

    def read(chart: ChartSession) -> anchors.Anchor | None:
        with chart.uow() as uow:
            head = uow.audit.sealed_head()
            if not anchors.due(uow.meta.get(anchors.LAST), head, now) or head is None:
                return None
            return anchors.Anchor(chart.chart_id, head, now)

    anchor: anchors.Anchor | None = yield DbStep(read, "anchor?")
    if anchor is None or cfg.key_id is None:
        return
    blob = anchors.seal(cfg.key, cfg.key_id, cfg.device_id, anchor)
    post = wire.WrappedKeyPost(
        recipient_device_id=cfg.device_id,
        key_id=cfg.key_id,
        scheme=anchors.SCHEME,
        wrapped_key=wire.b64encode(blob),
    )
    yield NetStep(partial(api.post_key, post), "anchor")

    def remember(chart: ChartSession) -> None:
        with chart.uow() as uow:
            uow.meta.set(anchors.LAST, anchors.last_value(anchor.head, anchor.taken_at))
            uow.commit()

    yield DbStep(remember, "anchored")
    report.anchored = True
