"""Key envelope: the random data key that opens the SQLCipher database, wrapped twice.

Layout (a small JSON "key file" beside the chart, ``<chart>.keys``):

* a random 256-bit **data key** (DEK) is the SQLCipher raw key; it never changes;
* it is wrapped with XChaCha20-Poly1305 (PyNaCl) under a **passphrase key** derived by
  Argon2id (argon2-cffi, parameters stored beside the salt), and separately under a key derived
  from the **recovery key** (160 random bits shown once, typed as 8 groups of 4 Crockford
  base32 characters); BLAKE2b suffices there because the recovery key is full-entropy;
* the associated data binds each wrap to the chart id, its purpose and the KDF parameters, so a
  wrap cannot be replayed into another chart or have its cost parameters lowered;
* optionally, one more passphrase wrap **per user** (``users``: a clinician id → label, role,
  Argon2id settings, wrapped DEK; the AAD also binds the user id, label and role), so each
  clinician unlocks with a passphrase of their own and the audit log names them. The main
  ``passphrase`` wrap is the chart owner's. Labels (a clinician's name) sit in this plaintext
  file so the unlock screen can offer them: clinician names, never patient data.

A passphrase is checked only by whether the AEAD opens, never against a stored hash. Changing
the passphrase rewraps the DEK and rewrites the key file atomically; the database is untouched.
Python cannot promise to wipe memory, so key material is held in ``bytearray``s that ``wipe``
zeroes on lock; copies made inside libraries are beyond our reach (documented in docs/security.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from core.domain.errors import ChartCorrupt, WeakPassphrase, WrongPassphrase

FORMAT = "chartside-keys"
VERSION = 1
DEK_BYTES = 32
RECOVERY_BITS = 160
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_IN = {c: i for i, c in enumerate(_CROCKFORD)} | {"O": 0, "I": 1, "L": 1}
MIN_PASSPHRASE = 10
MAX_USERS = 50
ROLES = ("owner", "clinician")


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost (RFC 9106 style, memory-hard). Default: ~0.3–0.45 s here (bench_storage)."""

    time_cost: int = 3
    memory_kib: int = 192 * 1024
    parallelism: int = 2

    @classmethod
    def fast_for_tests(cls) -> KdfParams:
        """Cheap parameters for tests that create many charts; never used by the app."""
        return cls(time_cost=1, memory_kib=8 * 1024, parallelism=1)

    def as_dict(self) -> dict[str, int]:
        return {"t": self.time_cost, "m_kib": self.memory_kib, "p": self.parallelism}


#: zxcvbn's score (0-4) a passphrase needs: 0-1 are refused (guessed within ~10^6 tries, e.g.
#: "password12"), 2 is accepted with advice, 3-4 are good.
MIN_SCORE = 2
_OWN_WORDS = ("chartside", "chart", "clinic", "therapy", "patient", "passphrase")
_SCORE_WORDS = {2: "Fair", 3: "Good", 4: "Strong"}


@dataclass(frozen=True, slots=True)
class Strength:
    """zxcvbn's estimate of a passphrase: ``score`` 0-4, its ``warning`` and ``advice``."""

    score: int
    warning: str
    advice: str


def estimate_strength(passphrase: str) -> Strength:
    """zxcvbn (Dropbox's estimator: dictionaries, keyboard patterns, dates, repeats, l33t) over
    the first 100 characters (past that it only slows down; longer is strong anyway)."""
    from zxcvbn import zxcvbn

    result = zxcvbn(passphrase[:100], user_inputs=list(_OWN_WORDS))
    feedback = result.get("feedback") or {}
    return Strength(
        int(result["score"]),
        str(feedback.get("warning") or ""),
        " ".join(str(s) for s in feedback.get("suggestions") or ()),
    )


def check_passphrase_strength(passphrase: str) -> None:
    """Refuse passphrases a stolen laptop would give up quickly: shorter than
    ``MIN_PASSPHRASE`` or rated below ``MIN_SCORE`` by zxcvbn."""
    text = passphrase.strip()
    if len(text) < MIN_PASSPHRASE:
        raise WeakPassphrase(
            f"Use at least {MIN_PASSPHRASE} characters.",
            hint="A few unrelated words make a strong, memorable passphrase.",
        )
    strength = estimate_strength(text)
    if strength.score < MIN_SCORE:
        reason = strength.warning or "That passphrase is easy to guess."
        raise WeakPassphrase(
            f"Too easy to guess. {reason}".strip(),
            hint="Use three or four unrelated words, e.g. tidal-lantern-orchard-47.",
        )


def strength_hint(passphrase: str) -> str:
    """A one-line hint for the create-chart form, from the same estimate that refuses weak
    passphrases (not a security guarantee)."""
    n = len(passphrase.strip())
    if n < MIN_PASSPHRASE:
        return f"Too short: {MIN_PASSPHRASE - n} more characters needed."
    strength = estimate_strength(passphrase.strip())
    if strength.score < MIN_SCORE:
        return f"Too easy to guess. {strength.warning or 'Add unrelated words.'}".strip()
    if strength.score == MIN_SCORE:
        return "Fair, but guessable: add another unrelated word."
    return f"{_SCORE_WORDS[strength.score]}."


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _normalize_passphrase(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive_passphrase_key(passphrase: str, salt: bytes, params: KdfParams) -> bytearray:
    raw = hash_secret_raw(
        secret=_normalize_passphrase(passphrase),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    return bytearray(raw)


# --- recovery keys --------------------------------------------------------------------------


def new_recovery_key() -> str:
    """160 random bits as ``XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`` (Crockford base32)."""
    value = secrets.randbits(RECOVERY_BITS)
    chars = []
    for _ in range(RECOVERY_BITS // 5):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    text = "".join(reversed(chars))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """Accept the key as printed, in any case, with or without dashes; O/I/L read as 0/1/1."""
    cleaned = "".join(ch for ch in text.upper() if ch not in "- \t\n")
    if len(cleaned) != RECOVERY_BITS // 5 or any(c not in _CROCKFORD_IN for c in cleaned):
        raise WrongPassphrase(
            "That is not a recovery key.", hint="It has 32 characters in 8 groups of 4."
        )
    value = 0
    for ch in cleaned:
        value = (value << 5) | _CROCKFORD_IN[ch]
    return value.to_bytes(RECOVERY_BITS // 8, "big")


def _recovery_kek(recovery: bytes, salt: bytes) -> bytearray:
    return bytearray(
        hashlib.blake2b(
            recovery, digest_size=32, salt=salt[:16], person=b"chartside-rk-v1"
        ).digest()
    )


# --- the envelope ---------------------------------------------------------------------------


def _aad(chart_id: str, purpose: str, extra: dict[str, Any]) -> bytes:
    return json.dumps(
        {"chart_id": chart_id, "purpose": purpose, "v": VERSION, **extra},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def _seal(key: bytearray, plaintext: bytes | bytearray, aad: bytes) -> dict[str, str]:
    nonce = os.urandom(24)
    ct = crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(plaintext), aad, nonce, bytes(key))
    return {"nonce": _b64(nonce), "ct": _b64(ct)}


def _open(key: bytearray, box: dict[str, str], aad: bytes) -> bytearray:
    try:
        pt = crypto_aead_xchacha20poly1305_ietf_decrypt(
            _unb64(box["ct"]), aad, _unb64(box["nonce"]), bytes(key)
        )
    except CryptoError as exc:
        raise WrongPassphrase(
            "That passphrase does not open this chart.", hint="Nothing was changed."
        ) from exc
    return bytearray(pt)


def wipe(buf: bytearray | None) -> None:
    """Overwrite a key buffer in place."""
    if buf is not None:
        for i in range(len(buf)):
            buf[i] = 0


@dataclass(frozen=True, slots=True)
class UserEntry:
    """A user who unlocks with their own passphrase: clinician id, display label, role."""

    user_id: str
    label: str
    role: str


@dataclass
class KeyFile:
    """The parsed key file. ``data`` is the JSON object as stored."""

    data: dict[str, Any]

    @property
    def chart_id(self) -> str:
        return str(self.data["chart_id"])

    @property
    def kdf(self) -> KdfParams:
        k = self.data["passphrase"]["kdf"]
        return KdfParams(time_cost=int(k["t"]), memory_kib=int(k["m_kib"]), parallelism=int(k["p"]))

    # -- creation -----------------------------------------------------------------------
    @classmethod
    def create(
        cls, chart_id: str, passphrase: str, params: KdfParams | None = None
    ) -> tuple[KeyFile, bytearray, str]:
        """A new envelope around a fresh DEK. Returns (key file, DEK, recovery key to show once)."""
        check_passphrase_strength(passphrase)
        params = params or KdfParams()
        dek = bytearray(os.urandom(DEK_BYTES))
        recovery = new_recovery_key()
        kf = cls({"format": FORMAT, "version": VERSION, "chart_id": chart_id})
        kf._wrap_passphrase(dek, passphrase, params)
        rsalt = os.urandom(16)
        rkek = _recovery_kek(parse_recovery_key(recovery), rsalt)
        kf.data["recovery"] = {
            "salt": _b64(rsalt),
            **_seal(rkek, dek, _aad(chart_id, "recovery", {})),
        }
        wipe(rkek)
        return kf, dek, recovery

    def _wrap_passphrase(self, dek: bytearray, passphrase: str, params: KdfParams) -> None:
        salt = os.urandom(16)
        kek = derive_passphrase_key(passphrase, salt, params)
        kdf = {"alg": "argon2id", **params.as_dict(), "salt": _b64(salt)}
        box = _seal(kek, dek, _aad(self.chart_id, "passphrase", {"kdf": kdf}))
        wipe(kek)
        self.data["passphrase"] = {"kdf": kdf, **box}

    # -- unlock -------------------------------------------------------------------------
    def unlock_with_passphrase(self, passphrase: str) -> bytearray:
        if _schema_problem(self.data):
            raise ChartCorrupt("The key file is damaged.")
        kdf = self.data["passphrase"]["kdf"]
        kek = derive_passphrase_key(passphrase, _unb64(kdf["salt"]), self.kdf)
        try:
            return _open(
                kek, self.data["passphrase"], _aad(self.chart_id, "passphrase", {"kdf": kdf})
            )
        finally:
            wipe(kek)

    def unlock_with_recovery_key(self, recovery_key: str) -> bytearray:
        rec = self.data["recovery"]
        kek = _recovery_kek(parse_recovery_key(recovery_key), _unb64(rec["salt"]))
        try:
            return _open(kek, rec, _aad(self.chart_id, "recovery", {}))
        except WrongPassphrase as exc:
            raise WrongPassphrase("That recovery key does not open this chart.") from exc
        finally:
            wipe(kek)

    # -- users (one passphrase wrap per clinician) ----------------------------------------
    def users(self) -> list[UserEntry]:
        """Who can unlock with a passphrase of their own, in the order they were added."""
        return [
            UserEntry(uid, str(entry["label"]), str(entry["role"]))
            for uid, entry in (self.data.get("users") or {}).items()
        ]

    def add_user(
        self,
        dek: bytearray,
        user_id: str,
        label: str,
        passphrase: str,
        *,
        role: str = "clinician",
        params: KdfParams | None = None,
    ) -> None:
        """Wrap the DEK for ``user_id`` under their own passphrase (replacing an earlier wrap)."""
        check_passphrase_strength(passphrase)
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        label = " ".join(label.split())[:80]
        users = dict(self.data.get("users") or {})
        if user_id not in users and len(users) >= MAX_USERS:
            raise WeakPassphrase(f"A chart holds at most {MAX_USERS} users.")
        params = params or self.kdf
        salt = os.urandom(16)
        kek = derive_passphrase_key(passphrase, salt, params)
        kdf = {"alg": "argon2id", **params.as_dict(), "salt": _b64(salt)}
        box = _seal(kek, dek, self._user_aad(user_id, label, role, kdf))
        wipe(kek)
        users[user_id] = {"label": label, "role": role, "kdf": kdf, **box}
        self.data["users"] = users

    def remove_user(self, user_id: str) -> None:
        users = dict(self.data.get("users") or {})
        users.pop(user_id, None)
        self.data["users"] = users

    def unlock_as(self, user_id: str, passphrase: str) -> tuple[bytearray, str]:
        """(DEK, role) for ``user_id``'s passphrase; ``WrongPassphrase`` when it does not open."""
        if _schema_problem(self.data):
            raise ChartCorrupt("The key file is damaged.")
        entry = (self.data.get("users") or {}).get(user_id)
        if entry is None:
            raise WrongPassphrase(
                "That user cannot unlock this chart.",
                hint="The chart's owner adds users (chartside users add).",
            )
        kdf = entry["kdf"]
        params = KdfParams(time_cost=int(kdf["t"]), memory_kib=int(kdf["m_kib"]),
                           parallelism=int(kdf["p"]))
        kek = derive_passphrase_key(passphrase, _unb64(kdf["salt"]), params)
        try:
            aad = self._user_aad(user_id, entry["label"], entry["role"], kdf)
            return _open(kek, entry, aad), str(entry["role"])
        finally:
            wipe(kek)

    def _user_aad(self, user_id: str, label: str, role: str, kdf: dict[str, Any]) -> bytes:
        return _aad(self.chart_id, "user", {"kdf": kdf, "user": user_id, "label": label,
                                            "role": role})

    def rewrap(self, dek: bytearray, new_passphrase: str, params: KdfParams | None = None) -> None:
        """Wrap the same DEK under a new passphrase (the recovery wrap is kept)."""
        check_passphrase_strength(new_passphrase)
        self._wrap_passphrase(dek, new_passphrase, params or self.kdf)

    # -- files --------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise ChartCorrupt(f"The key file {path.name} is unreadable.") from exc
        return cls.parse(raw, path.name)

    @classmethod
    def parse(cls, raw: bytes, name: str = "the key file") -> KeyFile:
        """Schema-check an envelope (every field, its type and size, KDF costs within bounds)."""
        if len(raw) > MAX_KEYFILE_BYTES:
            raise ChartCorrupt(f"{name} is too large to be a Chartside key file.")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ChartCorrupt(
                f"The key file {name} is unreadable (truncated or damaged).",
                hint="Copy the .keys file back from a backup; every backup holds one.",
            ) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ChartCorrupt(f"{name} is not a Chartside key file.")
        if data.get("version") != VERSION:
            raise ChartCorrupt(f"{name} has key-file version {str(data.get('version'))[:20]!r}.")
        for part in ("passphrase", "recovery"):
            if part not in data:
                raise ChartCorrupt(f"The key file {name} is incomplete ({part} missing).")
        problem = _schema_problem(data)
        if problem:
            raise ChartCorrupt(
                f"The key file {name} is damaged ({problem}).",
                hint="Copy the .keys file back from a backup; every backup holds one.",
            )
        return cls(data)

    def dumps(self) -> bytes:
        return json.dumps(self.data, indent=2, sort_keys=True).encode()

    def save(
        self,
        path: Path,
        *,
        dek: bytearray | None = None,
        passphrase: str | None = None,
        user: str | None = None,
    ) -> None:
        """Replace ``path`` only with an envelope proven whole on disk.

        The new envelope goes to a private temp file (every byte written, short writes
        continued), is fsynced, read back and compared, schema-checked and — given ``dek`` and
        ``passphrase`` — test-opened (``user``'s own wrap when given); the envelope it replaces
        is kept as ``NAME.prev``; then an atomic rename and a folder fsync. Any failure leaves
        the current envelope untouched.
        """
        from core.storage import files  # files imports errors only; keep keys importable alone

        payload = self.dumps()
        tmp = files.temp_beside(path)
        try:
            fd = files.create_private(tmp)
            try:
                files.write_all(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            if tmp.read_bytes() != payload:
                raise ChartCorrupt("The new key file did not read back whole; nothing was changed.")
            check = KeyFile.parse(tmp.read_bytes(), path.name)
            if dek is not None and passphrase is not None:
                opened = (check.unlock_as(user, passphrase)[0] if user is not None
                          else check.unlock_with_passphrase(passphrase))
                try:
                    if bytes(opened) != bytes(dek):
                        raise ChartCorrupt("The new key file does not open the chart.")
                finally:
                    wipe(opened)
            if path.exists():
                files.copy_atomic(path, path.with_name(path.name + ".prev"), what="the key file")
            os.replace(tmp, path)
            files.fsync_dir(path.parent)
        except OSError as exc:
            raise files.disk_error(exc, "the key file") from exc
        finally:
            tmp.unlink(missing_ok=True)


# Bounds for what a key file may ask of the unlock: the defaults sit well inside, a crafted or
# damaged file cannot make an unlock hang (t=100000) or exhaust memory (m=64 GiB).
KDF_BOUNDS = {"t": (1, 20), "m_kib": (8 * 1024, 2 * 1024 * 1024), "p": (1, 16)}
MAX_KEYFILE_BYTES = 64 * 1024


def _b64_len(value: object, expected: int) -> bool:
    if not isinstance(value, str) or len(value) > 4 * expected:
        return False
    try:
        return len(_unb64(value)) == expected
    except ValueError:
        return False


def _schema_problem(data: dict[str, Any]) -> str:
    """The first thing wrong with an envelope's shape, or ``""``."""
    if not isinstance(data.get("chart_id"), str) or not 0 < len(data["chart_id"]) <= 64:
        return "chart id"
    pw, rec = data["passphrase"], data["recovery"]
    if not isinstance(pw, dict) or not isinstance(rec, dict):
        return "wrap"
    kdf = pw.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        return "key-derivation settings"
    for name, (low, high) in KDF_BOUNDS.items():
        value = kdf.get(name)
        if type(value) is not int or not low <= value <= high:
            return f"key-derivation cost {name} outside {low}–{high}"
    if not _b64_len(kdf.get("salt"), 16) or not _b64_len(rec.get("salt"), 16):
        return "salt"
    for box in (pw, rec):
        if not _b64_len(box.get("nonce"), 24) or not _b64_len(box.get("ct"), DEK_BYTES + 16):
            return "wrapped key"
    return _users_problem(data.get("users", {}))


def _users_problem(users: object) -> str:
    if not isinstance(users, dict) or len(users) > MAX_USERS:
        return "users"
    for uid, entry in users.items():
        if not isinstance(uid, str) or not 0 < len(uid) <= 64 or not isinstance(entry, dict):
            return "users"
        label = entry.get("label")
        if not isinstance(label, str) or len(label) > 80 or entry.get("role") not in ROLES:
            return "user label or role"
        kdf = entry.get("kdf")
        if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
            return "user key-derivation settings"
        for name, (low, high) in KDF_BOUNDS.items():
            value = kdf.get(name)
            if type(value) is not int or not low <= value <= high:
                return f"user key-derivation cost {name} outside {low}–{high}"
        if not _b64_len(kdf.get("salt"), 16):
            return "user salt"
        if not _b64_len(entry.get("nonce"), 24) or not _b64_len(entry.get("ct"), DEK_BYTES + 16):
            return "user wrapped key"
    return ""
