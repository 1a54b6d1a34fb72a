"""Field encryption for personal data (PIPL): Fernet with keys from the environment.

`encrypt` uses the first key; `decrypt` tries them all, so keys can be rotated. `digest` is a keyed
HMAC for exact look-up and uniqueness without storing the clear value.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _fernet(_keys()).decrypt(token.encode()).decode()


def digest(value: str) -> str:
    if not value:
        return ""
    key = hashlib.sha256(("lianxin-digest:" + _keys()[0]).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
