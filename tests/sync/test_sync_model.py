"""Two devices, one server, random interleavings (Hypothesis stateful testing).

Rules: new note, edit, sign, addendum, demographics edit, edit or delete a mileage trip, push
only, pull only, full sync, a crash before commit (edit or pulled page), a lost
acknowledgement, a replayed batch, clock skew.
Invariants checked after every step: a signed note, once seen on a device, never changes there;
no version ever disappears from a device. After a quiet period (both devices sync until nothing
moves) the teardown checks: every version created reached the server and both devices, except
those the server refused because a signature won, and each of those had its text rescued;
both devices have the same heads, the same open conflicts, and the same records outside those
conflicts; resolving every conflict on one device and syncing makes all records equal.
Nothing is silently lost (issue 22): wherever a device wrote a version with several parents
(a merge, or an edit on top of one), every value of a parent that the new version dropped is
in a notice on that device with both values, and a dropped delete is a ``delete_edit``
conflict on that device.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import shutil
import tempfile
import types
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from core.domain.errors import SignedNoteImmutable
from core.services import charts, mileage, notes, patients
from core.services import sync as sync_service
from core.storage import outbox, sync_store
from core.storage import tables as t
from core.sync import apply, config, merge
from core.sync.api import SyncApi
from core.sync.errors import ServerUnavailable
from tests.sync.helpers import (
    PASSPHRASE,
    URL,
    Device,
    Seed,
    enroll,
    heads_by_record,
    running_server,
    seed,
    sign,
    snapshot,
)

DEVICES = st.sampled_from(["A", "B"])
INDEX = st.integers(min_value=0, max_value=5)
TEXT = st.sampled_from(["", "pain 3/10", "pain 5/10", "gait improved", "HEP reviewed"])
SECTION = st.sampled_from(["subjective", "objective", "assessment", "plan"])
NOTE_ROWS = ("notes", "timed_blocks", "untimed_services")
# Charts commit with synchronous=FULL; on a RAM disk the fsyncs cost nothing, which keeps 25
# examples of 30 steps well under a minute. The durability itself is tested elsewhere.
_FAST_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else None


class _Skewed(dt.datetime):
    offset = dt.timedelta(0)

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> Any:
        return dt.datetime.now(tz) + cls.offset


@contextmanager
def skewed_clock(offset: dt.timedelta) -> Iterator[None]:
    """The device's wall clock is off by ``offset`` while it writes."""
    _Skewed.offset = offset
    shim = types.SimpleNamespace(
        datetime=_Skewed, UTC=dt.UTC, date=dt.date, time=dt.time, timedelta=dt.timedelta
    )
    saved = (outbox.dt, notes.dt)
    outbox.dt = notes.dt = shim  # type: ignore[assignment]
    try:
        yield
    finally:
        outbox.dt, notes.dt = saved  # type: ignore[assignment]


@dataclass(frozen=True)
class _Template:
    """Two enrolled, paired devices with a patient and two notes, built once per session and
    copied for every example (creating charts and pairing them is the slow part)."""

    directory: Path
    seed: Seed
    notes: tuple[uuid.UUID, ...]
    trip: uuid.UUID


_template: _Template | None = None


def _build_template() -> _Template:
    directory = Path(tempfile.mkdtemp(prefix="sync-model-template-", dir=_FAST_DIR))
    atexit.register(shutil.rmtree, directory, True)
    with running_server(directory) as server:
        account = server.practice()
        a = enroll(server, account, directory / "a.chart", "A")
        b = enroll(server, account, directory / "b.chart", "B", approver=a)
        s = seed(a.chart)
        made = []
        for _ in range(2):  # two notes both devices have, so edits can collide from step one
            view = notes.start_note(
                a.chart,
                episode_id=s.episode_id,
                clinician_id=s.clinician_id,
                date=dt.date(2026, 2, 1),
            )
            made.append(view.value.note.id)
        trip = mileage.record_trip(
            a.chart,
            s.clinician_id,
            date=dt.date(2026, 2, 1),
            miles=10.0,
            from_label="Office",
            to_label="Home base",
            purpose="Home visit",
        ).value.id
        a.sync()
        b.sync()
        for device in (a, b):
            device.chart.checkpoint()
            device.close()
    return _Template(directory, s, tuple(made), trip)


class TwoDevices(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        global _template
        if _template is None:
            _template = _build_template()
        self.stack = ExitStack()
        self.tmp = Path(tempfile.mkdtemp(prefix="sync-model-", dir=_FAST_DIR))
        self.stack.callback(shutil.rmtree, self.tmp, True)
        shutil.copytree(_template.directory, self.tmp, dirs_exist_ok=True)
        self.server = self.stack.enter_context(running_server(self.tmp, migrate_db=False))
        self.dev = {}
        for name in ("A", "B"):
            chart = charts.open_chart(self.tmp / f"{name.lower()}.chart", passphrase=PASSPHRASE)
            self.dev[name] = Device(name, chart, self.server, self.server.transport)
            self.stack.callback(chart.lock)
        self.skew = {"A": dt.timedelta(0), "B": dt.timedelta(0)}
        self.seed: Seed = _template.seed
        self.notes: list[uuid.UUID] = list(_template.notes)
        self.trip = _template.trip
        self.signed_seen: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
        self.versions_seen: dict[str, set[uuid.UUID]] = {"A": set(), "B": set()}

    # -- helpers --------------------------------------------------------------------------
    def _note(self, name: str, index: int) -> tuple[Device, uuid.UUID, Any] | None:
        if not self.notes:
            return None
        device = self.dev[name]
        note_id = self.notes[index % len(self.notes)]
        with device.chart.uow() as uow:
            state = sync_store.note_state(uow.conn, note_id)
        return (device, note_id, state) if state else None

    def _write(self, name: str) -> Any:
        return skewed_clock(self.skew[name])

    # -- rules ----------------------------------------------------------------------------
    @precondition(lambda self: len(self.notes) < 6)
    @rule(name=DEVICES)
    def new_note(self, name: str) -> None:
        with self._write(name):
            view = notes.start_note(
                self.dev[name].chart,
                episode_id=self.seed.episode_id,
                clinician_id=self.seed.clinician_id,
                date=dt.date(2026, 2, 1),
            )
        self.notes.append(view.value.note.id)

    @rule(name=DEVICES, index=INDEX, section=SECTION, text=TEXT)
    def edit(self, name: str, index: int, section: str, text: str) -> None:
        found = self._note(name, index)
        if found is None:
            return
        device, note_id, (status, _hash) = found
        with self._write(name):
            if status == "signed":
                with pytest.raises(SignedNoteImmutable):
                    notes.edit_section(device.chart, note_id, section, text)
            else:
                notes.edit_section(device.chart, note_id, section, f"{name}: {text}")

    @rule(
        index=INDEX,
        first=st.sampled_from(["edit", "sign", "addendum"]),
        second=st.sampled_from(["edit", "sign", "addendum"]),
        section=SECTION,
        text=TEXT,
    )
    def collide(self, index: int, first: str, second: str, section: str, text: str) -> None:
        """A and B act on the same note before either syncs (the races sync must survive)."""
        for name, action in (("A", first), ("B", second)):
            if action == "edit":
                self.edit(name, index, section, text)
            elif action == "sign":
                self.sign_note(name, index)
            else:
                self.addendum(name, index, text)

    @rule(name=DEVICES, index=INDEX, now=st.integers(0, 3))
    def sign_note(self, name: str, index: int, now: int = 0) -> None:
        if now:
            return  # signing is rarer than editing, so drafts live long enough to collide
        found = self._note(name, index)
        if found is not None and found[2][0] != "signed":
            with self._write(name):
                sign(found[0].chart, found[1], self.seed.clinician_id)

    @rule(name=DEVICES, index=INDEX, text=TEXT)
    def addendum(self, name: str, index: int, text: str) -> None:
        found = self._note(name, index)
        if found is not None and found[2][0] == "signed":
            with self._write(name):
                notes.add_addendum(
                    found[0].chart,
                    found[1],
                    author_id=self.seed.clinician_id,
                    text=f"{name}: {text or 'late entry'}",
                )

    @rule(
        name=DEVICES,
        phone=st.sampled_from(["555-0100", "555-0101", "555-0102"]),
        email=st.sampled_from(["", "a@example.org"]),
    )
    def edit_patient(self, name: str, phone: str, email: str) -> None:
        with self._write(name):
            patients.update_patient(
                self.dev[name].chart, self.seed.patient_id, phone=phone, email=email
            )

    def _has_trip(self, name: str) -> bool:
        with self.dev[name].chart.uow() as uow:
            found = uow.conn.execute(
                select(t.mileage_entries.c.id).where(t.mileage_entries.c.id == self.trip)
            ).first()
        return found is not None

    @rule(name=DEVICES, miles=st.sampled_from([12.0, 14.5, 20.0]), delete=st.booleans())
    def change_trip(self, name: str, miles: float, delete: bool) -> None:
        if not self._has_trip(name):
            return
        with self._write(name):
            if delete:
                mileage.delete_trip(self.dev[name].chart, self.trip)
            else:
                mileage.update_trip(self.dev[name].chart, self.trip, miles=miles)

    @rule(name=DEVICES, push=st.booleans(), pull=st.booleans())
    def sync(self, name: str, push: bool, pull: bool) -> None:
        self.dev[name].run(push=push or not pull, pull=pull)

    @rule(
        name=DEVICES,
        fault=st.sampled_from(["crash_edit", "crash_apply", "lost_ack", "replay", "skew"]),
        index=INDEX,
        hours=st.sampled_from([-72, -1, 0, 5, 72]),
    )
    def fault(self, name: str, fault: str, index: int, hours: int) -> None:
        """One of the things that go wrong: a crash before commit (an edit, or an applied
        page), a lost acknowledgement, a replayed batch, a wrong wall clock."""
        if fault == "crash_edit":
            self._crash_mid_edit(name, index)
        elif fault == "crash_apply":
            self._crash_mid_apply(name)
        elif fault == "lost_ack":
            self._lose_ack(name)
        elif fault == "replay":
            self._replay_last_batch(name)
        else:
            self.skew[name] = dt.timedelta(hours=hours)

    def _crash_mid_edit(self, name: str, index: int) -> None:
        found = self._note(name, index)
        if found is None or found[2][0] == "signed":
            return
        device, note_id, _ = found
        before = snapshot(device.chart)
        with device.chart.uow() as uow:  # dies before commit
            note = uow.notes.get(note_id)
            note.set_section("plan", "lost in the crash")
            uow.notes.save(note)
            uow.record("update", "note", note.id)
        assert snapshot(device.chart) == before

    def _crash_mid_apply(self, name: str) -> None:
        device = self.dev[name]
        with device.chart.uow() as uow:
            cfg = config.load(uow.conn, device.chart.device_id)
        with SyncApi(URL, cfg.token, transport=device.transport) as api:
            page = api.pull(cfg.cursor, 5)
        before = snapshot(device.chart)
        with device.chart.uow() as uow:  # the page is applied, then the app dies
            apply.apply_page(uow.conn, cfg, page.changes, apply.ApplyOutcome())
            sync_store.set_meta(uow.conn, config.CURSOR, str(page.next_after))
        assert snapshot(device.chart) == before
        assert device.status().cursor == cfg.cursor

    def _lose_ack(self, name: str) -> None:
        device = self.dev[name]
        device.transport.drop_next_response = True
        with suppress(ServerUnavailable):  # the server committed; a later sync resends the bytes
            device.run(pull=False)
        device.transport.drop_next_response = False

    def _replay_last_batch(self, name: str) -> None:
        device = self.dev[name]
        if not device.transport.pushes:
            return
        body, answer = device.transport.pushes[-1]
        with device.chart.uow() as uow:
            token = sync_store.get_meta(uow.conn, config.TOKEN)
        replayed = self.server.client.post(
            "/v1/sync/push",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert replayed.content == answer

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def signed_notes_never_change(self) -> None:
        for name, device in self.dev.items():
            with device.chart.uow() as uow:
                rows = uow.conn.execute(select(t.notes).where(t.notes.c.status == "signed"))
                for row in rows.mappings():
                    key = (name, row["id"])
                    value = {
                        k: row[k]
                        for k in (
                            "subjective",
                            "objective",
                            "assessment",
                            "plan",
                            "content_hash",
                            "signed_at",
                            "signed_by",
                        )
                    }
                    assert self.signed_seen.setdefault(key, value) == value

    @invariant()
    def no_version_disappears(self) -> None:
        for name, device in self.dev.items():
            with device.chart.uow() as uow:
                ids = set(uow.conn.execute(select(t.record_versions.c.version_id)).scalars())
            assert self.versions_seen[name] <= ids
            self.versions_seen[name] = ids

    # -- the quiet period -----------------------------------------------------------------
    def _settle(self) -> None:
        """Both devices sync until a whole round moves nothing (bounded)."""
        for _ in range(6):
            moved = 0
            for device in self.dev.values():
                report = device.sync()
                moved += report.pushed + report.pulled + report.refused
            if not moved:
                return
        raise AssertionError("the devices did not settle")

    def teardown(self) -> None:
        try:
            if hasattr(self, "dev"):
                self._settle()
                self._check_converged()
                self._resolve_everything_and_check()
        finally:
            self.stack.close()

    def _server_versions(self) -> set[uuid.UUID]:
        with self.server.engine.connect() as conn:
            from server.tables import change_log

            return {
                uuid.UUID(str(v)) for v in conn.execute(select(change_log.c.version_id)).scalars()
            }

    def _check_converged(self) -> None:
        on_server = self._server_versions()
        self._events()
        conflict_sets = {}
        for name, device in self.dev.items():
            status = device.status()
            assert (status.pending, status.stuck, status.last_error) == (0, 0, None), name
            with device.chart.uow() as uow:
                rows = uow.conn.execute(
                    select(t.record_versions.c.version_id, t.record_versions.c.record_id)
                ).all()
                state = {r.change_id: r for r in uow.conn.execute(select(t.sync_change_state))}
                opened = sync_store.conflicts(uow.conn)
                wired = set(uow.conn.execute(select(t.record_wire_ids.c.wire_id)).scalars())
            local = {r.version_id for r in rows}
            # the server knows versions by their wire ids (core.sync.wireids) only
            assert not on_server & local, "a chart's own version id reached the server"
            assert on_server <= wired, f"{name} misses versions the server has"
            refused = {s for s, r in state.items() if r.status == "rejected"}
            assert all(state[c].salvaged for c in refused), "refused text not rescued"
            assert len(local) - len(on_server) == len(refused), f"{name}: a version never left"
            conflict_sets[name] = {
                (c["record_id"], c["kind"]) for c in opened if c["kind"] in ("draft", "delete_edit")
            }
            self._nothing_silently_lost(name)
        assert conflict_sets["A"] == conflict_sets["B"]
        heads_a, heads_b = (
            heads_by_record(self.dev["A"].chart),
            heads_by_record(self.dev["B"].chart),
        )
        assert heads_a == heads_b
        drafts = {rid for rid, kind in conflict_sets["A"] if kind == "draft"}
        skip = drafts | self._sign_races()
        self._same_records(skip)

    def _nothing_silently_lost(self, name: str) -> None:
        device = self.dev[name]
        with device.chart.uow() as uow:
            told = sync_store.conflicts(uow.conn, open_only=False)
            for record_id, fields in (
                (self.seed.patient_id, ("phone", "email")),
                (self.trip, ("miles",)),
            ):
                rows = sync_store.version_rows(uow.conn, record_id)
                docs = {
                    v: json.loads(p)
                    for v, p in sync_store.payloads(uow.conn, [r.version_id for r in rows]).items()
                }
                graph = merge.Graph(
                    merge.Node(r.version_id, r.parents, r.kind, r.device, r.seq, r.rejected)
                    for r in rows
                )
                mine = [
                    r
                    for r in rows
                    if len(r.parents) > 1 and r.device == device.chart.device_id and not r.rejected
                ]
                for child in mine:
                    parents = sorted(child.parents, key=str)
                    base_id = graph.common_ancestor(parents)
                    base_doc = docs[base_id] if base_id else None
                    base = (base_doc["row"] if base_doc else None) or {}
                    # What the device showed before this write: the merge of the parents.
                    shown, _ = merge.merge_heads(base_doc, [docs[p] for p in parents])
                    row = shown["row"]
                    notes_here = [c for c in told if c["record_id"] == record_id]
                    for parent in parents:
                        prow = docs[parent]["row"]
                        if prow is None and row is not None and base:
                            assert any(c["kind"] == "delete_edit" for c in notes_here), (
                                f"{name}: a delete was dropped silently"
                            )
                            event("conflict: a delete against an edit")
                        if prow is None or row is None:
                            continue
                        for f in fields:
                            if prow.get(f) != base.get(f) and row.get(f) != prow.get(f):
                                values = [
                                    {x["kept"], x["other"]}
                                    for c in notes_here
                                    if c["kind"] in ("fields", "delete_edit")
                                    for x in json.loads(c["detail"])["clashes"]
                                    if x["field"] == f
                                ]
                                assert any(prow.get(f) in v for v in values), (
                                    f"{name}: {f}={prow.get(f)!r} dropped without a notice"
                                )
                                event("notice: both values of a clash")

    def _events(self) -> None:
        """Label what this example exercised (``--hypothesis-show-statistics``)."""
        with self.dev["A"].chart.uow() as uow:
            kinds = {c["kind"] for c in sync_store.conflicts(uow.conn, open_only=False)}
            drafts = sync_store.addendum_drafts(uow.conn, status=None)
        for kind in sorted(kinds):
            event(f"conflict: {kind}")
        for reason in sorted({d["reason"] for d in drafts}):
            event(f"addendum draft: {reason}")

    def _sign_races(self) -> set[uuid.UUID]:
        races = set()
        for device in self.dev.values():
            with device.chart.uow() as uow:
                races |= {
                    c["record_id"]
                    for c in sync_store.conflicts(uow.conn, open_only=False)
                    if c["kind"] == "sign_race"
                }
        return races

    def _same_records(self, skip: set[uuid.UUID]) -> None:
        snaps = [snapshot(d.chart) for d in self.dev.values()]
        hexes = {r.hex for r in skip} | {str(r) for r in skip}
        for table in snaps[0]:
            rows = [
                {
                    k: v
                    for k, v in snap[table].items()
                    if not (table in NOTE_ROWS and (k in hexes or str(v.get("note_id")) in hexes))
                }
                for snap in snaps
            ]
            assert rows[0] == rows[1], f"{table} differs"

    def _resolve_everything_and_check(self) -> None:
        a = self.dev["A"]
        for c in sync_service.list_conflicts(a.chart):
            sync_service.resolve_conflict(a.chart, c["id"], "local")
        self._settle()
        for device in self.dev.values():
            assert [
                c
                for c in sync_service.list_conflicts(device.chart)
                if c["kind"] in ("draft", "delete_edit")
            ] == []
        assert heads_by_record(a.chart) == heads_by_record(self.dev["B"].chart)
        self._same_records(self._sign_races())
        for name in self.dev:
            self._nothing_silently_lost(name)


TwoDevices.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_two_devices_converge = TwoDevices.TestCase
