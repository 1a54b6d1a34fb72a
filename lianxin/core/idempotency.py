"""Idempotent writes: a request sent again with the same `Idempotency-Key` gets the first result back.

How it works (`idempotent`): inside one transaction the key is claimed first, by inserting an
`IdempotencyRecord` (user, scope, key) under its unique constraint in a savepoint; then the write
runs, and the record is pointed at what it made ("app_label.model:pk"). A concurrent retry with the
same key blocks on that insert until the first transaction ends: if it committed, the insert fails,
the savepoint rolls back and the retry answers with the first result; if it rolled back, the retry
runs the write itself. A failed write keeps no record, so a corrected request may reuse the key.

The same key with a different body is refused (`IdempotencyKeyReused`, HTTP 422 as the IETF
`Idempotency-Key` header draft says), so a client bug cannot silently answer the wrong thing.

`sealed=True` keeps the target out of sight in the table: the primary key is stored masked with a
keyed HMAC of (user, scope, key) and tagged, so the table alone does not tie a user to the record
(for an anonymous appeal raised by a logged-in worker, the record must not name the appeal).

Fingerprints hash the request body; `fingerprint_of` hashes bytes as they are, or any JSON-able
value in a canonical form (sorted keys, no spaces) so equal payloads give equal fingerprints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import IdempotencyRecord

T = TypeVar("T")

MAX_KEY_LENGTH = 100
_SALT = "lianxin.core.idempotency"


class IdempotencyError(Exception):
    """The request cannot be answered from its key; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IdempotencyKeyReused(IdempotencyError):
    """The key was used before with a different body (HTTP 422)."""


class IdempotencyResultLost(IdempotencyError):
    """The key is taken but its first result cannot be found any more (HTTP 409)."""


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `idempotent` answers.

    `result` is what `perform` returned on the first request and None on a replay; `target` is the
    model instance the key points at either way; `status_code` is the first answer's status.
    """

    target: models.Model
    status_code: int
    replayed: bool
    result: T | None = None


def fingerprint_of(body: Any) -> str:
    """SHA-256 of a request body: bytes as sent, or a JSON-able value in canonical form."""
    if isinstance(body, str):
        body = body.encode()
    if not isinstance(body, bytes | bytearray):
        body = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        body = body.encode()
    return hashlib.sha256(body).hexdigest()


def _mask(user_pk: int, scope: str, key: str) -> int:
    digest = salted_hmac(_SALT + ".mask", f"{user_pk}|{scope}|{key}", algorithm="sha256").digest()
    return int.from_bytes(digest[:8], "big")


def _tag(user_pk: int, scope: str, key: str, pk: int) -> str:
    return salted_hmac(_SALT + ".tag", f"{user_pk}|{scope}|{key}|{pk}", algorithm="sha256").hexdigest()[:12]


def target_of(
    instance: models.Model, *, record: IdempotencyRecord | None = None, sealed: bool = False
) -> str:
    """ "app_label.model:pk", or with `sealed` "app_label.model:~<masked pk>.<tag>" bound to the record."""
    label = instance._meta.label_lower
    if not sealed:
        return f"{label}:{instance.pk}"
    masked = int(instance.pk) ^ _mask(record.user_id, record.scope, record.key)
    return f"{label}:~{masked:016x}.{_tag(record.user_id, record.scope, record.key, int(instance.pk))}"


def target_get(record: IdempotencyRecord) -> models.Model:
    """The instance a record points at; `IdempotencyResultLost` when it is gone or cannot be unsealed."""
    lost = IdempotencyResultLost(
        _("这个 Idempotency-Key 已使用过,但无法找回第一次请求的结果,请换一个新的 Key 重试。")
    )
    label, _sep, ref = record.target.partition(":")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise lost from None
    if ref.startswith("~"):
        masked, _dot, tag = ref[1:].partition(".")
        try:
            pk = int(masked, 16) ^ _mask(record.user_id, record.scope, record.key)
        except ValueError:
            raise lost from None
        if not constant_time_compare(tag, _tag(record.user_id, record.scope, record.key, pk)):
            raise lost  # another secret key, or a tampered row: never guess another record
    else:
        pk = ref
    try:
        return model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise lost from None


def idempotent(
    *,
    user,
    scope: str,
    key: str | None,
    fingerprint: str,
    perform: Callable[[], T],
    target: Callable[[T], models.Model],
    status_code: int = 201,
    sealed: Callable[[T], bool] | bool = False,
) -> Outcome[T]:
    """Run `perform` once per (user, scope, key); a retry answers with the first result.

    `target(result)` names the model instance the request made (an appeal, a payment); `sealed`
    (a flag, or a function of the result) hides that instance's key in the table. Without a key,
    `perform` simply runs. Raises `IdempotencyKeyReused` for the same key with another body.
    """
    if not key:
        result = perform()
        return Outcome(target=target(result), status_code=status_code, replayed=False, result=result)
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError("idempotency key too long")
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, scope=scope, key=key, fingerprint=fingerprint, status_code=status_code
                )
        except IntegrityError:
            record = None
        if record is not None:
            result = perform()
            instance = target(result)
            is_sealed = sealed(result) if callable(sealed) else sealed
            record.target = target_of(instance, record=record, sealed=is_sealed)
            record.save(update_fields=["target"])
            return Outcome(target=instance, status_code=status_code, replayed=False, result=result)
    return _replay(user=user, scope=scope, key=key, fingerprint=fingerprint)


def _replay(*, user, scope: str, key: str, fingerprint: str) -> Outcome:
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is None or not record.target:  # the first request's transaction is not visible yet
        raise IdempotencyResultLost(_("同一个 Idempotency-Key 的请求正在处理,请稍后再试。"))
    if not constant_time_compare(record.fingerprint, fingerprint):
        raise IdempotencyKeyReused(
            _("这个 Idempotency-Key 已用于内容不同的另一个请求;重试请发送相同的内容,新请求请换一个 Key。")
        )
    return Outcome(target=target_get(record), status_code=record.status_code, replayed=True)


def idempotency_purge(*, scope: str, older_than: dt.timedelta) -> int:
    """Forget the keys of `scope` older than `older_than` (a retry after that runs again)."""
    deleted, _rows = IdempotencyRecord.objects.filter(
        scope=scope, created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
