"""Photos and documents on an appeal: checked by what they are, stored where no URL reaches them.

A file is accepted when its first bytes say it is a JPEG, PNG, WebP or HEIC/HEIF image or a PDF,
whatever its name or the browser's Content-Type claim. It is stored under MEDIA_ROOT with a name
of our own (`Attachment.file`'s `upload_to`), and served only by the `appeals:attachment` view,
which checks who asks.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log

from .models import Appeal, Attachment

MAX_PER_APPEAL = 9
HEAD_BYTES = 32
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf"
"""For the file input's `accept` attribute: a hint to the phone's picker, not a check."""

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"}


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def sniff(head: bytes) -> FileKind | None:
    """What the first bytes of a file say it is, among the kinds we accept; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind("image/jpeg", ".jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind("image/png", ".png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind("image/webp", ".webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS:
            return FileKind("image/heic", ".heic")
        if brand in _HEIF_BRANDS:
            return FileKind("image/heif", ".heif")
    if head.startswith(b"%PDF-"):
        return FileKind("application/pdf", ".pdf")
    return None


def max_bytes() -> int:
    return settings.LIANXIN_ATTACHMENT_MAX_MB * 1024 * 1024


def attachment_check(upload) -> FileKind:
    """The kind of an uploaded file, or a ValidationError the worker can act on."""
    name = os.path.basename(getattr(upload, "name", "") or "")
    if upload.size > max_bytes():
        raise ValidationError(
            _("文件「%(name)s」超过 %(mb)d MB,请压缩后再上传。")
            % {"name": name, "mb": settings.LIANXIN_ATTACHMENT_MAX_MB},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件「%(name)s」是空的。") % {"name": name}, code="empty")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            _("文件「%(name)s」不是照片或 PDF(只接受 JPEG、PNG、WebP、HEIC 照片和 PDF)。") % {"name": name},
            code="bad_type",
        )
    return kind


def attachment_add(*, appeal: Appeal, upload, uploaded_by) -> Attachment:
    """Check and store one file on an appeal (at most `MAX_PER_APPEAL` per appeal), on the record.

    For an anonymous appeal nobody is recorded as the uploader, in the attachment or the audit log.
    """
    kind = attachment_check(upload)
    actor = None if appeal.is_anonymous else uploaded_by
    original = os.path.basename(upload.name or "") or f"file{kind.extension}"
    with transaction.atomic():
        Appeal.objects.select_for_update().filter(pk=appeal.pk).values_list("pk", flat=True).get()
        if Attachment.objects.filter(appeal_id=appeal.pk).count() >= MAX_PER_APPEAL:
            raise ValidationError(_("每件诉求最多 %(n)d 个附件。") % {"n": MAX_PER_APPEAL}, code="too_many")
        attachment = Attachment(
            appeal=appeal,
            token=secrets.token_hex(16),
            extension=kind.extension,
            original_name=original[:200],
            content_type=kind.content_type,
            size=upload.size,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        attachment.file.save(original, upload, save=False)
        try:
            attachment.save()
            audit_log(
                code="appeals.attachment.added",
                actor=actor,
                target=attachment,
                unit=appeal.handling_unit,
                appeal=appeal.number,
                content_type=kind.content_type,
                size=upload.size,
            )
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment
