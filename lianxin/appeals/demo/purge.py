"""Deleting the demo's appeals (`demo_company --reset`)."""

from __future__ import annotations

from django.db import connection

from ..models import (
    Appeal,
    AppealEvent,
    CareContact,
    Department,
    Meeting,
    MeetingItem,
    PublicAnswer,
    Rating,
    Referral,
)


def purge_demo_appeals(*, unit_ids: list[int], user_ids: list[int]) -> None:
    """Delete the demo's appeals and everything hanging on them, its departments and care contacts."""
    from django.db.models import Q

    appeals = Appeal.objects.filter(
        Q(origin_unit_id__in=unit_ids) | Q(handling_unit_id__in=unit_ids) | Q(recorded_by_id__in=user_ids)
    )
    ids = list(appeals.values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        PublicAnswer.objects.filter(appeal_id__in=chunk).delete()
        MeetingItem.objects.filter(appeal_id__in=chunk).delete()
        Rating.objects.filter(appeal_id__in=chunk).delete()
        Referral.objects.filter(appeal_id__in=chunk).delete()
        AppealEvent.objects.filter(appeal_id__in=chunk).delete()
        Appeal.objects.filter(pk__in=chunk).update(merged_into=None)
    from ..models import AppealSignature, Attachment, DuplicateBand

    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        Attachment.objects.filter(appeal_id__in=chunk).delete()
        DuplicateBand.objects.filter(appeal_id__in=chunk).delete()
        AppealSignature.objects.filter(appeal_id__in=chunk).delete()
        Appeal.objects.filter(pk__in=chunk).delete()
    MeetingItem.objects.filter(meeting__unit_id__in=unit_ids).delete()
    Meeting.objects.filter(unit_id__in=unit_ids).delete()
    Referral.objects.filter(department__unit_id__in=unit_ids).delete()
    Department.objects.filter(unit_id__in=unit_ids).delete()
    CareContact.objects.filter(Q(unit_id__in=unit_ids) | Q(user_id__in=user_ids)).delete()
    if not Appeal.objects.exists():
        from ..models import YearCounter

        YearCounter.objects.all().delete()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'appeals_number_%%'"
                )
                for (name,) in cursor.fetchall():
                    cursor.execute(f"ALTER SEQUENCE {name} RESTART WITH 1")
