"""The event log and the personal-data access log.

Call these inside the transaction of the change they record, so both commit or neither does.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AccessLog, AuditEvent


def target_of(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def audit_log(
    *, code: str, actor, target: models.Model | None = None, unit=None, **detail: Any
) -> AuditEvent:
    return AuditEvent.objects.create(
        code=code,
        actor=actor if getattr(actor, "pk", None) else None,
        target=target_of(target) if target is not None else "",
        unit=unit,
        detail=detail,
    )


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_log(
    *, user, action: str, subject: str, fields: list[str], record_count: int = 1, request=None, **detail: Any
) -> AccessLog:
    return AccessLog.objects.create(
        user=user,
        action=action,
        subject=subject,
        fields=fields,
        record_count=record_count,
        ip=client_ip(request),
        detail=detail,
    )
