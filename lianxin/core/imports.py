"""What every Excel import shares: closing a checked batch, and the user's "import nothing"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit_log
from .models import ImportBatch

MAX_ERRORS_KEPT = 5000


class OnError(TextChoices):
    REJECT_FILE = "reject_file", gettext_lazy("有错误行时全部不导入")
    SKIP_BAD_ROWS = "skip_bad_rows", gettext_lazy("只导入无误的行")


@transaction.atomic
def import_batch_create(
    *,
    kind: str,
    audit_code: str,
    content: bytes,
    filename: str,
    scope_unit,
    checked_by,
    total_rows: int,
    bad_rows: int,
    errors: list,
) -> ImportBatch:
    """Keep a checked sheet and its report until the uploader chooses; nothing else is written yet."""
    batch = ImportBatch.objects.create(
        kind=kind,
        filename=filename[:200],
        content=content,
        scope_unit=scope_unit,
        total_rows=total_rows,
        good_rows=total_rows - bad_rows,
        errors=errors[:MAX_ERRORS_KEPT],
        created_by=checked_by,
    )
    audit_log(
        code=audit_code,
        actor=checked_by,
        target=batch,
        unit=scope_unit,
        rows=total_rows,
        bad_rows=bad_rows,
    )
    return batch


def import_batch_finish(batch: ImportBatch, status: str, imported: int = 0) -> None:
    batch.status = status
    batch.imported_rows = imported
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "imported_rows", "finished_at"])


@transaction.atomic
def import_batch_discard(*, batch: ImportBatch, discarded_by, audit_code: str) -> ImportBatch:
    """The uploader chose "import nothing": the batch closes, nothing is written."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != discarded_by.pk or batch.status != ImportBatch.Status.CHECKED:
        raise PermissionDenied(_("只能放弃自己上传且尚未处理的导入。"))
    import_batch_finish(batch, ImportBatch.Status.DISCARDED)
    audit_log(code=audit_code, actor=discarded_by, target=batch, unit=batch.scope_unit)
    return batch
