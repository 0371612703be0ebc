"""This device's sync identity and secrets, kept in the encrypted chart's ``meta`` table.

Contract: read and written only inside the caller's transaction (``sync_store.get_meta`` /
``set_meta``). The practice sync keys (``sync.key.<key_id>``), the device's X25519 secret and
its bearer token never leave the chart unencrypted; a chart backup plus its recovery key
restores all of them (docs/sync.md §4). ``sync.cursor`` is written in the same transaction as
the pulled changes it covers.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection

from core.storage import sync_store as store
from core.sync import wireids
from core.sync.errors import DeviceRevoked, MissingSyncKey, NotEnrolled

SERVER = "sync.server"
ACCOUNT = "sync.account_id"
DEVICE = "sync.device_id"
NAME = "sync.device_name"
TOKEN = "sync.token"
BOX_SECRET = "sync.box_secret"
BOX_PUBLIC = "sync.box_public"
KEY_ID = "sync.key_id"
KEY_PREFIX = "sync.key."
KEY_PENDING = "sync.key_pending"  # core.sync.rotation
WIRE_KEY = "sync.wire_key"  # core.sync.wireids: made with the practice's first key
CURSOR = "sync.cursor"
CURSOR_AT = "sync.cursor_change"  # change id at the cursor: the log's identity, with the epoch
EPOCH = "sync.epoch"
RESYNC = "sync.resync"  # set while re-checking against a restored or replaced log
REVOKED = "sync.revoked"
LAST_OK = "sync.last_ok_at"
LAST_ATTEMPT = "sync.last_attempt_at"
LAST_ERROR = "sync.last_error"
LAST_REPORT = "sync.last_report"


@dataclass(frozen=True)
class SyncConfig:
    server: str
    account_id: uuid.UUID
    device_id: uuid.UUID
    device_name: str
    token: str
    chart_device: str
    key_id: str | None
    keys: dict[str, bytes] = field(repr=False)
    box_secret: bytes = field(repr=False)
    box_public: bytes = b""
    cursor: int = 0
    revoked: bool = False
    epoch: uuid.UUID | None = None
    cursor_at: uuid.UUID | None = None
    resync: str | None = None
    key_pending: str | None = None  # a rotated key not yet handed to every device
    wire_key: bytes = field(default=b"", repr=False)  # b"": a practice from before wire keys

    @property
    def id_key(self) -> bytes:
        """The key of this practice's opaque wire ids (``core.sync.wireids``)."""
        return self.wire_key or wireids.fallback_key(self.account_id)

    @property
    def key(self) -> bytes:
        if self.key_id is None or self.key_id not in self.keys:
            raise MissingSyncKey()
        return self.keys[self.key_id]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def enrolled(conn: Connection) -> bool:
    return store.get_meta(conn, TOKEN) is not None


def load(conn: Connection, chart_device: str, *, need_key: bool = True) -> SyncConfig:
    """The configuration for one sync run; refuses early when sync cannot run at all."""
    meta = store.meta_with_prefix(conn, "sync.")
    if TOKEN not in meta:
        raise NotEnrolled()
    if meta.get(REVOKED):
        raise DeviceRevoked()
    keys = {k[len(KEY_PREFIX) :]: unb64(v) for k, v in meta.items() if k.startswith(KEY_PREFIX)}
    cfg = SyncConfig(
        server=meta[SERVER],
        account_id=uuid.UUID(meta[ACCOUNT]),
        device_id=uuid.UUID(meta[DEVICE]),
        device_name=meta.get(NAME, ""),
        token=meta[TOKEN],
        chart_device=chart_device,
        key_id=meta.get(KEY_ID),
        keys=keys,
        box_secret=unb64(meta[BOX_SECRET]),
        box_public=unb64(meta.get(BOX_PUBLIC, "")),
        cursor=int(meta.get(CURSOR, "0")),
        epoch=uuid.UUID(meta[EPOCH]) if meta.get(EPOCH) else None,
        cursor_at=uuid.UUID(meta[CURSOR_AT]) if meta.get(CURSOR_AT) else None,
        resync=meta.get(RESYNC),
        key_pending=meta.get(KEY_PENDING),
        wire_key=unb64(meta.get(WIRE_KEY, "")),
    )
    if need_key and not keys:
        raise MissingSyncKey()
    return cfg


def store_enrollment(
    conn: Connection,
    *,
    server: str,
    account_id: uuid.UUID,
    device_id: uuid.UUID,
    name: str,
    token: str,
    box_secret: bytes,
    box_public: bytes,
) -> None:
    for key, value in {
        SERVER: server,
        ACCOUNT: str(account_id),
        DEVICE: str(device_id),
        NAME: name,
        TOKEN: token,
        BOX_SECRET: b64(box_secret),
        BOX_PUBLIC: b64(box_public),
        CURSOR: "0",
        CURSOR_AT: None,
        EPOCH: None,
        REVOKED: None,
        LAST_ERROR: None,
    }.items():
        store.set_meta(conn, key, value)


def store_wire_key(conn: Connection, wire_key: bytes | None) -> None:
    """The practice's wire-id key (None: the practice has none, see ``wireids``)."""
    store.set_meta(conn, WIRE_KEY, b64(wire_key) if wire_key else None)


def store_key(conn: Connection, key_id: str, key: bytes, *, current: bool = True) -> None:
    store.set_meta(conn, KEY_PREFIX + key_id, b64(key))
    if current:
        store.set_meta(conn, KEY_ID, key_id)
