"""Deleting the demo's assistance (`demo_company --reset`): everything that hangs on its units."""

from __future__ import annotations

from django.db.models import Q

from ..models import (
    Application,
    ApplicationEvent,
    Campaign,
    Claim,
    ClaimEvent,
    ClaimInvoice,
    Counter,
    Enrolment,
    FileEvent,
    Fund,
    FundEntry,
    HardshipDocument,
    HardshipFile,
    HouseholdPerson,
    LocalStandard,
    MutualAidPlan,
    Pairing,
    Programme,
    Visit,
)


def purge_demo_assistance(*, unit_ids: list[int], user_ids: list[int]) -> None:
    """Delete the assistance records of the demo's units (and anything its logins recorded)."""
    funds = Fund.objects.filter(unit_id__in=unit_ids)
    files = HardshipFile.objects.filter(Q(unit_id__in=unit_ids) | Q(opened_by_id__in=user_ids))
    applications = Application.objects.filter(
        Q(unit_id__in=unit_ids) | Q(programme__fund__in=funds) | Q(fund__in=funds)
    )
    claims = Claim.objects.filter(Q(unit_id__in=unit_ids) | Q(plan__fund__in=funds))
    Visit.objects.filter(
        Q(unit_id__in=unit_ids) | Q(application__in=applications) | Q(file__in=files)
    ).delete()
    Pairing.objects.filter(Q(unit_id__in=unit_ids) | Q(file__in=files)).delete()
    entries = FundEntry.objects.filter(fund__in=funds)
    Enrolment.objects.filter(Q(unit_id__in=unit_ids) | Q(plan__fund__in=funds)).update(premium_entry=None)
    entries.filter(reverses__isnull=False).delete()
    entries.update(counterpart=None)
    entries.delete()
    ApplicationEvent.objects.filter(application__in=applications).delete()
    applications.delete()
    ClaimEvent.objects.filter(claim__in=claims).delete()
    ClaimInvoice.objects.filter(claim__in=claims).delete()
    claims.delete()
    Enrolment.objects.filter(Q(unit_id__in=unit_ids) | Q(plan__fund__in=funds)).delete()
    MutualAidPlan.objects.filter(Q(unit_id__in=unit_ids) | Q(fund__in=funds)).delete()
    Programme.objects.filter(Q(unit_id__in=unit_ids) | Q(fund__in=funds)).delete()
    Campaign.objects.filter(Q(unit_id__in=unit_ids) | Q(fund__in=funds)).delete()
    FileEvent.objects.filter(file__in=files).delete()
    HouseholdPerson.objects.filter(file__in=files).delete()
    HardshipDocument.objects.filter(file__in=files).delete()
    files.delete()
    funds.delete()
    LocalStandard.objects.filter(unit_id__in=unit_ids).delete()
    if not Application.objects.exists() and not HardshipFile.objects.exists() and not Claim.objects.exists():
        Counter.objects.all().delete()
