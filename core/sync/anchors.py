"""The audit head, anchored off the device through the sync server.

Every chart seals the head of its audit chain under a key derived from the chart key
(``core.storage.seals``). Someone who holds that key — the chart's own user, or whoever has the
passphrase — can rewrite the log and re-seal it. Only a copy kept *elsewhere* catches that:
every backup's manifest carries one (``backup_files.anchors``), and sync carries another.

After a sync run that moved the chain (at most once per ``EVERY``), the device posts its sealed
head — (chart id, row number, row hash, MAC, time) encrypted under the practice key, associated
data naming the scheme, the device and the key id — to **its own key mailbox** on the server
(``POST /v1/keys`` with itself as the recipient). The mailbox is append-only (the server deletes
nothing there) and hands blobs only to their recipient, so the anchors pile up out of reach of
whoever rewrites the chart later: a forged new anchor does not remove the old ones.

``chartside check-integrity`` (and the desktop's check) fetches them and requires every anchor
that still describes this chart's timeline (the same restore-point rule as backups) to match a
row of the chain: a rewrite or a cut-back before the newest anchor is reported.

The server learns that a device posted something small to itself, and when; the content is
ciphertext. Written here: AEAD from libsodium (PyNaCl), as for the synced versions.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from core.storage.seals import AuditHead
from core.sync import crypto

SCHEME = "chartside-anchor-v1"
EVERY = dt.timedelta(hours=1)  # at most one anchor per device per hour (mailbox growth)
LAST = "sync.anchor_last"  # meta: "seq|ISO time" of the last anchor posted


@dataclass(frozen=True, slots=True)
class Anchor:
    chart_id: str
    head: AuditHead
    taken_at: dt.datetime


def _aad(device_id: uuid.UUID, key_id: str) -> bytes:
    return crypto.bound({"device": str(device_id), "key_id": key_id, "scheme": SCHEME})


def seal(key: bytes, key_id: str, device_id: uuid.UUID, anchor: Anchor) -> bytes:
    """nonce ‖ XChaCha20-Poly1305(practice key, anchor as JSON)."""
    doc = {
        "at": anchor.taken_at.isoformat(),
        "chart": anchor.chart_id,
        "hash": anchor.head.hash,
        "mac": anchor.head.mac,
        "seq": anchor.head.seq,
    }
    nonce = os.urandom(24)
    body = crypto_aead_xchacha20poly1305_ietf_encrypt(
        json.dumps(doc, sort_keys=True).encode(), _aad(device_id, key_id), nonce, key
    )
    return nonce + body


def open_anchor(key: bytes, key_id: str, device_id: uuid.UUID, blob: bytes) -> Anchor | None:
    """The anchor in ``blob``, or None when it does not open or is malformed."""
    if len(blob) < 24 + 16:
        return None
    try:
        doc = json.loads(
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                blob[24:], _aad(device_id, key_id), blob[:24], key
            )
        )
        return Anchor(
            str(doc["chart"]),
            AuditHead(int(doc["seq"]), str(doc["hash"]), str(doc["mac"])),
            dt.datetime.fromisoformat(str(doc["at"])),
        )
    except (CryptoError, ValueError, KeyError, TypeError):
        return None


def due(last: str | None, head: AuditHead | None, now: dt.datetime) -> bool:
    """Whether to post ``head`` now, given the meta value of the last anchor posted."""
    if head is None:
        return False
    if not last:
        return True
    try:
        seq_text, at_text = last.split("|", 1)
        seq, at = int(seq_text), dt.datetime.fromisoformat(at_text)
    except ValueError:
        return True
    return head.seq != seq and now - at >= EVERY


def last_value(head: AuditHead, at: dt.datetime) -> str:
    return f"{head.seq}|{at.isoformat()}"
