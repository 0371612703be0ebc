"""Key-sharing mailbox: opaque wrapped-key blobs addressed from one device to another.

The server stores what it is given and hands each blob only to its recipient device. It can
read none of it: a blob is the practice sync key encrypted to the recipient's X25519 public
key by a device that already holds the key (docs/server.md, "Key sharing", describes how the
pairing code that authenticates that public key stays off the server). Contracts:

* ``post_wrapped_key``: the recipient must be an active device of the sender's account,
  else 404 ``unknown_device`` (another account's device looks exactly like a missing one).
* ``list_wrapped_keys``: blobs addressed to the caller, oldest first. Nothing is deleted on
  read, so a device that crashes mid-pairing can fetch again.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, Engine, insert, select

from server.accounts import DeviceContext, ms_to_datetime
from server.db import now_ms, read_transaction, write_transaction
from server.errors import ApiError
from server.tables import device, wrapped_key
from syncwire import ErrorCode, WrappedKey, WrappedKeyPost, b64decode, b64encode


def post_wrapped_key(engine: Engine, ctx: DeviceContext, post: WrappedKeyPost) -> WrappedKey:
    blob = b64decode(post.wrapped_key)
    sender_key = b64decode(post.sender_public_key) if post.sender_public_key else None

    def tx(conn: Connection) -> WrappedKey:
        recipient = conn.execute(
            select(device.c.id).where(
                device.c.id == post.recipient_device_id,
                device.c.account_id == ctx.account_id,
                device.c.revoked_at.is_(None),
            )
        ).first()
        if recipient is None:
            raise ApiError(404, ErrorCode.UNKNOWN_DEVICE, "no such active device in this account")
        blob_id = uuid.uuid4()
        created = now_ms()
        conn.execute(
            insert(wrapped_key).values(
                id=blob_id,
                account_id=ctx.account_id,
                sender_device_id=ctx.device_id,
                recipient_device_id=post.recipient_device_id,
                key_id=post.key_id,
                scheme=post.scheme,
                blob=blob,
                sender_public_key=sender_key,
                created_at=created,
            )
        )
        return WrappedKey(
            key_blob_id=blob_id,
            sender_device_id=ctx.device_id,
            recipient_device_id=post.recipient_device_id,
            key_id=post.key_id,
            scheme=post.scheme,
            wrapped_key=post.wrapped_key,
            sender_public_key=post.sender_public_key,
            created_at=ms_to_datetime(created),
        )

    return write_transaction(engine, tx)


def list_wrapped_keys(engine: Engine, ctx: DeviceContext) -> list[WrappedKey]:
    def tx(conn: Connection) -> list[WrappedKey]:
        rows = conn.execute(
            select(wrapped_key)
            .where(
                wrapped_key.c.account_id == ctx.account_id,
                wrapped_key.c.recipient_device_id == ctx.device_id,
            )
            .order_by(wrapped_key.c.created_at, wrapped_key.c.id)
        )
        return [
            WrappedKey(
                key_blob_id=row.id,
                sender_device_id=row.sender_device_id,
                recipient_device_id=row.recipient_device_id,
                key_id=row.key_id,
                scheme=row.scheme,
                wrapped_key=b64encode(row.blob),
                sender_public_key=(
                    b64encode(row.sender_public_key) if row.sender_public_key else None
                ),
                created_at=ms_to_datetime(row.created_at),
            )
            for row in rows
        ]

    return read_transaction(engine, tx)
