"""Wire models of online booking (issue 19): what a practice publishes, what a patient's browser
sends, and what a device pulls back. Pydantic and the standard library only, like the rest of
``syncwire``.

What travels in the clear (the server stores and serves it): the practice's display name, its
services with their intake questions (the practice's own wording, no patient data), the free
slots (start, length, service, an opaque slot id), the practice's booking public key and a
key blob sealed with the practice sync key. What never does: anything the patient types. The
browser encrypts the request (name, contact, answers) to the booking public key; the server
keeps the ciphertext, the slot it holds and timestamps (docs/booking.md).
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from syncwire import _check_base64, _decoded_size

MAX_SERVICES = 40
MAX_QUESTIONS = 20
MAX_SLOTS = 4000
MAX_ENVELOPE_BYTES = 16 * 1024
"""Largest decoded ciphertext of one booking request (name, contact, answers: ~1–3 KiB)."""
MAX_BOOKING_BODY_BYTES = 32 * 1024
"""Largest body the public request endpoint reads."""
POW_PREFIX = "chartside-booking-pow-v1"
"""``SHA-256(f"{POW_PREFIX}:{slug}:{slot_id}:{hex SHA-256 of ct}:{nonce}")`` must start with
``pow_bits`` zero bits: under a second for one patient, a real cost for a bot holding every
slot."""
HKDF_INFO = b"chartside-booking-v1"
"""HKDF info of the request key (ECDH P-256 → HKDF-SHA-256 → AES-256-GCM; salt = the browser's
ephemeral public key, additional data = ``f"{slug}:{slot_id}"``)."""

Token = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
LocalMinute = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")]


def _b64(max_bytes: int) -> AfterValidator:
    def check(value: str) -> str:
        _check_base64(value)
        if _decoded_size(value) > max_bytes:
            raise ValueError(f"decodes to more than {max_bytes} bytes")
        return value

    return AfterValidator(check)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntakeQuestion(_Model):
    id: Token
    label: str = Field(min_length=1, max_length=200)
    kind: Literal["text", "yesno", "choice", "date"] = "text"
    required: bool = False
    choices: list[Annotated[str, Field(max_length=80)]] = Field(default=[], max_length=20)


class BookingService(_Model):
    key: Token
    label: str = Field(min_length=1, max_length=80)
    minutes: int = Field(ge=5, le=480)
    questions: list[IntakeQuestion] = Field(default=[], max_length=MAX_QUESTIONS)


class BookingSlot(_Model):
    id: Token
    service: Token
    start: LocalMinute = Field(description="The practice's local wall-clock time.")
    minutes: int = Field(ge=5, le=480)
    resource: Token = Field(description="Opaque token of the clinician: slots of one resource "
                                        "that overlap a held one are not offered.")


class BookingSnapshot(_Model):
    practice_name: str = Field(min_length=1, max_length=120)
    services: list[BookingService] = Field(max_length=MAX_SERVICES)
    slots: list[BookingSlot] = Field(max_length=MAX_SLOTS)


class BookingPagePost(_Model):
    public_key: Annotated[str, _b64(200)] = Field(description="P-256 point, uncompressed (65 B).")
    sealed_secret: Annotated[str, _b64(4096)] = Field(
        description="The booking private key sealed with the practice sync key (opaque)."
    )
    key_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    snapshot: BookingSnapshot
    hold_hours: int = Field(default=48, ge=1, le=14 * 24)


class BookingPage(BookingPagePost):
    slug: str
    published_at: datetime


class PublicAvailability(_Model):
    practice_name: str
    services: list[BookingService]
    slots: list[BookingSlot] = Field(description="Free slots: those held are left out.")
    public_key: str
    pow_bits: int


class BookingEnvelope(_Model):
    v: Literal[1] = 1
    epk: Annotated[str, _b64(200)]
    iv: Annotated[str, _b64(12)]
    ct: Annotated[str, _b64(MAX_ENVELOPE_BYTES)]


class BookingRequestPost(_Model):
    slot_id: Token
    envelope: BookingEnvelope
    pow_nonce: str = Field(pattern=r"^[0-9]{1,16}$")


class BookingReceipt(_Model):
    request_id: UUID
    held_until: datetime


BookingStatus = Literal["pending", "accepted", "declined", "expired"]


class BookingRequestItem(_Model):
    request_id: UUID
    slot_id: str
    service: str
    start: str
    minutes: int
    status: BookingStatus
    envelope: BookingEnvelope | None = Field(
        description="Dropped by the server once the request is answered."
    )
    created_at: datetime
    held_until: datetime


class BookingRequestList(_Model):
    requests: list[BookingRequestItem]


class BookingDecision(_Model):
    decision: Literal["accepted", "declined"]
