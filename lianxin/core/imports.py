"""What every Excel import shares: closing a checked batch, and the user's "import nothing"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_log
from .models import ImportBatch


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
