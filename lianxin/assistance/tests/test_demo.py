"""The demo company's year of assistance: it builds through the services, every programme is used,
the funds reconcile, the desk has work waiting, and the demo logins keep recorder, approver and
treasurer apart."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from lianxin.assistance.models import (
    Application,
    ApplicationStatus,
    Claim,
    ClaimStatus,
    FileStatus,
    Fund,
    FundKind,
    HardshipFile,
    Programme,
    ProgrammeKind,
    Visit,
)
from lianxin.assistance.selectors.reports import aid_stats, home_counts
from lianxin.assistance.services.funds import fund_reconcile
from lianxin.core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    """A small demo company (800 members, a year of appeals) with its year of assistance."""
    out = StringIO()
    call_command("demo_company", members=800, seed=7, password="demo-pass-2026", appeals=120, stdout=out)
    return out.getvalue()


def test_the_demo_pays_under_every_programme_and_its_funds_reconcile(demo):
    paid = Application.objects.filter(status=ApplicationStatus.PAID)
    assert set(paid.values_list("programme__kind", flat=True)) == set(ProgrammeKind.values)
    funds = list(Fund.objects.all())
    assert {fund.kind for fund in funds} == {FundKind.RELIEF, FundKind.MUTUAL_AID}
    for fund in funds:
        check = fund_reconcile(fund)
        assert check["ok"], (fund.name, check)
        assert fund.balance >= fund.reserved
        moments = list(fund.entries.order_by("pk").values_list("at", flat=True))
        assert moments == sorted(moments)  # posted in the order things happened, over the year
        assert moments[0] < timezone.now() - dt.timedelta(days=200)
    relief = next(fund for fund in funds if fund.kind == FundKind.RELIEF)
    assert relief.entries.filter(kind="donation", campaign__isnull=False).count() >= 5
    # Recorder, approver and treasurer are three people.
    assert not paid.filter(Q(approved_by=F("recorded_by")) | Q(paid_by=F("approved_by"))).exists()
    assert set(paid.values_list("paid_by__username", flat=True)) == {"caiwu"}


def test_the_demo_year_leaves_work_on_the_desk_and_ties_to_the_appeals(demo):
    chairman = User.objects.get(username="chairman")
    counts = home_counts(fetched_by=chairman)
    assert counts.pending_approval >= 1 and counts.awaiting_payment >= 1
    assert counts.follow_ups_missing >= 1 and counts.reviews_due >= 1
    assert Application.objects.filter(status=ApplicationStatus.REVERSED).exists()
    assert HardshipFile.objects.filter(status=FileStatus.EXITED).exists()
    assert Visit.objects.filter(kind=Visit.Kind.FOLLOW_UP).count() >= 10
    assert Visit.objects.filter(kind=Visit.Kind.PAIRING).exists()
    assert Claim.objects.filter(status=ClaimStatus.PAID).count() >= 3
    stats = aid_stats(fetched_by=chairman)
    assert stats.mutual_aid.insured > 0 and stats.person_times > 0 and len(stats.by_unit) > 1
    assert Application.objects.filter(appeal__category__code="hardship").exists()
    assert HardshipFile.objects.filter(appeal__isnull=False).exists()
    assert "困难帮扶:困难职工档案" in demo
    assert "caiwu" in demo and "bangfu" in demo


def test_a_reset_demo_is_built_again_from_nothing(demo):
    call_command(
        "demo_company",
        members=800,
        seed=7,
        password="demo-pass-2026",
        appeals=0,
        reset=True,
        stdout=StringIO(),
    )
    assert Fund.objects.count() == 2
    assert Programme.objects.count() == len(ProgrammeKind.values)
