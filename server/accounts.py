"""Accounts, one-time enrollment codes, devices and bearer tokens.

Contracts:

* An account is one practice; its devices share one change log. Admin functions
  (``create_account``, ``create_enroll_code``, ``revoke_device`` with no account) are called by
  the CLI on the server machine; the API reaches the rest through an authenticated device.
* Enrollment codes are 80 random bits shown as ``XXXX-XXXX-XXXX-XXXX`` (Crockford base32),
  single use, with an expiry. Only SHA-256 of a code is stored, and of a token too: tokens
  carry 256 random bits, so a fast hash is enough and a database leak yields no usable token.
* ``authenticate`` maps a bearer token to a ``DeviceContext``; revoked → 401 ``device_revoked``.
* Every query is scoped by ``account_id``, so a device can name another account's device id
  and learn nothing beyond "not found".
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from server.db import now_ms, read_transaction, write_transaction
from server.errors import ApiError, unauthorized
from server.tables import account, account_counter, device, enroll_code, log_epoch
from syncwire import DeviceInfo, EnrollRequest, EnrollResponse, ErrorCode, b64decode
from syncwire import b64encode as b64

TOKEN_PREFIX = "csd1_"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_FIXUPS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


@dataclass(frozen=True)
class DeviceContext:
    """The authenticated caller of an API request."""

    device_id: uuid.UUID
    account_id: uuid.UUID


@dataclass(frozen=True)
class AccountRow:
    account_id: uuid.UUID
    name: str


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _code_hash(code: str) -> bytes:
    normal = code.upper().translate(_CODE_FIXUPS)
    return hashlib.sha256(b"chartside-enroll-v1:" + normal.encode("ascii", "replace")).digest()


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def create_account(engine: Engine, name: str) -> AccountRow:
    """Create a practice account with an empty change log; the name must be unused."""
    name = name.strip()
    if not name:
        raise ValueError("an account needs a name")

    def tx(conn: Connection) -> AccountRow:
        if conn.execute(select(account.c.id).where(account.c.name == name)).first():
            raise ValueError(f"an account named {name!r} already exists")
        account_id = uuid.uuid4()
        conn.execute(insert(account).values(id=account_id, name=name, created_at=now_ms()))
        conn.execute(insert(account_counter).values(account_id=account_id, last_seq=0))
        conn.execute(
            insert(log_epoch).values(
                account_id=account_id, epoch=uuid.uuid4(), since=now_ms(), reason="created"
            )
        )
        return AccountRow(account_id, name)

    return write_transaction(engine, tx)


def find_account(engine: Engine, name_or_id: str) -> AccountRow:
    """The account with this name or id; ``LookupError`` if none."""
    clause = account.c.name == name_or_id
    with contextlib.suppress(ValueError):
        clause = clause | (account.c.id == uuid.UUID(name_or_id))

    def tx(conn: Connection) -> AccountRow:
        row = conn.execute(select(account.c.id, account.c.name).where(clause)).first()
        if row is None:
            raise LookupError(f"no account named {name_or_id!r}")
        return AccountRow(row.id, row.name)

    return read_transaction(engine, tx)


def create_enroll_code(
    engine: Engine,
    account_id: uuid.UUID,
    ttl: timedelta,
    *,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """A fresh one-time code for ``account_id`` and its expiry (UTC). ``now`` is for tests."""
    created = now or datetime.now(UTC)
    expires = created + ttl
    raw = "".join(secrets.choice(_CROCKFORD) for _ in range(16))
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))

    def tx(conn: Connection) -> None:
        conn.execute(
            insert(enroll_code).values(
                code_hash=_code_hash(code),
                account_id=account_id,
                created_at=int(created.timestamp() * 1000),
                expires_at=int(expires.timestamp() * 1000),
            )
        )

    write_transaction(engine, tx)
    return code, expires


def enroll(engine: Engine, request: EnrollRequest) -> EnrollResponse:
    """Spend a one-time code on a new device; returns the device's token (shown once)."""
    code_hash = _code_hash(request.code)
    public_key = b64decode(request.public_key) if request.public_key else None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def tx(conn: Connection) -> EnrollResponse:
        row = conn.execute(select(enroll_code).where(enroll_code.c.code_hash == code_hash)).first()
        now = now_ms()
        if row is None:
            raise unauthorized(ErrorCode.INVALID_CODE, "unknown enrollment code")
        if row.used_at is not None:
            raise unauthorized(ErrorCode.CODE_USED, "this enrollment code was already used")
        if row.expires_at <= now:
            raise unauthorized(ErrorCode.CODE_EXPIRED, "this enrollment code has expired")
        # The counter row's lock queues the enrollments (and pushes) of one account, so the
        # election below sees every device enrolled before it: at most one first device.
        last_seq = conn.execute(
            select(account_counter.c.last_seq)
            .where(account_counter.c.account_id == row.account_id)
            .with_for_update()
        ).scalar_one()
        others = conn.execute(
            select(func.count())
            .select_from(device)
            .where(device.c.account_id == row.account_id, device.c.revoked_at.is_(None))
        ).scalar_one()
        empty = last_seq == 0 and others == 0
        if request.holds_records and not empty and request.known_account_id != row.account_id:
            raise ApiError(
                409,
                ErrorCode.PRACTICE_NOT_EMPTY,
                "this practice already has devices or records; a chart that holds records "
                "can only be the first device of an empty practice (the code was not used)",
            )
        device_id = uuid.uuid4()
        conn.execute(
            insert(device).values(
                id=device_id,
                account_id=row.account_id,
                name=request.device_name,
                public_key=public_key,
                token_hash=token_hash(token),
                created_at=now,
            )
        )
        spent = conn.execute(
            update(enroll_code)
            .where(enroll_code.c.code_hash == code_hash, enroll_code.c.used_at.is_(None))
            .values(used_at=now, device_id=device_id)
        )
        if spent.rowcount != 1:  # pragma: no cover - serialisation makes this unreachable
            raise unauthorized(ErrorCode.CODE_USED, "this enrollment code was already used")
        return EnrollResponse(
            account_id=row.account_id, device_id=device_id, token=token, first_device=empty
        )

    return write_transaction(engine, tx)


def authenticate(engine: Engine, token: str) -> DeviceContext:
    """The device owning ``token``; 401 ApiError if unknown or revoked."""
    digest = token_hash(token)

    def tx(conn: Connection) -> DeviceContext:
        row = conn.execute(
            select(device.c.id, device.c.account_id, device.c.revoked_at).where(
                device.c.token_hash == digest
            )
        ).first()
        if row is None:
            raise unauthorized(ErrorCode.INVALID_TOKEN, "unknown bearer token")
        if row.revoked_at is not None:
            raise unauthorized(ErrorCode.DEVICE_REVOKED, "this device has been revoked")
        return DeviceContext(device_id=row.id, account_id=row.account_id)

    return read_transaction(engine, tx)


def _device_info(row: Row[Any], current: uuid.UUID | None) -> DeviceInfo:
    return DeviceInfo(
        device_id=row.id,
        name=row.name,
        public_key=b64(row.public_key) if row.public_key else None,
        created_at=ms_to_datetime(row.created_at),
        revoked_at=ms_to_datetime(row.revoked_at) if row.revoked_at is not None else None,
        current=row.id == current,
    )


def list_devices(
    engine: Engine, account_id: uuid.UUID, *, current: uuid.UUID | None = None
) -> list[DeviceInfo]:
    """Every device of the account, oldest first, revoked ones included."""

    def tx(conn: Connection) -> list[DeviceInfo]:
        rows = conn.execute(
            select(device)
            .where(device.c.account_id == account_id)
            .order_by(device.c.created_at, device.c.id)
        )
        return [_device_info(row, current) for row in rows]

    return read_transaction(engine, tx)


def revoke_device(
    engine: Engine,
    device_id: uuid.UUID,
    *,
    account_id: uuid.UUID | None = None,
    current: uuid.UUID | None = None,
) -> DeviceInfo:
    """Revoke a device (idempotent: a revoked device keeps its first revocation time).

    With ``account_id`` (API calls) the device must belong to that account, else 404;
    without it (the admin CLI) any device can be revoked.
    """

    def tx(conn: Connection) -> DeviceInfo:
        clause = device.c.id == device_id
        if account_id is not None:
            clause = clause & (device.c.account_id == account_id)
        row = conn.execute(select(device).where(clause)).first()
        if row is None:
            raise ApiError(404, ErrorCode.UNKNOWN_DEVICE, "no such device in this account")
        if row.revoked_at is None:
            conn.execute(update(device).where(device.c.id == device_id).values(revoked_at=now_ms()))
            row = conn.execute(select(device).where(device.c.id == device_id)).one()
        return _device_info(row, current)

    return write_transaction(engine, tx)
