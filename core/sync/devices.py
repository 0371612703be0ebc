"""Joining a sync server, sharing the practice key, listing and revoking devices.

Each operation is a run of ``engine.DbStep``/``engine.NetStep`` steps (driven by
``engine.run_blocking`` or the desktop's driver), so no chart transaction is held open while
waiting on the network.

* ``enroll_run``: spend an admin's one-time code with a fresh X25519 key pair. The server
  elects the *first* device of an empty practice (no other active device, an empty log) in
  the enrollment's transaction, so two devices enrolling at once never both wait; that device
  creates the practice sync key, any other waits for a key shared by ``approve_run`` +
  ``pair_run``. A chart that already holds a key for this practice (re-enrollment after a
  revocation, a restored backup) keeps it. A chart that holds records may only be the first
  device of an empty practice (or rejoin its own): otherwise the server refuses
  (``EnrollmentRefused``, the code stays unused) and the message gives the supported path.
* ``approve_run`` (on a device that has the key): wraps the key for the chosen device and
  returns the pairing code to show on screen (``core.sync.pairing`` explains the scheme).
* ``pair_run`` (on the new device): opens the offered key with the code the user typed and
  checks it against a change already on the server when there is one.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import syncwire as wire
from core.domain.errors import InvalidInput
from core.storage import seals
from core.storage import sync_store as store
from core.sync import anchors, config, crypto, pairing, rotation, wireids
from core.sync.config import SyncConfig
from core.sync.engine import ApiMaker, DbStep, NetStep, Run, load_config
from core.sync.errors import AlreadyEnrolled, MissingSyncKey, PairingFailed, ProtocolError

if TYPE_CHECKING:
    from core.storage.chart import ChartSession


@dataclass(frozen=True)
class EnrollResult:
    account_id: uuid.UUID
    device_id: uuid.UUID
    device_name: str
    key_ready: bool
    created_key: bool
    fingerprint: str


@dataclass(frozen=True)
class Approval:
    device_id: uuid.UUID
    device_name: str
    pairing_code: str
    fingerprint: str


@dataclass(frozen=True)
class DeviceRow:
    device_id: uuid.UUID
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    current: bool
    fingerprint: str


def enroll_run(make_api: ApiMaker, server: str, code: str, name: str) -> Run[EnrollResult]:
    def check(chart: ChartSession) -> tuple[bool, uuid.UUID | None]:
        with chart.uow() as uow:
            revoked = uow.meta.get(config.REVOKED) is not None
            if config.enrolled(uow.sync.connection) and not revoked:
                raise AlreadyEnrolled(
                    "This chart is already enrolled with a sync server.",
                    hint="Revoke this device first to enroll it again.",
                )
            known = uow.meta.get(config.ACCOUNT)
            return store.holds_records(uow.sync.connection), uuid.UUID(known) if known else None

    name = name.strip()
    if not name:
        raise InvalidInput(
            "Give this device a name the practice will recognise (e.g. “Front desk”).",
            hint="The server shows it in the practice's device list; the host name is never "
            "sent on its own.",
        )
    holds, known_account = yield DbStep(check, "check")
    secret, public = pairing.new_box_keypair()
    with make_api(server, None) as anonymous:
        # The server elects the first device (which makes the practice key) in the
        # enrollment's own transaction, and refuses a chart with records unless it is that
        # first device: two charts' records would otherwise be merged into duplicates.
        enrolled: wire.EnrollResponse = yield NetStep(
            lambda: anonymous.enroll(
                code, name, public, holds_records=holds, known_account_id=known_account
            ),
            "enroll",
        )

    def save(chart: ChartSession) -> tuple[bool, bool]:
        with chart.uow() as uow:
            previous = uow.meta.get(config.ACCOUNT)
            config.store_enrollment(
                uow.sync.connection,
                server=server,
                account_id=enrolled.account_id,
                device_id=enrolled.device_id,
                name=name,
                token=enrolled.token,
                box_secret=secret,
                box_public=public,
            )
            if previous is not None and previous != str(enrolled.account_id):
                # another practice log: everything goes out again
                store.unack_all(uow.sync.connection)
                store.forget_wire_ids(uow.sync.connection)
                uow.meta.set(config.KEY_ID, None)
                config.store_wire_key(uow.sync.connection, None)
            created = enrolled.first_device and uow.meta.get(config.KEY_ID) is None
            if created:
                key_id, key = crypto.new_sync_key()
                config.store_key(uow.sync.connection, key_id, key)
                config.store_wire_key(uow.sync.connection, os.urandom(wireids.WIRE_KEY_BYTES))
            ready = uow.meta.get(config.KEY_ID) is not None
            uow.record("create", "sync_device", str(enrolled.device_id), detail="enrolled")
            uow.commit()
        return ready, created

    ready, created = yield DbStep(save, "save")
    return EnrollResult(
        enrolled.account_id,
        enrolled.device_id,
        name,
        ready,
        created,
        pairing.fingerprint(public),
    )


def approve_run(make_api: ApiMaker, device_id: uuid.UUID) -> Run[Approval]:
    cfg: SyncConfig = yield load_config()
    if cfg.key_id is None:
        raise MissingSyncKey()
    with make_api(cfg.server, cfg.token) as api:
        devices: list[wire.DeviceInfo] = yield NetStep(api.devices, "devices")
        target = next((d for d in devices if d.device_id == device_id), None)
        if target is None or target.revoked_at is not None:
            raise ProtocolError("That device is not an active device of this practice.")
        if not target.public_key:
            raise PairingFailed("That device enrolled without a key pair; enroll it again.")
        recipient_pub = wire.b64decode(target.public_key)
        code = pairing.new_pairing_code()
        blob = pairing.wrap_key(
            code=code,
            sender=cfg.device_id,
            sender_secret=cfg.box_secret,
            recipient=device_id,
            recipient_pub=recipient_pub,
            key_id=cfg.key_id,
            key=cfg.key,
            older={k: v for k, v in cfg.keys.items() if k != cfg.key_id},
            wire_key=cfg.wire_key or None,
        )
        post = wire.WrappedKeyPost(
            recipient_device_id=device_id,
            key_id=cfg.key_id,
            scheme=pairing.SCHEME,
            wrapped_key=wire.b64encode(blob),
            sender_public_key=wire.b64encode(cfg.box_public),
        )
        yield NetStep(lambda: api.post_key(post), "post key")

    def audit(chart: ChartSession) -> None:
        with chart.uow() as uow:
            uow.record("export", "sync_key", str(device_id),
                       detail="practice sync key wrapped for a device")
            uow.commit()

    yield DbStep(audit, "audit")
    return Approval(device_id, target.name, code, pairing.fingerprint(recipient_pub))


def pair_run(make_api: ApiMaker, code: str) -> Run[str]:
    """Take the key offered to this device; returns its key id."""
    pairing.parse_pairing_code(code)  # a typo fails before any network call
    cfg: SyncConfig = yield load_config(need_key=False)
    with make_api(cfg.server, cfg.token) as api:
        offered: list[wire.WrappedKey] = yield NetStep(api.keys, "keys")
        found: tuple[str, bytes, dict[str, bytes], bytes | None] | None = None
        for blob in reversed([k for k in offered if k.scheme == pairing.SCHEME]):
            if not blob.sender_public_key:
                continue
            try:
                key, older, wire_key = pairing.unwrap_key(
                    code=code,
                    blob=wire.b64decode(blob.wrapped_key),
                    sender=blob.sender_device_id,
                    sender_pub=wire.b64decode(blob.sender_public_key),
                    recipient=cfg.device_id,
                    recipient_secret=cfg.box_secret,
                    key_id=blob.key_id,
                )
            except PairingFailed:
                continue
            found = (blob.key_id, key, older, wire_key)
            break
        if found is None:
            raise PairingFailed(
                "No key offered to this device opens with that pairing code.",
                hint="Check the code, or approve this device again on the other device.",
            )
        page: wire.PullResponse = yield NetStep(lambda: api.pull(0, 1), "check")
    key_id, key, older, wire_key = found
    for change in page.changes:
        if change.key_id == key_id:
            id_key = wire_key or wireids.fallback_key(cfg.account_id)
            try:
                body = crypto.open_version(
                    key,
                    crypto.header_of(change),
                    wire.b64decode(change.ciphertext),
                    wire.b64decode(change.nonce),
                )
                if body.ids is not None and not wireids.matches(
                    id_key, "record", body.ids.record_id, change.record_id
                ):
                    raise PairingFailed("The offered wire-id key does not match the log.")
            except Exception as exc:
                raise PairingFailed(
                    "The offered key does not open the practice's data.",
                    hint="Approve this device again from a device that already syncs.",
                ) from exc

    def save(chart: ChartSession) -> None:
        with chart.uow() as uow:
            for old_id, old_key in older.items():
                config.store_key(uow.sync.connection, old_id, old_key, current=False)
            config.store_key(uow.sync.connection, key_id, key)
            config.store_wire_key(uow.sync.connection, wire_key)
            uow.record("create", "sync_key", key_id, detail="practice sync key received")
            uow.commit()

    yield DbStep(save, "save")
    return key_id


def devices_run(make_api: ApiMaker) -> Run[list[DeviceRow]]:
    cfg: SyncConfig = yield load_config(need_key=False)
    with make_api(cfg.server, cfg.token) as api:
        listed: list[wire.DeviceInfo] = yield NetStep(api.devices, "devices")
    return [
        DeviceRow(
            d.device_id,
            d.name,
            d.created_at,
            d.revoked_at,
            d.current,
            pairing.fingerprint(wire.b64decode(d.public_key)) if d.public_key else "",
        )
        for d in listed
    ]


def revoke_run(make_api: ApiMaker, device_id: uuid.UUID) -> Run[DeviceRow]:
    """Revoke a device; when it is another device and this one holds the practice key, the key
    is rotated at once (``rotation``), so the revoked device cannot read what comes next."""
    cfg: SyncConfig = yield load_config(need_key=False)
    with make_api(cfg.server, cfg.token) as api:
        info: wire.DeviceInfo = yield NetStep(lambda: api.revoke(device_id), "revoke")

    def save(chart: ChartSession) -> None:
        with chart.uow() as uow:
            if device_id == cfg.device_id:
                uow.meta.set(config.REVOKED, dt.datetime.now(dt.UTC).isoformat())
            uow.record("delete", "sync_device", str(device_id), detail="revoked")
            uow.commit()

    yield DbStep(save, "save")
    if device_id != cfg.device_id and cfg.key_id is not None:
        yield from rotate_run(make_api)
    return DeviceRow(info.device_id, info.name, info.created_at, info.revoked_at, info.current, "")


@dataclass(frozen=True)
class Rotation:
    key_id: str
    previous_key_id: str
    devices: int  # active devices the new key was posted to


def rotate_run(make_api: ApiMaker) -> Run[Rotation]:
    """Make a new practice key and hand it to every other active device (``rotation``).

    Crash-safe: the new key is stored (pending) before anything is posted; a pending key is
    posted again and made current by the next ``rotate_run`` or sync run."""
    cfg: SyncConfig = yield load_config()
    if cfg.key_id is None:
        raise MissingSyncKey()

    def prepare(chart: ChartSession) -> tuple[str, bytes]:
        with chart.uow() as uow:
            pending = uow.meta.get(rotation.PENDING)
            if pending is not None and pending in cfg.keys:
                return pending, cfg.keys[pending]
            key_id, key = crypto.new_sync_key()
            config.store_key(uow.sync.connection, key_id, key, current=False)
            uow.meta.set(rotation.PENDING, key_id)
            uow.commit()
            return key_id, key

    key_id, key = yield DbStep(prepare, "new key")
    previous_key_id = cfg.key_id  # the pending key only becomes current in ``finish``
    previous = cfg.keys[previous_key_id]
    with make_api(cfg.server, cfg.token) as api:
        listed: list[wire.DeviceInfo] = yield NetStep(api.devices, "devices")
        posted = 0
        for d in listed:
            if d.device_id == cfg.device_id or d.revoked_at is not None or not d.public_key:
                continue
            blob = rotation.wrap_rotated_key(
                previous_key_id=previous_key_id,
                previous_key=previous,
                sender=cfg.device_id,
                sender_secret=cfg.box_secret,
                recipient=d.device_id,
                recipient_pub=wire.b64decode(d.public_key),
                key_id=key_id,
                key=key,
            )
            post = wire.WrappedKeyPost(
                recipient_device_id=d.device_id,
                key_id=key_id,
                scheme=rotation.SCHEME,
                wrapped_key=wire.b64encode(blob),
                sender_public_key=wire.b64encode(cfg.box_public),
            )
            yield NetStep(partial(api.post_key, post), "post key")
            posted += 1

    def finish(chart: ChartSession) -> None:
        with chart.uow() as uow:
            config.store_key(uow.sync.connection, key_id, key, current=True)
            uow.meta.set(rotation.PENDING, None)
            uow.record(
                "create", "sync_key", key_id,
                detail=f"practice sync key rotated ({posted} devices)",
            )
            uow.commit()

    yield DbStep(finish, "rotate")
    return Rotation(key_id, previous_key_id, posted)


@dataclass(frozen=True)
class AnchorCheck:
    checked: int  # anchors on the server that describe this chart's timeline
    problems: tuple[str, ...]


def verify_anchors_run(make_api: ApiMaker) -> Run[AnchorCheck]:
    """This chart's audit chain against the heads it anchored on the sync server (``anchors``).

    An anchor under a key this chart does not hold (a restore from before a key rotation) is
    skipped; one that does not open under a key it holds, or that this chart's key did not
    seal, is a problem, as is an anchored row that is missing or different in the chain."""
    cfg: SyncConfig = yield load_config()
    with make_api(cfg.server, cfg.token) as api:
        offered: list[wire.WrappedKey] = yield NetStep(api.keys, "keys")
    mine = [
        b for b in offered if b.scheme == anchors.SCHEME and b.sender_device_id == cfg.device_id
    ]

    def check(chart: ChartSession) -> AnchorCheck:
        with chart.uow() as uow:
            points = uow.audit.restore_points()
            found: list[tuple[str, seals.AuditHead]] = []
            problems: list[str] = []
            for blob in mine:
                key = cfg.keys.get(blob.key_id)
                if key is None:
                    continue
                anchor = anchors.open_anchor(
                    key, blob.key_id, cfg.device_id, wire.b64decode(blob.wrapped_key)
                )
                when = f"{blob.created_at:%Y-%m-%d %H:%M} UTC"
                if anchor is None:
                    problems.append(f"the sync server's anchor of {when} does not open")
                    continue
                if anchor.chart_id != chart.chart_id:
                    continue  # another chart enrolled as this device before
                where = f"the sync server's anchor of {anchor.taken_at:%Y-%m-%d %H:%M} UTC"
                if not seals.anchor_is_genuine(chart.keys, chart.chart_id, anchor.head):
                    problems.append(f"{where} was not sealed with this chart's key")
                elif seals.applicable_anchor(anchor.taken_at, anchor.head, points):
                    found.append((where, anchor.head))
            problems += uow.audit.anchor_problems(found)
            uow.record("view", "audit", "sync-anchors",
                       detail=f"{len(found)} anchors, {len(problems)} problems")
            uow.commit()
        return AnchorCheck(len(found), tuple(problems))

    result: AnchorCheck = yield DbStep(check, "check anchors")
    return result
