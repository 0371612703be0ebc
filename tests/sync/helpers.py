"""Test helpers for the sync client: an in-process server on SQLite and enrolled chart devices.

``SyncServer`` runs the real FastAPI app (``server.app.create_app``) on a throwaway SQLite file
and hands out an ``httpx`` transport into it, so the client's real HTTP code runs end to end.
``Device`` is a real encrypted chart (cheap KDF) enrolled on that server.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from core.domain.enums import Discipline
from core.services import charts, episodes, notes, patients, practice
from core.services import sync as sync_service
from core.storage import tables as t
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from server import accounts, migrate
from server.app import create_app
from server.config import Settings
from server.db import make_engine

PASSPHRASE = "tidal-lantern-orchard-47"
URL = "http://testserver"


class InProcess(httpx.BaseTransport):
    """An httpx transport into the app through the TestClient's event-loop portal."""

    def __init__(self, client: TestClient) -> None:
        self._inner = client._transport
        self.pushes: list[tuple[bytes, bytes]] = []  # (request body, response body)
        self.drop_next_response = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self._inner.handle_request(request)
        content = response.read()
        if request.url.path == "/v1/sync/push":
            self.pushes.append((request.content, content))
        if self.drop_next_response:  # the server committed; the answer is lost on the way
            self.drop_next_response = False
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )


@dataclass
class SyncServer:
    engine: Engine
    client: TestClient
    path: Path

    @property
    def transport(self) -> InProcess:
        return InProcess(self.client)

    def practice(self, name: str | None = None) -> uuid.UUID:
        return accounts.create_account(self.engine, name or f"practice {uuid.uuid4()}").account_id

    def practice_of(self, device: Device) -> uuid.UUID:
        return uuid.UUID(str(_meta(device.chart, "sync.account_id")))

    def code(self, account_id: uuid.UUID) -> str:
        code, _ = accounts.create_enroll_code(self.engine, account_id, timedelta(minutes=15))
        return code


@contextmanager
def running_server(directory: Path, *, migrate_db: bool = True) -> Iterator[SyncServer]:
    path = directory / "server.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    if migrate_db:
        migrate.upgrade(engine)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        rate_per_second=1e9,
        rate_burst=10**9,
        enroll_per_minute=1e9,
        enroll_burst=10**9,
    )
    try:
        with TestClient(create_app(settings, engine)) as client:
            yield SyncServer(engine, client, path)
    finally:
        engine.dispose()


@dataclass
class Device:
    name: str
    chart: ChartSession
    server: SyncServer
    transport: InProcess

    def sync(self) -> sync_service.SyncReport:
        return sync_service.sync_now(self.chart, transport=self.transport)

    def run(self, *, push: bool = True, pull: bool = True) -> sync_service.SyncReport:
        from core.sync import engine

        run = engine.sync_run(
            sync_service.api_maker(self.transport), push_changes=push, pull_changes=pull
        )
        return engine.run_blocking(self.chart, run)

    def status(self) -> sync_service.SyncStatus:
        return sync_service.status(self.chart)

    def close(self) -> None:
        self.chart.lock()


def _meta(chart: ChartSession, key: str) -> str | None:
    from core.storage import sync_store

    with chart.uow() as uow:
        return sync_store.get_meta(uow.conn, key)


def new_chart(path: Path) -> ChartSession:
    session, _recovery = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    return session


def enroll(
    server: SyncServer, account: uuid.UUID, path: Path, name: str, approver: Device | None = None
) -> Device:
    """A new chart enrolled in ``account``; paired through ``approver`` when it has no key."""
    chart = new_chart(path)
    result = sync_service.enroll(
        chart, server=URL, code=server.code(account), device_name=name, transport=server.transport
    )
    device = Device(name, chart, server, server.transport)
    if not result.key_ready:
        assert approver is not None, "a second device needs an approving device"
        approval = sync_service.approve_device(
            approver.chart, result.device_id, transport=server.transport
        )
        sync_service.pair(chart, approval.pairing_code, transport=server.transport)
    return device


@dataclass(frozen=True)
class Seed:
    clinician_id: uuid.UUID
    patient_id: uuid.UUID
    episode_id: uuid.UUID


def seed(chart: ChartSession, last_name: str = "Testperson") -> Seed:
    c = practice.add_clinician(
        chart, first_name="Ada", last_name="Lovelace", discipline=Discipline.PT
    ).value
    p = patients.create_patient(
        chart, first_name="Pat", last_name=last_name, date_of_birth=dt.date(1970, 1, 1)
    ).value
    e = episodes.create_episode(
        chart, patient_id=p.id, discipline=Discipline.PT, start_date=dt.date(2026, 1, 1)
    ).value
    return Seed(c.id, p.id, e.id)


def start_note(chart: ChartSession, s: Seed, day: int = 2) -> uuid.UUID:
    view = notes.start_note(
        chart, episode_id=s.episode_id, clinician_id=s.clinician_id, date=dt.date(2026, 1, day)
    )
    return view.value.note.id


def sign(chart: ChartSession, note_id: uuid.UUID, signer: uuid.UUID) -> None:
    """Sign without the clinical checks (this suite is about versions, not rules)."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        note.mark_signed(
            by=signer,
            at=dt.datetime(2026, 1, 2, 18),
            snapshot=note.subjective + note.plan,
            content_hash=uuid.uuid4().hex + uuid.uuid4().hex,
        )
        uow.notes.save(note)
        uow.record("sign", "note", note.id)
        uow.commit()


SNAPSHOT_TABLES = (
    "practices",
    "clinicians",
    "payer_profiles",
    "patients",
    "episodes",
    "diagnoses",
    "goals",
    "visits",
    "notes",
    "timed_blocks",
    "untimed_services",
    "addenda",
    "measure_scores",
    "payments",
    "mileage_entries",
    "sync_addendum_drafts",
)


def snapshot(chart: ChartSession) -> dict[str, dict[str, dict[str, Any]]]:
    """Every synced domain row, by table and id (what convergence compares)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with chart.uow() as uow:
        for name in SNAPSHOT_TABLES:
            table = t.metadata.tables[name]
            out[name] = {str(r["id"]): dict(r) for r in uow.conn.execute(select(table)).mappings()}
    return out


def heads_by_record(chart: ChartSession) -> dict[uuid.UUID, tuple[uuid.UUID, ...]]:
    """Graph heads over live versions, per record."""
    from core.storage import sync_store as store
    from core.sync import merge

    with chart.uow() as uow:
        ids = list(uow.conn.execute(select(t.record_versions.c.record_id).distinct()).scalars())
        result = {}
        for rid in ids:
            rows = store.version_rows(uow.conn, rid)
            graph = merge.Graph(
                merge.Node(r.version_id, r.parents, r.kind, r.device, r.seq, r.rejected)
                for r in rows
            )
            result[rid] = tuple(graph.heads())
    return result
