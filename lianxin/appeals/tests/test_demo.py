"""The demo company's year of appeals: every state, channel and category, live worklists, believable
rates, and the same appeals for the same seed."""

import datetime as dt
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from lianxin.appeals import demo_data, rules
from lianxin.appeals.demo import LOGIN_NAMES, build_demo_appeals, purge_demo_appeals
from lianxin.appeals.models import (
    Appeal,
    AppealEvent,
    Category,
    Channel,
    Flag,
    Meeting,
    PublicAnswer,
    Referral,
    State,
)
from lianxin.appeals.selectors import AppealFilters, Bucket, appeal_list, appeal_rates, worklist_counts
from lianxin.core.models import AuditEvent, User
from lianxin.core.text import to_simplified
from lianxin.org.models import Unit

PASSWORD = "demo-pass-2026"
COUNT = 200


@pytest.fixture
def company(db):
    call_command("demo_company", members=600, seed=7, password=PASSWORD, appeals=0, stdout=StringIO())
    return Unit.objects.get(depth=1)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def demo(company, now):
    return build_demo_appeals(root=company, now=now, seed=7, count=COUNT, password=PASSWORD)


def test_every_template_carries_exactly_the_flags_it_declares():
    place = demo_data.Place("炼钢厂", "转炉车间", "转炉甲班", "炼铁厂")
    rng = random.Random(3)
    for category, templates in demo_data.TEMPLATES.items():
        assert Category.objects.none() is not None and category in demo_data.CATEGORY_WEIGHTS
        for _kinds, template, flags, _department in templates:
            text = template.format_map(demo_data._Values(rng, place, dt.datetime(2026, 7, 1)))
            assert set(rules.find_flags(rules.normalize(text))) == set(flags), text
            traditional = demo_data.to_traditional(text)
            assert set(rules.find_flags(rules.normalize(traditional))) == set(flags), traditional


def test_a_small_demo_has_every_state_channel_category_and_flag(demo):
    appeals = Appeal.objects.all()
    assert appeals.count() == COUNT
    assert set(appeals.values_list("state", flat=True)) == set(State.values)
    assert set(appeals.values_list("channel", flat=True)) == set(Channel.values)
    assert set(appeals.values_list("category__code", flat=True)) == set(
        Category.objects.values_list("code", flat=True)
    )
    for flag in Flag.values:
        assert appeals.filter(**{f"flag_{flag}": True}).exists(), flag
    assert appeals.filter(is_anonymous=True).exists() and appeals.filter(reopen_count=1).exists()
    assert any(
        to_simplified(text) != text for text in appeals.values_list("text", flat=True)
    )  # traditional input
    assert Referral.objects.filter(answered_at__isnull=False).exists()
    assert Meeting.objects.exclude(minutes="").exists()
    assert PublicAnswer.objects.exists()
    assert set(demo.logins[i][0] for i in range(len(demo.logins))) == set(LOGIN_NAMES)


def test_the_demo_history_happens_over_the_year_before_now_in_order(demo, now):
    received = Appeal.objects.values_list("received_at", flat=True)
    assert min(received) >= now - dt.timedelta(days=366) and max(received) <= now
    assert min(received) < now - dt.timedelta(days=300)
    assert not AppealEvent.objects.filter(at__gt=now).exists()
    for appeal in Appeal.objects.prefetch_related("events")[::7]:
        moments = [event.at for event in appeal.events.all()]
        assert moments[0] == appeal.received_at and moments == sorted(moments), appeal.number
        if appeal.accepted_at:
            assert appeal.received_at <= appeal.accepted_at <= now
    late = AppealEvent.objects.filter(action="accepted", on_time=False).select_related("appeal")
    assert all(event.at > event.appeal.accept_due for event in late)
    timely = AppealEvent.objects.filter(action="accepted", on_time=True).select_related("appeal")
    assert all(event.at <= event.appeal.accept_due for event in timely)


def test_the_demo_cadre_has_a_live_worklist(demo):
    cadre = User.objects.get(username="cadre")
    counts = worklist_counts(fetched_by=cadre)
    assert counts[Bucket.OPEN] > 0
    assert counts[Bucket.NEW] + counts[Bucket.WAITING_DEPARTMENT] + counts[Bucket.WAITING_RATING] > 0
    assert appeal_list(fetched_by=cadre, filters=AppealFilters(bucket=Bucket.OPEN)).exists()
    supervisor = User.objects.get(username="supervisor")
    overdue = appeal_list(fetched_by=supervisor, filters=AppealFilters(overdue=True))
    assert overdue.exists()
    assert overdue.filter(escalation_level__gt=0).exists()
    hr = User.objects.get(username="hr")
    assert Referral.objects.filter(department__handlers=hr).exists()


def test_the_demo_rates_look_like_a_real_office(demo, company, now):
    # The rates count days as the office does, in Shanghai: just after its midnight the UTC date is a day behind.
    today = timezone.localdate(now)
    rates = appeal_rates(unit=company, date_from=today - dt.timedelta(days=365), date_to=today)
    assert rates.received == COUNT
    assert 90 <= rates.response_rate <= 100
    assert 80 <= rates.resolution_rate <= 99
    assert 80 <= rates.satisfaction_rate <= 98
    assert rates.dissatisfied > 0


def test_the_same_seed_and_moment_give_the_same_appeals(demo, company, now):
    def snapshot():
        rows = Appeal.objects.order_by("received_at", "text").values_list(
            "received_at", "text", "channel", "kind", "category__code", "state", "origin_unit__code", "answer"
        )
        events = Counter(AppealEvent.objects.values_list("action", "on_time"))
        return list(rows), events

    first = snapshot()
    units = list(Unit.objects.values_list("pk", flat=True))
    made = User.objects.filter(
        Q(username__in=LOGIN_NAMES) | Q(username__startswith="m1302") | Q(username__startswith="dept_")
    )
    purge_demo_appeals(unit_ids=units, user_ids=list(made.values_list("pk", flat=True)))
    AuditEvent.objects.filter(actor__in=made).delete()
    made.delete()
    assert not Appeal.objects.exists()
    build_demo_appeals(root=company, now=now, seed=7, count=COUNT, password=PASSWORD)
    assert snapshot() == first


def test_demo_company_command_prints_the_appeal_logins_and_counts(db):
    out = StringIO()
    call_command("demo_company", members=600, seed=7, password=PASSWORD, appeals=60, stdout=out)
    text = out.getvalue()
    assert "职工诉求:近一年 60 件" in text
    for username in ("operator", "hr", "care"):
        assert username in text
