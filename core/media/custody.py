"""Recording custody: encrypt a recording with its own random key, decrypt it in memory.

Contract: ``seal_recording(audio, associated_data)`` returns a ``SealedRecording`` — a blob
(``b"CSR1"`` + 24-byte nonce + XChaCha20-Poly1305 ciphertext and tag) and a fresh 32-byte key
that the caller wraps with the chart's key and stores; nothing here touches the disk or SQL.
``open_recording(blob, key, associated_data)`` returns the plaintext bytes in memory, ready
for ``scribe.transcribe`` (which decodes bytes without temporary files), or raises
``RecordingTampered`` for a wrong key, a different ``associated_data`` (bind it to the
recording's id so blobs cannot be swapped between records) or any altered byte.

We call libsodium's AEAD through PyNaCl (already a dependency) rather than a higher-level
wrapper: SecretBox is XSalsa20-Poly1305 without associated data, and we want the id binding.
"""

from __future__ import annotations

from dataclasses import dataclass

from nacl import bindings
from nacl.exceptions import CryptoError
from nacl.utils import random

from core.media.errors import RecordingTampered

MAGIC = b"CSR1"
KEY_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


@dataclass(frozen=True, slots=True)
class SealedRecording:
    blob: bytes
    key: bytes  # per-recording; never stored unwrapped

    def __repr__(self) -> str:  # keep keys out of logs and tracebacks
        return f"SealedRecording(blob=<{len(self.blob)} bytes>, key=<hidden>)"


def seal_recording(audio: bytes, associated_data: bytes = b"") -> SealedRecording:
    """Encrypt ``audio`` under a new random key (see module contract)."""
    key = random(KEY_BYTES)
    nonce = random(NONCE_BYTES)
    ciphertext = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        bytes(audio), MAGIC + associated_data, nonce, key)
    return SealedRecording(MAGIC + nonce + ciphertext, key)


def open_recording(blob: bytes, key: bytes, associated_data: bytes = b"") -> bytes:
    """Decrypt a blob from ``seal_recording``; ``RecordingTampered`` if it does not verify."""
    if len(key) != KEY_BYTES or not blob.startswith(MAGIC) or len(blob) < 4 + NONCE_BYTES + 16:
        raise RecordingTampered("This recording cannot be opened: it is damaged or not a "
                                "Chartside recording.")
    nonce = blob[4 : 4 + NONCE_BYTES]
    try:
        return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[4 + NONCE_BYTES :], MAGIC + associated_data, nonce, key)
    except CryptoError as error:
        raise RecordingTampered("This recording does not match its key: it was altered or "
                                "belongs to another record.") from error
