"""Wire protocol v1 of Chartside sync: the JSON body of every request and response.

The one definition both sides import (issue 17): the sync client (``core.sync``) and the
server (``server``) use this package; neither keeps a copy. It imports pydantic and the
standard library only (an import contract keeps it so), and touches no database or HTTP.

Contracts a client can rely on (docs/server.md explains each one):

* Every id on the wire is a UUID (the client makes UUIDv7s offline). Free text never travels
  in metadata: ``entity``, ``kind`` and ``key_id`` are short lowercase tokens, so a patient name
  cannot leak into a plaintext column by accident.
* ``ciphertext``, ``nonce``, ``public_key`` and ``wrapped_key`` are standard base64 (RFC 4648
  §4, with padding). The server stores the decoded bytes and never sees plaintext.
* ``seq`` is the per-account server cursor: gapless, strictly increasing, in commit order.
  Pull with ``after`` = the highest ``seq`` applied; ``next_after`` is the value to store next.
* A push answers with one ``ChangeResult`` per change, in request order. Statuses in
  ``RETRYABLE_STATUSES`` may succeed later *in a new batch*; the others are final.
* Every error body is ``ErrorBody`` ``{"error": code, "message": text}``.
"""

# No ``from __future__ import annotations`` here: pydantic then resolves every type at class
# creation, so the module works however it is loaded or copied.
import base64
import binascii
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

MAX_BODY_BYTES = 5 * 1024 * 1024
"""Largest request body the server reads (bytes on the wire, before JSON parsing)."""
MAX_CHANGES_PER_BATCH = 1000
"""More changes than this in one push → 413 ``too_many_changes``; split the batch."""
MAX_CIPHERTEXT_BYTES = 1024 * 1024
"""Largest decoded ciphertext of one change."""
MAX_PARENTS = 16
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 1000
MAX_PULL_BYTES = 4 * 1024 * 1024
"""A pull page also stops before its ciphertexts pass this many bytes (always at least one
change), so a page of large changes stays a few MiB however high ``limit`` is."""
MAX_WRAPPED_KEY_BYTES = 4096

KIND_SIGN = "sign"
KIND_ADDENDUM = "addendum"
KNOWN_KINDS = ("create", "edit", "merge", "delete", KIND_SIGN, KIND_ADDENDUM)
"""Kinds the client uses today. The server treats every kind as opaque except ``sign`` and
``addendum`` (the signed-record rule); any other token matching the pattern is accepted."""


class ChangeStatus(StrEnum):
    """Per-change outcome of a push."""

    ACCEPTED = "accepted"
    """Stored now; ``seq`` is its new cursor position."""
    DUPLICATE = "duplicate"
    """Already stored (same ``change_id``, same content); ``seq`` is where it was stored."""
    NOTE_SIGNED = "note_signed"
    """The record already has a ``sign`` version; only ``addendum`` changes are accepted."""
    UNKNOWN_PARENT = "unknown_parent"
    """A parent version is not stored for this record. Push the parents first, then resend
    this change in a new batch (retryable)."""
    VERSION_CONFLICT = "version_conflict"
    """``version_id`` is already stored under a different ``change_id``."""
    CHANGE_CONFLICT = "change_conflict"
    """``change_id`` is already stored with different content (a client bug)."""


RETRYABLE_STATUSES = frozenset({ChangeStatus.UNKNOWN_PARENT})
STORED_STATUSES = frozenset({ChangeStatus.ACCEPTED, ChangeStatus.DUPLICATE})


class ErrorCode(StrEnum):
    """Values of ``ErrorBody.error``, with the HTTP status each comes with."""

    UNAUTHORIZED = "unauthorized"  # 401: no bearer token
    INVALID_TOKEN = "invalid_token"  # 401: token unknown
    DEVICE_REVOKED = "device_revoked"  # 401: token of a revoked device
    DEVICE_MISMATCH = "device_mismatch"  # 403: body device_id is not the token's device
    NOT_FOUND = "not_found"  # 404: no such route or object (in this account)
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    INVALID_REQUEST = "invalid_request"  # 422: body or query does not match the schema
    BODY_TOO_LARGE = "body_too_large"  # 413: body over MAX_BODY_BYTES
    TOO_MANY_CHANGES = "too_many_changes"  # 413: batch over MAX_CHANGES_PER_BATCH
    RATE_LIMITED = "rate_limited"  # 429: with a Retry-After header (seconds)
    INVALID_CODE = "invalid_code"  # 401: enrollment code unknown
    CODE_EXPIRED = "code_expired"  # 401: enrollment code past its expiry
    CODE_USED = "code_used"  # 401: enrollment code already used
    BATCH_CONFLICT = "batch_conflict"  # 409: batch_id reused with a different body
    RESYNC_REQUIRED = "resync_required"  # 409: cursor not of this log (epoch, at, or past end)
    UNKNOWN_DEVICE = "unknown_device"  # 404: device id not in this account
    PRACTICE_NOT_EMPTY = "practice_not_empty"  # 409: a chart with records joins a used practice
    SERVICE_BUSY = "service_busy"  # 503: database contention outlasted the retries
    BOOKING_CLOSED = "booking_closed"  # 404: no booking page published under that address
    SLOT_TAKEN = "slot_taken"  # 409: the slot is held by another request or no longer offered
    PROOF_OF_WORK = "proof_of_work"  # 422: the request's proof of work is missing or too weak
    UPGRADE_REQUIRED = "upgrade_required"  # 409: the page holds a schema the caller cannot read
    REQUEST_DECIDED = "request_decided"  # 409: a booking request was already answered otherwise
    INTERNAL_ERROR = "internal_error"  # 500


#: Request header: the highest payload/AAD schema the calling app reads (``Change.
#: schema_version``). Absent: 2, what every app before opaque wire ids (schema 3) read. A pull
#: whose page holds a change of a higher schema is refused (409 ``upgrade_required``) rather
#: than handed to an app that would file it wrongly.
SCHEMA_HEADER = "Chartside-Schema"
DEFAULT_READABLE_SCHEMA = 2


def _check_base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not standard base64 (RFC 4648 §4, padded)") from exc
    return value


def _decoded_size(value: str) -> int:
    return len(value) * 3 // 4 - value.count("=", len(value) - 2)


def _limit(max_bytes: int) -> AfterValidator:
    def check(value: str) -> str:
        if _decoded_size(value) > max_bytes:
            raise ValueError(f"decodes to more than {max_bytes} bytes")
        return value

    return AfterValidator(check)


Base64 = Annotated[str, AfterValidator(_check_base64)]
Token = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{0,31}$")]
KeyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]


def b64encode(data: bytes) -> str:
    """Encode bytes the way the protocol expects (standard alphabet, padded)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode a protocol base64 field (strict)."""
    return base64.b64decode(text, validate=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(_Model):
    error: str = Field(description="Stable machine-readable code, see ErrorCode.")
    message: str = Field(description="Human-readable explanation; never contains PHI.")
    details: list[dict[str, object]] | None = Field(
        default=None, description="Validation details for invalid_request."
    )


class Change(_Model):
    """One immutable version of one record, encrypted by the client."""

    change_id: UUID = Field(description="Idempotency key of this change (UUIDv7).")
    record_id: UUID = Field(description="Opaque id of the record (note, patient, ...).")
    entity: Token = Field(description="Opaque short record type, e.g. 'note'.")
    version_id: UUID = Field(description="Id of this version in the record's version graph.")
    parent_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_PARENTS,
        description="Versions of the same record this one derives from; [] for the first.",
    )
    kind: Token = Field(description="'create', 'edit', 'merge', 'delete', 'sign', 'addendum'.")
    ciphertext: Annotated[Base64, _limit(MAX_CIPHERTEXT_BYTES)] = Field(
        description="AEAD ciphertext of the version, base64."
    )
    nonce: Annotated[Base64, _limit(64)] = Field(description="AEAD nonce, base64.")
    key_id: KeyId = Field(description="Which practice key encrypted this change.")
    schema_version: int = Field(
        default=1, ge=1, le=65535, description="Payload/AAD format version, for the client."
    )


class PushRequest(_Model):
    device_id: UUID = Field(description="Must be the device the bearer token belongs to.")
    batch_id: UUID = Field(description="Idempotency key of this request (UUIDv7).")
    changes: list[Change] = Field(min_length=1, description="In causal order: parents first.")


class ChangeResult(_Model):
    change_id: UUID
    status: ChangeStatus
    seq: int | None = Field(default=None, description="Set for accepted and duplicate.")
    detail: str | None = Field(default=None, description="Why a change was not stored.")


class PushResponse(_Model):
    batch_id: UUID
    results: list[ChangeResult] = Field(description="One per change, in request order.")


class PulledChange(Change):
    seq: int = Field(ge=1)
    device_id: UUID = Field(description="Device that pushed the change.")
    received_at: datetime = Field(description="Server time of the push (UTC).")


class PullResponse(_Model):
    changes: list[PulledChange] = Field(description="Ordered by seq, all with seq > after.")
    next_after: int = Field(description="Store this as the cursor once changes are applied.")
    has_more: bool = Field(description="True when more changes wait beyond next_after.")
    last_seq: int = Field(description="Highest seq in the account's log at read time.")
    epoch: UUID | None = Field(
        default=None,
        description="Identity of the account's log; new on every restore or migration. "
        "Send it back with the next pull (with the change id at the cursor).",
    )


class EnrollRequest(_Model):
    code: str = Field(min_length=4, max_length=64, description="One-time code from an admin.")
    device_name: str = Field(min_length=1, max_length=100, description="Shown in device lists.")
    public_key: Annotated[Base64, _limit(1024)] | None = Field(
        default=None, description="Device's X25519 public key, base64, for key sharing."
    )
    holds_records: bool = Field(
        default=False,
        description="The chart already holds records: it may only be the first device of an "
        "empty practice (else 409 practice_not_empty, and the code stays unused).",
    )
    known_account_id: UUID | None = Field(
        default=None, description="The account this chart was enrolled in before, if any."
    )


class EnrollResponse(_Model):
    account_id: UUID
    device_id: UUID
    token: str = Field(description="Bearer token; shown once, the server keeps only a hash.")
    token_type: Literal["bearer"] = "bearer"
    first_device: bool = Field(
        default=False,
        description="Elected, in the enrollment's transaction, to create the practice key: "
        "no other active device and an empty log. At most one device is ever elected.",
    )


class DeviceInfo(_Model):
    device_id: UUID
    name: str
    public_key: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None
    current: bool = Field(default=False, description="True for the device asking.")


class DeviceList(_Model):
    devices: list[DeviceInfo]


class WrappedKeyPost(_Model):
    recipient_device_id: UUID = Field(description="An active device of the same account.")
    key_id: KeyId = Field(description="Id of the practice key inside the blob.")
    scheme: Token = Field(description="Wrapping scheme, e.g. 'x25519-box-v1'; opaque here.")
    wrapped_key: Annotated[Base64, _limit(MAX_WRAPPED_KEY_BYTES)] = Field(
        description="Ciphertext of the practice key for the recipient, base64."
    )
    sender_public_key: Annotated[Base64, _limit(1024)] | None = None


class WrappedKey(_Model):
    key_blob_id: UUID
    sender_device_id: UUID
    recipient_device_id: UUID
    key_id: str
    scheme: str
    wrapped_key: str
    sender_public_key: str | None = None
    created_at: datetime


class KeyList(_Model):
    keys: list[WrappedKey]


class Health(_Model):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL_VERSION
