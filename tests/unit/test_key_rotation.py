"""The key-rotation blob (core.sync.rotation): only a holder of the previous practice key can
make one a device accepts, and only for that device."""

from __future__ import annotations

import os
import uuid

import pytest

from core.sync import pairing, rotation
from core.sync.errors import PairingFailed


def _parties() -> tuple[uuid.UUID, bytes, bytes, uuid.UUID, bytes, bytes]:
    a_secret, a_public = pairing.new_box_keypair()
    b_secret, b_public = pairing.new_box_keypair()
    return uuid.uuid4(), a_secret, a_public, uuid.uuid4(), b_secret, b_public


def test_the_recipient_opens_a_rotation_made_with_the_previous_key() -> None:
    a, a_secret, a_public, b, b_secret, b_public = _parties()
    old, new = os.urandom(32), os.urandom(32)
    blob = rotation.wrap_rotated_key(
        previous_key_id="pk-old", previous_key=old, sender=a, sender_secret=a_secret,
        recipient=b, recipient_pub=b_public, key_id="pk-new", key=new,
    )
    opened = rotation.unwrap_rotated_key(
        blob=blob, keys={"pk-old": old}, sender=a, sender_pub=a_public,
        recipient=b, recipient_secret=b_secret, key_id="pk-new",
    )
    assert opened == new


@pytest.mark.parametrize("attack", ["wrong_previous", "other_recipient", "relabelled", "flipped",
                                    "unknown_previous", "truncated"])
def test_forged_or_misdirected_rotations_are_refused(attack: str) -> None:
    a, a_secret, a_public, b, b_secret, b_public = _parties()
    _c_secret, c_public = pairing.new_box_keypair()
    old, new = os.urandom(32), os.urandom(32)
    made_with = os.urandom(32) if attack == "wrong_previous" else old  # e.g. the server
    recipient_pub = c_public if attack == "other_recipient" else b_public
    blob = rotation.wrap_rotated_key(
        previous_key_id="pk-old", previous_key=made_with, sender=a, sender_secret=a_secret,
        recipient=b, recipient_pub=recipient_pub, key_id="pk-new", key=new,
    )
    key_id = "pk-other" if attack == "relabelled" else "pk-new"
    keys = {"pk-elsewhere": old} if attack == "unknown_previous" else {"pk-old": old}
    if attack == "flipped":
        blob = blob[:-1] + bytes([blob[-1] ^ 1])
    if attack == "truncated":
        blob = blob[:10]
    with pytest.raises(PairingFailed):
        rotation.unwrap_rotated_key(
            blob=blob, keys=keys, sender=a, sender_pub=a_public,
            recipient=b, recipient_secret=b_secret, key_id=key_id,
        )


def test_a_pairing_blob_carries_the_older_keys() -> None:
    a, a_secret, a_public, b, b_secret, b_public = _parties()
    code = pairing.new_pairing_code()
    blob = pairing.wrap_key(
        code=code, sender=a, sender_secret=a_secret, recipient=b, recipient_pub=b_public,
        key_id="pk-2", key=b"k" * 32, older={"pk-1": b"o" * 32},
    )
    key, older, _wire = pairing.unwrap_key(
        code=code, blob=blob, sender=a, sender_pub=a_public, recipient=b,
        recipient_secret=b_secret, key_id="pk-2",
    )
    assert key == b"k" * 32 and older == {"pk-1": b"o" * 32}
