"""Online booking on the device side (issue 19): the booking key pair, opening what a patient's
browser sealed, opaque slot ids, and the booking endpoints of the sync server.

Crypto (the browser's side is ``server/static/booking/booking.js``; docs/booking.md):

* The practice's booking key is an ECDH P-256 pair (``cryptography``). The public point is
  published raw (65 bytes, uncompressed) so WebCrypto imports it as it is. The private key
  (PKCS#8) lives in the encrypted chart's meta and travels to the server only sealed with the
  practice sync key (XSalsa20-Poly1305, PyNaCl), so any device of the practice can open it.
* A request: the browser makes an ephemeral P-256 pair, ECDH with the practice key → 32 bytes,
  HKDF-SHA-256 (salt = the ephemeral public point, info = ``HKDF_INFO``) → an AES-256-GCM key;
  the additional data is ``f"{slug}:{slot_id}"``, so the server cannot move a request to
  another slot or page without the open failing.
* A slot id is ``s`` + 15 hex digits of HMAC-SHA-256(booking secret, clinician|start|service):
  the server learns no clinician; the device finds the clinician again by recomputing it.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

import nacl.exceptions
import nacl.secret
import nacl.utils
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import syncwire as wire
from core.sync.api import SyncApi
from core.sync.errors import ProtocolError, SyncError
from syncwire.booking import (
    HKDF_INFO,
    BookingDecision,
    BookingEnvelope,
    BookingPage,
    BookingPagePost,
    BookingRequestItem,
    BookingRequestList,
)


class BookingKeyError(SyncError):
    """The booking key cannot be opened (another practice's, or damaged)."""


def new_keypair() -> tuple[bytes, bytes]:
    """(private key as PKCS#8 DER, public point raw uncompressed)."""
    private = ec.generate_private_key(ec.SECP256R1())
    return _pkcs8(private), public_of(private)


def _pkcs8(private: ec.EllipticCurvePrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())


def _private(secret: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(secret, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise BookingKeyError("The stored booking key is not a P-256 key.")
    return key


def public_of(private: ec.EllipticCurvePrivateKey | bytes) -> bytes:
    key = _private(private) if isinstance(private, bytes) else private
    return key.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint)


def seal_secret(sync_key: bytes, secret: bytes) -> bytes:
    box = nacl.secret.SecretBox(sync_key)
    return bytes(box.encrypt(secret, nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)))


def open_secret(sync_key: bytes, sealed: bytes) -> bytes:
    try:
        return bytes(nacl.secret.SecretBox(sync_key).decrypt(sealed))
    except nacl.exceptions.CryptoError as exc:
        raise BookingKeyError(
            "The booking key on the server cannot be opened with this practice's sync key.",
            hint="Publish the booking page again from a device of this practice.") from exc


def slot_id(secret: bytes, clinician_id: uuid.UUID, start: str, service: str) -> str:
    mac = hmac.new(hashlib.sha256(b"slot:" + secret).digest(),
                   f"{clinician_id}|{start}|{service}".encode(), hashlib.sha256)
    return "s" + mac.hexdigest()[:15]


def resource_id(secret: bytes, clinician_id: uuid.UUID) -> str:
    """The clinician's opaque token on the page (the same on every publish)."""
    mac = hmac.new(hashlib.sha256(b"resource:" + secret).digest(), str(clinician_id).encode(),
                   hashlib.sha256)
    return "r" + mac.hexdigest()[:11]


def seal_request(public: bytes, plaintext: bytes, aad: str) -> BookingEnvelope:
    """What the browser does (tests and benchmarks use it to make requests without a browser)."""
    practice = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    mine = ec.generate_private_key(ec.SECP256R1())
    epk = public_of(mine)
    key = _derive(mine.exchange(ec.ECDH(), practice), epk)
    iv = nacl.utils.random(12)
    ct = AESGCM(key).encrypt(iv, plaintext, aad.encode())
    return BookingEnvelope(epk=wire.b64encode(epk), iv=wire.b64encode(iv), ct=wire.b64encode(ct))


def _derive(shared: bytes, epk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk, info=HKDF_INFO).derive(shared)


def open_request(secret: bytes, envelope: BookingEnvelope, aad: str) -> bytes:
    """The plaintext a browser sealed to this practice; ``BookingKeyError`` if it does not open
    (sealed to another key, altered, or moved to another slot)."""
    try:
        epk = wire.b64decode(envelope.epk)
        theirs = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), epk)
        key = _derive(_private(secret).exchange(ec.ECDH(), theirs), epk)
        return AESGCM(key).decrypt(wire.b64decode(envelope.iv), wire.b64decode(envelope.ct),
                                   aad.encode())
    except (InvalidTag, ValueError) as exc:
        raise BookingKeyError(
            "A booking request could not be opened (not sealed to this practice's key, or "
            "altered on the way).") from exc


class BookingApi(SyncApi):
    """The booking endpoints for an enrolled device (bearer token)."""

    def __enter__(self) -> BookingApi:
        return self

    def publish(self, post: BookingPagePost) -> BookingPage:
        response = self._send("PUT", "/v1/booking/page", content=post.model_dump_json())
        page: BookingPage = self._parse(BookingPage, response)
        return page

    def page(self) -> BookingPage | None:
        try:
            response = self._send("GET", "/v1/booking/page")
        except ProtocolError as exc:
            if "404" in str(exc):
                return None
            raise
        page: BookingPage = self._parse(BookingPage, response)
        return page

    def requests(self) -> list[BookingRequestItem]:
        listed: BookingRequestList = self._parse(
            BookingRequestList, self._send("GET", "/v1/booking/requests"))
        return list(listed.requests)

    def decide(self, request_id: uuid.UUID, decision: str) -> BookingRequestItem:
        body = BookingDecision(decision=decision)  # type: ignore[arg-type]
        item: BookingRequestItem = self._parse(BookingRequestItem, self._send(
            "POST", f"/v1/booking/requests/{request_id}/decision",
            content=body.model_dump_json()))
        return item
