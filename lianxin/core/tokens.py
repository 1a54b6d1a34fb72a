"""API tokens: created on login, stored as SHA-256, checked on every API call."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .audit import audit_log
from .models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user) -> str:
    """A new token for `user`; the clear key is returned once and never stored."""
    key = "lx_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=_hash(key), prefix=key[:8])
    audit_log(code="core.api_token.created", actor=user, target=token)
    return key


def api_token_user(key: str):
    """The active user a token belongs to, or None."""
    if not key or len(key) > 200:
        return None
    try:  # key_hash is unique: `get` compiles lighter than `first`, which sorts (every API call)
        token = ApiToken.objects.select_related("user").get(
            key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
