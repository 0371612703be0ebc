"""Online booking (issue 19): the practice's published page and the patients' sealed requests.

Contracts:

* ``publish`` (a device of the account) replaces the account's booking page: the snapshot of
  free slots, services and intake questions, the booking public key and the private key sealed
  with the practice sync key (opaque here). The page's address (``slug``: 12 random base32
  characters) is made on the first publish and kept, so the link pasted into a Google Business
  Profile keeps working.
* ``availability`` (public) serves the snapshot without the slots that a live request holds:
  ``pending`` before its ``held_until``, or ``accepted``. A pending request past its hold time
  releases the slot by itself (nothing needs to run).
* ``submit`` (public) stores a request: the slot must be offered and free, the proof of work
  must reach ``pow_bits`` and is single use (its digest is unique), and an account holds at
  most ``max_pending`` live requests. The server stores the envelope as given; it cannot open
  it. Nothing about the sender (address, user agent) is stored.
* ``requests`` / ``decide`` (devices): list the account's requests (the envelope while
  pending) and record the practice's answer; an answered request loses its envelope.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update

from server.accounts import DeviceContext, ms_to_datetime
from server.db import now_ms, read_transaction, write_transaction
from server.errors import ApiError
from server.tables import booking_page, booking_request
from syncwire import ErrorCode, b64decode, b64encode
from syncwire.booking import (
    POW_PREFIX,
    BookingDecision,
    BookingEnvelope,
    BookingPage,
    BookingPagePost,
    BookingReceipt,
    BookingRequestItem,
    BookingRequestPost,
    BookingSlot,
    BookingSnapshot,
    PublicAvailability,
)

_SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_HOUR_MS = 3_600_000
_KEEP_ANSWERED_MS = 30 * 24 * _HOUR_MS


@dataclass(frozen=True)
class BookingLimits:
    pow_bits: int = 16
    max_pending: int = 200


def _closed() -> ApiError:
    return ApiError(404, ErrorCode.BOOKING_CLOSED, "no booking page at this address")


def pow_ok(digest: bytes, bits: int) -> bool:
    """True when ``digest`` starts with ``bits`` zero bits."""
    return int.from_bytes(digest, "big") >> (len(digest) * 8 - bits) == 0 if bits else True


def pow_digest(slug: str, slot_id: str, ct: str, nonce: str) -> bytes:
    ct_hash = hashlib.sha256(ct.encode()).hexdigest()
    return hashlib.sha256(f"{POW_PREFIX}:{slug}:{slot_id}:{ct_hash}:{nonce}".encode()).digest()


def _page(r: Row[Any]) -> BookingPage:
    return BookingPage(
        slug=r.slug,
        public_key=b64encode(r.public_key),
        sealed_secret=b64encode(r.sealed_secret),
        key_id=r.key_id,
        snapshot=BookingSnapshot.model_validate_json(r.snapshot),
        hold_hours=r.hold_hours,
        published_at=ms_to_datetime(r.published_at),
    )


def publish(engine: Engine, ctx: DeviceContext, post: BookingPagePost) -> BookingPage:
    values = {
        "public_key": b64decode(post.public_key),
        "sealed_secret": b64decode(post.sealed_secret),
        "key_id": post.key_id,
        "snapshot": post.snapshot.model_dump_json(),
        "hold_hours": post.hold_hours,
        "published_at": now_ms(),
    }

    def tx(conn: Connection) -> BookingPage:
        where = booking_page.c.account_id == ctx.account_id
        if conn.execute(select(booking_page.c.slug).where(where)).first() is None:
            slug = "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(12))
            conn.execute(insert(booking_page).values(account_id=ctx.account_id, slug=slug,
                                                     **values))
        else:
            conn.execute(update(booking_page).where(where).values(**values))
        # Answered requests are kept a month for the devices to see, then forgotten.
        conn.execute(delete(booking_request).where(
            booking_request.c.account_id == ctx.account_id,
            booking_request.c.status != "pending",
            booking_request.c.decided_at < now_ms() - _KEEP_ANSWERED_MS,
        ))
        return _page(conn.execute(select(booking_page).where(where)).one())

    return write_transaction(engine, tx)


def page_of(engine: Engine, ctx: DeviceContext) -> BookingPage:
    def tx(conn: Connection) -> BookingPage:
        row = conn.execute(
            select(booking_page).where(booking_page.c.account_id == ctx.account_id)).first()
        if row is None:
            raise _closed()
        return _page(row)

    return read_transaction(engine, tx)


def _held(conn: Connection, account_id: uuid.UUID, now: int) -> set[str]:
    r = booking_request.c
    rows = conn.execute(select(r.slot_id).where(
        r.account_id == account_id,
        (r.status == "accepted") | ((r.status == "pending") & (r.held_until > now)),
    ))
    return {row.slot_id for row in rows}


def _span(slot: BookingSlot) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(slot.start)
    return start, start + timedelta(minutes=slot.minutes)


def _free(snap: BookingSnapshot, held_ids: set[str]) -> list[BookingSlot]:
    """The snapshot's slots minus the held ones and those of the same resource overlapping
    them (an evaluation held at 9:00 takes the 9:30 treatment slot of that clinician too)."""
    held: dict[str, list[tuple[datetime, datetime]]] = {}
    for slot in snap.slots:
        if slot.id in held_ids:
            held.setdefault(slot.resource, []).append(_span(slot))
    if not held:
        return list(snap.slots)
    free = []
    for slot in snap.slots:
        a, b = _span(slot)
        if not any(a < y and x < b for x, y in held.get(slot.resource, ())):
            free.append(slot)
    return free


def availability(engine: Engine, slug: str, limits: BookingLimits) -> PublicAvailability:
    def tx(conn: Connection) -> PublicAvailability:
        row = conn.execute(select(booking_page).where(booking_page.c.slug == slug)).first()
        if row is None:
            raise _closed()
        snap = BookingSnapshot.model_validate_json(row.snapshot)
        held = _held(conn, row.account_id, now_ms())
        return PublicAvailability(
            practice_name=snap.practice_name,
            services=snap.services,
            slots=_free(snap, held),
            public_key=b64encode(row.public_key),
            pow_bits=limits.pow_bits,
        )

    return read_transaction(engine, tx)


def submit(engine: Engine, slug: str, post: BookingRequestPost,
           limits: BookingLimits) -> BookingReceipt:
    digest = pow_digest(slug, post.slot_id, post.envelope.ct, post.pow_nonce)
    if not pow_ok(digest, limits.pow_bits):
        raise ApiError(422, ErrorCode.PROOF_OF_WORK,
                       f"the proof of work must start with {limits.pow_bits} zero bits")

    def tx(conn: Connection) -> BookingReceipt:
        row = conn.execute(select(booking_page).where(booking_page.c.slug == slug)).first()
        if row is None:
            raise _closed()
        snap = BookingSnapshot.model_validate_json(row.snapshot)
        now = now_ms()
        slot = next((s for s in _free(snap, _held(conn, row.account_id, now))
                     if s.id == post.slot_id), None)
        if slot is None:
            raise ApiError(409, ErrorCode.SLOT_TAKEN,
                           "this time is no longer free; please pick another")
        r = booking_request.c
        live = conn.execute(select(func.count()).select_from(booking_request).where(
            r.account_id == row.account_id, r.status == "pending", r.held_until > now)
        ).scalar_one()
        if live >= limits.max_pending:
            raise ApiError(429, ErrorCode.RATE_LIMITED,
                           "this practice has too many open requests; please call them",
                           headers={"Retry-After": "3600"})
        if conn.execute(select(r.id).where(r.pow_digest == digest)).first() is not None:
            raise ApiError(409, ErrorCode.PROOF_OF_WORK, "this request was already received")
        request_id = uuid.uuid4()
        held_until = now + row.hold_hours * _HOUR_MS
        conn.execute(insert(booking_request).values(
            id=request_id, account_id=row.account_id, slot_id=slot.id, service=slot.service,
            start=slot.start, minutes=slot.minutes,
            envelope=post.envelope.model_dump_json(), pow_digest=digest, status="pending",
            created_at=now, held_until=held_until,
        ))
        return BookingReceipt(request_id=request_id, held_until=ms_to_datetime(held_until))

    return write_transaction(engine, tx)


def _item(r: Row[Any], now: int) -> BookingRequestItem:
    status = r.status
    if status == "pending" and r.held_until <= now:
        status = "expired"
    envelope = r.envelope
    return BookingRequestItem(
        request_id=r.id,
        slot_id=r.slot_id,
        service=r.service,
        start=r.start,
        minutes=r.minutes,
        status=status,
        envelope=BookingEnvelope.model_validate_json(envelope) if envelope else None,
        created_at=ms_to_datetime(r.created_at),
        held_until=ms_to_datetime(r.held_until),
    )


def requests(engine: Engine, ctx: DeviceContext) -> list[BookingRequestItem]:
    """The account's requests, oldest first: pending and expired ones with their envelope."""

    def tx(conn: Connection) -> list[BookingRequestItem]:
        now = now_ms()
        rows = conn.execute(select(booking_request)
                            .where(booking_request.c.account_id == ctx.account_id)
                            .order_by(booking_request.c.created_at, booking_request.c.id))
        return [_item(row, now) for row in rows]

    return read_transaction(engine, tx)


def decide(engine: Engine, ctx: DeviceContext, request_id: uuid.UUID,
           decision: BookingDecision) -> BookingRequestItem:
    """Record the practice's answer (idempotent for the same answer); the envelope is dropped.
    A request already answered the other way → 409 ``request_decided``."""

    def tx(conn: Connection) -> BookingRequestItem:
        r = booking_request.c
        where = (r.id == request_id) & (r.account_id == ctx.account_id)
        row = conn.execute(select(booking_request).where(where)).first()
        if row is None:
            raise ApiError(404, ErrorCode.NOT_FOUND, "no such booking request in this account")
        if row.status != "pending" and row.status != decision.decision:
            raise ApiError(409, ErrorCode.REQUEST_DECIDED,
                           f"this request was already {row.status}")
        if row.status == "pending":
            conn.execute(update(booking_request).where(where).values(
                status=decision.decision, envelope=None, decided_at=now_ms()))
            row = conn.execute(select(booking_request).where(where)).one()
        return _item(row, now_ms())

    return write_transaction(engine, tx)

