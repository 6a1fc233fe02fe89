"""Field encryption and blind index for ID and phone numbers (R1; PIPL art. 28, 51: sensitive personal
information).

- Encryption: AES-256-GCM (authenticated) with a random 96-bit nonce per value; the stored text is
  ``v1:`` + base64(nonce ‖ ciphertext ‖ tag). The key lives outside the database.
- Blind index: HMAC-SHA256 under a second, independent key, truncated to 128 bits (32 hex characters:
  no collision expected below ~10^19 values, and a short key keeps the unique index small); equal
  plaintexts give equal indexes, so an exact lookup needs no decryption and the index reveals nothing
  without the key.

Keys come from XIAOKANG_ENCRYPTION_KEY / XIAOKANG_BLIND_INDEX_KEY (or ``*_FILE``), base64 of 32 bytes.
Without them (development only) a key pair is generated once under ``var/keys/`` with a warning;
production settings refuse to start without them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sys
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PREFIX = "v1:"
BLIND_INDEX_CHARS = 32


def _decode_key(name: str, text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} must be 32 bytes (base64 of 32 random bytes), got {len(raw)}")
    return raw


def _development_key(name: str) -> bytes:
    if getattr(settings, "XIAOKANG_REQUIRE_KEYS", False):
        raise ImproperlyConfigured(f"{name} is not configured")
    key_file = Path(settings.DATA_DIR) / "keys" / f"{name.lower()}.b64"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        text = base64.b64encode(secrets.token_bytes(32)).decode()
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        print(
            f"WARNING: {name} is not set; generated a development key in {key_file}. "
            "Do not use it in production; back it up: without it the data it protects cannot be read "
            "or verified.",
            file=sys.stderr,
        )
    return _decode_key(str(key_file), key_file.read_text())


def configured_key(name: str, value: str | None) -> bytes:
    """The 32-byte key of setting ``name`` (base64 ``value``), or, when it is not set, the development
    key generated once under ``var/keys/`` (refused where XIAOKANG_REQUIRE_KEYS). Used for the audit
    chain's HMAC key (xiaokang.audit.services) the same way as for the two keys here."""
    return _decode_key(name, value) if value else _development_key(name)


@lru_cache(maxsize=4)
def _keys(encryption_key: str | None, blind_index_key: str | None) -> tuple[AESGCM, bytes]:
    enc = (
        _decode_key("XIAOKANG_ENCRYPTION_KEY", encryption_key)
        if encryption_key
        else _development_key("XIAOKANG_ENCRYPTION_KEY")
    )
    idx = (
        _decode_key("XIAOKANG_BLIND_INDEX_KEY", blind_index_key)
        if blind_index_key
        else _development_key("XIAOKANG_BLIND_INDEX_KEY")
    )
    return AESGCM(enc), idx


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.XIAOKANG_ENCRYPTION_KEY, settings.XIAOKANG_BLIND_INDEX_KEY)


def encrypt(plaintext: str) -> str:
    return encrypt_many([plaintext])[0]


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    aead, _ = _current()
    raw = base64.b64decode(token[len(_PREFIX) :])
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def blind_index(plaintext: str) -> str:
    return blind_index_many([plaintext])[0]


def encrypt_many(values: list[str | None]) -> list[str | None]:
    """Batch form for import paths: one key lookup, no per-value function overhead beyond AES itself."""
    aead, _ = _current()
    out: list[str | None] = []
    token_bytes, b64, enc = secrets.token_bytes, base64.b64encode, aead.encrypt
    for value in values:
        if value is None or value == "":
            out.append(None)
            continue
        nonce = token_bytes(12)
        out.append(_PREFIX + b64(nonce + enc(nonce, value.encode(), None)).decode())
    return out


def blind_index_many(values: list[str]) -> list[str]:
    _, key = _current()
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for value in values:
        h = base.copy()
        h.update(value.encode())
        out.append(h.hexdigest()[:BLIND_INDEX_CHARS])
    return out


def mask_id_number(id_number: str) -> str:
    """``110108********002X``: the address code and the last four, never the birth date."""
    return id_number[:6] + "*" * 8 + id_number[-4:] if len(id_number) == 18 else "*" * len(id_number)


def mask_phone(phone: str) -> str:
    """A mobile number keeps its first three and last four digits (``138****5678``); a shorter number
    keeps at most its last four, and a very short one only its last two, so a mask never reveals most
    of a number."""
    head, tail = phone_mask_parts(len(phone))
    return phone[:head] + "*" * (len(phone) - head - tail) + phone[len(phone) - tail :]


def phone_mask_parts(length: int) -> tuple[int, int]:
    """(digits kept at the start, digits kept at the end) for a phone number of ``length`` digits."""
    if length >= 11:
        return 3, 4
    if length >= 8:
        return 0, 4
    return 0, min(2, length // 3)
