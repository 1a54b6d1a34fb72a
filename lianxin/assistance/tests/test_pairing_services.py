"""Pairings, their visits and who is behind; the follow-up visit after aid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.assistance.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Effect,
    Pairing,
    Visit,
)
from lianxin.assistance.selectors import pairing as selectors
from lianxin.assistance.services import files as file_services
from lianxin.assistance.services import pairing as services
from lianxin.assistance.services.base import AssistanceError
from lianxin.core.models import AuditEvent, Notification
from lianxin.core.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

_numbers = count(1)


def paid_application(
    aid, *, member=None, file=None, paid_days_ago: int = 40, follow_up_days: int = 30
) -> Application:
    """Aid recorded by the cadre, approved by the chairman and paid by the treasurer, written
    directly (the application services are tested on their own)."""
    member = member or aid.member
    paid_on = timezone.localdate() - dt.timedelta(days=paid_days_ago)
    return Application.objects.create(
        number=f"BF-2026-{next(_numbers):06d}",
        programme=aid.festival,
        unit=member.unit,
        member=member,
        file=file,
        household_key=f"f{file.pk}" if file else f"m{member.pk}",
        period_key="2026",
        amount=Decimal("1000.00"),
        reason="春节送温暖",
        status=ApplicationStatus.PAID,
        approval_unit=aid.festival.unit,
        recorded_by=aid.cadre,
        approved_by=aid.chairman,
        paid_by=aid.treasurer,
        paid_at=timezone.now() - dt.timedelta(days=paid_days_ago),
        paid_on=paid_on,
        payment_reference="PZ-0001",
        follow_up_due=paid_on + dt.timedelta(days=follow_up_days),
    )


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def pairing_since(aid, days: int, *, per_year: int = 4) -> Pairing:
    return Pairing.objects.create(
        file=aid.file,
        leader=aid.leader,
        unit=aid.file.unit,
        visits_per_year=per_year,
        started_on=days_ago(days),
        created_by=aid.cadre,
    )


def visits(aid, pairing: Pairing, *ages: int) -> None:
    for age in ages:
        Visit.objects.create(
            kind=Visit.Kind.PAIRING,
            file=pairing.file,
            pairing=pairing,
            unit=pairing.unit,
            visited_on=days_ago(age),
            visitor=aid.leader,
            notes="走访",
        )


# --- pairing -------------------------------------------------------------------------------------


def test_a_cadre_pairs_a_leader_who_is_told(aid):
    pairing = services.pairing_create(actor=aid.cadre, file=aid.file, leader=aid.leader, visits_per_year=6)
    assert (pairing.unit, pairing.visits_per_year, pairing.started_on) == (
        aid.file.unit,
        6,
        timezone.localdate(),
    )
    note = Notification.objects.get(user=aid.leader)
    assert "王*工" in note.title and "6 次" in note.body
    assert AuditEvent.objects.filter(code="assistance.pairing.created").exists()


def test_the_leader_must_hold_a_role_where_the_cadre_records(aid, company):
    far_leader = UserFactory(username="far_leader", full_name="远领导")
    grant(far_leader, company.sibling, "leader")
    for leader in (far_leader, aid.worker):
        with pytest.raises(ValidationError) as caught:
            services.pairing_create(actor=aid.cadre, file=aid.file, leader=leader)
        assert "leader" in caught.value.message_dict
    candidates = selectors.leader_candidates(fetched_by=aid.cadre, file=aid.file)
    assert {user.username for user in candidates} == {"cadre", "chairman", "treasurer", "leader", "liaison"}


def test_a_leader_is_paired_once_with_a_household_and_never_with_an_exited_one(aid):
    services.pairing_create(actor=aid.cadre, file=aid.file, leader=aid.leader)
    with pytest.raises(ValidationError):
        services.pairing_create(actor=aid.cadre, file=aid.file, leader=aid.leader)
    file = file_services.file_exit(actor=aid.cadre, file=aid.file, version=aid.file.version, reason="脱困")
    with pytest.raises(AssistanceError):
        services.pairing_create(actor=aid.cadre, file=file, leader=aid.chairman)


def test_only_those_who_record_may_pair_or_end_a_pairing(aid):
    for user in (aid.treasurer, aid.outsider, aid.leader):
        with pytest.raises(PermissionDenied):
            services.pairing_create(actor=user, file=aid.file, leader=aid.leader)
    pairing = services.pairing_create(actor=aid.cadre, file=aid.file, leader=aid.leader)
    with pytest.raises(PermissionDenied):
        services.pairing_end(actor=aid.leader, pairing=pairing, reason="工作调动")
    pairing = services.pairing_end(actor=aid.cadre, pairing=pairing, reason="工作调动")
    assert (pairing.ended_on, pairing.end_reason) == (timezone.localdate(), "工作调动")


# --- visits --------------------------------------------------------------------------------------


def test_the_leader_records_a_visit_and_new_needs_reach_the_cadre(aid):
    pairing = pairing_since(aid, 30)
    visit = services.visit_record(
        actor=aid.leader,
        kind=Visit.Kind.PAIRING,
        pairing=pairing,
        visited_on=timezone.localdate(),
        notes="送去米面油,孩子学习用品。",
        needs="冬季取暖费有困难",
    )
    assert (visit.file, visit.visitor, visit.unit) == (aid.file, aid.leader, aid.file.unit)
    note = Notification.objects.get(user=aid.cadre)
    assert note.body == "冬季取暖费有困难"


def test_a_visit_is_for_the_leader_or_a_cadre_and_dated_within_the_pairing(aid):
    pairing = pairing_since(aid, 30)
    with pytest.raises(PermissionDenied):
        services.visit_record(
            actor=aid.outsider, kind="pairing", pairing=pairing, visited_on=timezone.localdate(), notes="x"
        )
    for day in (days_ago(31), timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            services.visit_record(
                actor=aid.leader, kind="pairing", pairing=pairing, visited_on=day, notes="x"
            )
        assert "visited_on" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.visit_record(
            actor=aid.leader, kind="pairing", pairing=pairing, visited_on=days_ago(1), notes=" "
        )
    services.visit_record(
        actor=aid.cadre, kind="pairing", pairing=pairing, visited_on=days_ago(1), notes="代登记"
    )
    assert pairing.visits.count() == 1


def test_no_visit_on_an_ended_pairing(aid):
    pairing = pairing_since(aid, 30)
    services.pairing_end(actor=aid.cadre, pairing=pairing, reason="领导退休")
    with pytest.raises(AssistanceError):
        services.visit_record(
            actor=aid.leader, kind="pairing", pairing=pairing, visited_on=days_ago(1), notes="x"
        )


# --- who is behind -------------------------------------------------------------------------------


def test_a_pairing_of_over_a_year_owes_its_yearly_visits_within_the_last_twelve_months(aid):
    pairing = pairing_since(aid, 800)
    visits(aid, pairing, 10, 100, 200, 400)  # the fourth is older than a year
    behind = selectors.pairings_behind(fetched_by=aid.cadre)
    assert [(p.pk, p.visits_done, p.visits_required) for p in behind] == [(pairing.pk, 3, 4)]
    visits(aid, pairing, 300)
    assert selectors.pairings_behind(fetched_by=aid.cadre) == []


@pytest.mark.parametrize(
    ("age", "visits_made", "is_behind"), [(100, 0, True), (100, 1, False), (80, 0, False)]
)
def test_a_young_pairing_owes_its_share_of_the_days_since_it_started(aid, age, visits_made, is_behind):
    pairing = pairing_since(aid, age)  # four a year: one owed after 92 days
    visits(aid, pairing, *range(1, visits_made + 1))
    assert [p.pk for p in selectors.pairings_behind(fetched_by=aid.cadre)] == (
        [pairing.pk] if is_behind else []
    )


def test_who_is_behind_is_read_within_scope(aid):
    pairing_since(aid, 800)
    assert len(selectors.pairings_behind(fetched_by=aid.cadre)) == 1
    assert selectors.pairings_behind(fetched_by=aid.outsider) == []


# --- follow-ups ----------------------------------------------------------------------------------


def test_a_follow_up_sets_the_application_followed_up_and_writes_its_event(aid):
    application = paid_application(aid, file=aid.file)
    assert list(selectors.follow_up_list(fetched_by=aid.cadre)) == [application]
    visit = services.visit_record(
        actor=aid.cadre,
        kind=Visit.Kind.FOLLOW_UP,
        application=application,
        visited_on=timezone.localdate(),
        aid_arrived=True,
        effect=Effect.IMPROVED,
        notes="慰问金已收到,用于孩子学费。",
    )
    application.refresh_from_db()
    assert application.followed_up_on == timezone.localdate()
    assert (visit.file, visit.aid_arrived) == (aid.file, True)
    event = application.events.get(action=ApplicationEvent.Action.FOLLOWED_UP)
    assert event.actor == aid.cadre and "帮扶已到位" in event.note and "明显改善" in event.note
    assert list(selectors.follow_up_list(fetched_by=aid.cadre)) == []


def test_aid_that_did_not_arrive_is_told_to_the_recorder_and_the_payer(aid):
    application = paid_application(aid)
    services.visit_record(
        actor=aid.cadre,
        kind="follow_up",
        application=application,
        visited_on=timezone.localdate(),
        aid_arrived=False,
        notes="职工说没有收到慰问金。",
    )
    told = set(Notification.objects.filter(title__contains=application.number).values_list("user", flat=True))
    assert told == {aid.cadre.pk, aid.treasurer.pk}


def test_a_follow_up_needs_paid_aid_the_answer_whether_it_arrived_and_a_date_after_payment(aid):
    application = paid_application(aid, paid_days_ago=5)
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            actor=aid.cadre, kind="follow_up", application=application, visited_on=days_ago(1), notes="x"
        )
    assert "aid_arrived" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.visit_record(
            actor=aid.cadre,
            kind="follow_up",
            application=application,
            visited_on=days_ago(6),
            aid_arrived=True,
            notes="x",
        )
    assert "visited_on" in caught.value.message_dict
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.REVERSED)
    with pytest.raises(AssistanceError):
        services.visit_record(
            actor=aid.cadre,
            kind="follow_up",
            application=application,
            visited_on=days_ago(1),
            aid_arrived=True,
            notes="x",
        )
    with pytest.raises(PermissionDenied):
        services.visit_record(
            actor=aid.treasurer,
            kind="follow_up",
            application=paid_application(aid),
            visited_on=days_ago(1),
            aid_arrived=True,
            notes="x",
        )


def test_missing_follow_ups_are_those_past_their_due_date(aid):
    late = paid_application(aid, paid_days_ago=40, follow_up_days=30)
    not_yet = paid_application(aid, member=aid.other_member, paid_days_ago=5, follow_up_days=30)
    assert list(selectors.follow_up_list(fetched_by=aid.cadre)) == [late, not_yet]
    assert list(selectors.follow_up_list(fetched_by=aid.cadre, overdue_only=True)) == [late]
    assert selectors.follow_up_counts(fetched_by=aid.cadre) == {"pending": 2, "overdue": 1}
    assert list(selectors.follow_up_list(fetched_by=aid.outsider)) == []
