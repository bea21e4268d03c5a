"""Field encryption (AES-256-GCM) and keyed lookup hashes (HMAC-SHA256) for personal data.

Ciphertext is ``v1:`` + urlsafe-base64(nonce | ciphertext+tag). The keyed hash of a
normalized value lets the database find a record by its full ID number or phone without
ever holding the plaintext. Keys come from settings (the environment), see config/env.py.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

PREFIX = "v1:"


def _decode_key(value: str) -> bytes:
    raw = base64.urlsafe_b64decode(value.encode() + b"=" * (-len(value) % 4))
    if len(raw) != 32:
        raise ValueError("Shequ data and hash keys must be 32 bytes, urlsafe-base64 encoded")
    return raw


@lru_cache(maxsize=4)
def _aead(key: str) -> AESGCM:
    return AESGCM(_decode_key(key))


@lru_cache(maxsize=4)
def _hash_key(key: str) -> bytes:
    return _decode_key(key)


def encrypt(plaintext: str | None) -> str | None:
    if plaintext is None or plaintext == "":
        return plaintext
    nonce = os.urandom(12)
    sealed = _aead(settings.SHEQU_DATA_KEY).encrypt(nonce, plaintext.encode(), None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


#: The cipher of the current data key, kept because lists decrypt thousands of values (reading
#: the setting each time cost as much as the decryption); dropped when the setting changes.
_data_cipher: AESGCM | None = None


@receiver(setting_changed)
def _key_changed(*, setting: str, **_kwargs) -> None:
    global _data_cipher
    if setting == "SHEQU_DATA_KEY":
        _data_cipher = None


def decrypt(token: str | None) -> str | None:
    global _data_cipher
    if not token:
        return token
    if not token.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    blob = base64.urlsafe_b64decode(token[len(PREFIX):])
    if _data_cipher is None:
        _data_cipher = _aead(settings.SHEQU_DATA_KEY)
    return _data_cipher.decrypt(blob[:12], blob[12:], None).decode()


def blind_index(kind: str, normalized: str | None) -> str:
    """Return the keyed hash used to find a record by an exact value ('' for no value)."""
    if not normalized:
        return ""
    mac = hmac.new(_hash_key(settings.SHEQU_HASH_KEY), f"{kind}:{normalized}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


class Cipher:
    """Pre-bound encrypt/hash for hot loops (bulk import), same output as the functions above."""

    def __init__(self) -> None:
        self._aead = _aead(settings.SHEQU_DATA_KEY)
        self._hkey = _hash_key(settings.SHEQU_HASH_KEY)

    def encrypt(self, plaintext: str) -> str:
        if not plaintext:
            return plaintext
        nonce = os.urandom(12)
        return PREFIX + base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plaintext.encode(), None)).decode()

    def blind_index(self, kind: str, normalized: str) -> str:
        if not normalized:
            return ""
        return hmac.new(self._hkey, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()[:32]
