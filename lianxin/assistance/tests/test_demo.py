"""The demo's year of assistance: it builds through the services for every company of the group,
every programme is used, each company's funds reconcile, the group's statistics show every company,
the desk has work waiting, the demo logins keep recorder, approver and treasurer apart, and the same
seed builds the same records."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.apps import apps
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
    LevelRule,
    Programme,
    ProgrammeKind,
    Visit,
)
from lianxin.assistance.selectors.reports import aid_stats, home_counts, mutual_aid_figures
from lianxin.assistance.services.funds import fund_reconcile
from lianxin.core.models import RoleAssignment, User
from lianxin.org.models import Unit

pytestmark = pytest.mark.django_db

ASSISTANCE_MODELS = [
    model for model in apps.get_app_config("assistance").get_models() if model is not LevelRule
]  # LevelRule: the shipped rules of the hardship levels, not demo data


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo_company", members=800, seed=7, password="demo-pass-2026", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db):
    """A small demo group (800 members, a year of appeals) with its year of assistance."""
    return run_demo(appeals=120)


def companies() -> list[Unit]:
    return list(Unit.objects.filter(depth=2).order_by("path"))


def test_the_demo_pays_under_every_programme_and_its_funds_reconcile(demo):
    paid = Application.objects.filter(status=ApplicationStatus.PAID)
    assert set(paid.values_list("programme__kind", flat=True)) == set(ProgrammeKind.values)
    first, *others = companies()
    assert len(others) == 3
    for company in [first, *others]:
        funds = list(Fund.objects.filter(unit=company))
        assert sorted(fund.kind for fund in funds) == sorted([FundKind.RELIEF, FundKind.MUTUAL_AID])
        for fund in funds:
            check = fund_reconcile(fund)
            assert check["ok"], (fund.name, check)
            assert fund.balance >= fund.reserved
            moments = list(fund.entries.order_by("pk").values_list("at", flat=True))
            assert moments == sorted(moments)  # posted in the order things happened, over the year
            assert moments[0] < timezone.now() - dt.timedelta(days=200)
        relief = next(fund for fund in funds if fund.kind == FundKind.RELIEF)
        donations = relief.entries.filter(kind="donation", campaign__isnull=False).count()
        assert donations >= (5 if company == first else 1), company.name
        # Each company's own treasurer pays its aid.
        treasurers = set(paid.filter(unit__path__startswith=company.path).values_list("paid_by", flat=True))
        assert len(treasurers) == 1, company.name
        assert RoleAssignment.objects.filter(
            user__in=treasurers, unit=company, role__code="treasurer"
        ).exists(), company.name
    # Recorder, approver and treasurer are three people.
    assert not paid.filter(
        Q(approved_by=F("recorded_by")) | Q(paid_by=F("approved_by")) | Q(paid_by=F("recorded_by"))
    ).exists()
    assert set(
        paid.filter(unit__path__startswith=first.path).values_list("paid_by__username", flat=True)
    ) == {"caiwu"}
    # The other companies are smaller: about a third of the first company's aid each.
    counts = [paid.filter(unit__path__startswith=c.path).count() for c in [first, *others]]
    assert all(counts[0] / 6 < count < counts[0] / 1.5 for count in counts[1:]), counts


def test_the_groups_statistics_show_aid_and_mutual_aid_for_every_company(demo):
    jituan = User.objects.get(username="jituan")
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=364)
    stats = aid_stats(fetched_by=jituan, date_from=year_ago, date_to=today)
    rows = {row.unit: row for row in stats.by_unit}
    for company in companies():
        row = rows[company]
        assert row.person_times > 0 and row.households > 0 and row.amount > 0, company.name
        figures = mutual_aid_figures(fetched_by=jituan, unit=company, date_from=year_ago, date_to=today)
        assert figures.insured > 0 and figures.claims_paid > 0 and figures.amount > 0, company.name
        # Hardship files and visits too, not only money.
        files = HardshipFile.objects.filter(unit__path__startswith=company.path)
        assert files.exists() and Visit.objects.filter(unit__path__startswith=company.path).exists()
    assert stats.person_times == sum(row.person_times for row in stats.by_unit)


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


def snapshot() -> dict[str, list]:
    return {
        "applications": list(
            Application.objects.order_by("number").values_list(
                "number", "unit__code", "programme__code", "member__member_no", "amount", "status",
                "recorded_by__username", "paid_on",
            )
        ),
        "files": list(
            HardshipFile.objects.order_by("number").values_list("number", "member__member_no", "level", "status")
        ),
        "claims": list(Claim.objects.order_by("number").values_list("number", "enrolment__member__member_no", "benefit", "status")),
        "entries": list(
            Fund.objects.order_by("unit__path", "kind").values_list("unit__code", "kind", "balance", "reserved")
        ),
        "visits": list(Visit.objects.order_by("unit__path", "visited_on", "kind").values_list("unit__code", "visited_on", "kind")),
    }  # fmt: skip


def test_a_purge_removes_every_companys_assistance_and_the_same_seed_builds_it_again(db):
    from lianxin.org.management.commands.demo_company import demo_purge

    # Same seed, same moment: the appeals the assistance draws on depend on the clock too.
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        run_demo(appeals=120)
        first = snapshot()
        assert {code[:4] for _number, code, *_rest in first["applications"]} == {c.code for c in companies()}
        demo_purge()
        for model in ASSISTANCE_MODELS:
            assert not model.objects.exists(), model.__name__
        run_demo(appeals=120)
        assert snapshot() == first
    assert Programme.objects.count() == len(ProgrammeKind.values) * len(companies())
