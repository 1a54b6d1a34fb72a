"""The daily reminders: yearly reviews falling due, and follow-ups due after aid, each told once.

The household lives in 甲班; 炼钢厂's cadre and chairman record assistance there (the nearest unit
up the tree where anyone does), 股份公司's parent_cadre and the group's administrator are further up.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianxin.assistance.models import Application, ApplicationStatus, FileStatus, Visit
from lianxin.assistance.services import files as file_services
from lianxin.assistance.services import pairing as pairing_services
from lianxin.assistance.services.reminders import follow_up_target, reminders_send, review_target
from lianxin.assistance.tasks import assistance_reminders_task
from lianxin.core.models import Notification
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member

from .factories import make_file

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
DUE = dt.date(2027, 3, 1)
_numbers = count(1)


def on(day: dt.date, hour: int = 9):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SH), tick=False)


def send(day: dt.date) -> dict[str, int]:
    with on(day):
        return reminders_send()


def reminded(target: str) -> set[str]:
    return set(Notification.objects.filter(target=target).values_list("user__username", flat=True))


def due_file(aid, member=None, *, due: dt.date = DUE):
    """A file opened on 1 March 2026 whose review falls due on `due`; the fixture's own file (王小工's)
    without `member`."""
    if member is None:
        file = aid.file
        file.opened_on, file.next_review_on = dt.date(2026, 3, 1), due
        file.save(update_fields=["opened_on", "next_review_on"])
        return file
    return make_file(member, aid.cadre, opened_on=dt.date(2026, 3, 1), next_review_on=due)


def paid_application(aid, *, member=None, paid_on=dt.date(2027, 1, 10), due=dt.date(2027, 2, 10)):
    member = member or aid.member
    return Application.objects.create(
        number=f"BF-2027-{next(_numbers):06d}",
        programme=aid.festival,
        unit=member.unit,
        member=member,
        household_key=f"m{member.pk}",
        period_key="2027",
        amount=Decimal("1000.00"),
        reason="春节送温暖",
        status=ApplicationStatus.PAID,
        approval_unit=aid.festival.unit,
        recorded_by=aid.cadre,
        approved_by=aid.chairman,
        paid_by=aid.treasurer,
        paid_at=dt.datetime(paid_on.year, paid_on.month, paid_on.day, 10, tzinfo=SH),
        paid_on=paid_on,
        follow_up_due=due,
    )


# --- yearly reviews ----------------------------------------------------------------------------------


def test_a_review_due_within_fourteen_days_reminds_the_recording_cadres_once(aid):
    file = due_file(aid)
    target = review_target(file.pk, DUE)
    assert send(DUE - dt.timedelta(days=15))["reviews"] == 0
    assert send(DUE - dt.timedelta(days=14))["reviews"] == 1
    assert reminded(target) == {"cadre", "chairman"}  # 炼钢厂; not 股份公司 or the group above it
    for later in (DUE - dt.timedelta(days=14), DUE - dt.timedelta(days=3), DUE, DUE + dt.timedelta(days=20)):
        assert send(later)["reviews"] == 0
    assert Notification.objects.filter(target=target).count() == 2


def test_the_reminder_masks_the_name_and_links_to_the_file(aid):
    file = due_file(aid)
    send(DUE - dt.timedelta(days=10))
    note = Notification.objects.get(user=aid.cadre, target=review_target(file.pk, DUE))
    assert "王*工" in note.title and file.number in note.title
    assert "王小工" not in note.title + note.body
    assert DUE.isoformat() in note.body
    assert note.url == f"/assistance/files/{file.pk}/"


def test_an_overdue_review_is_told_as_overdue_once(aid):
    file = due_file(aid)
    assert send(DUE + dt.timedelta(days=5))["reviews"] == 1
    assert send(DUE + dt.timedelta(days=6))["reviews"] == 0
    note = Notification.objects.get(user=aid.cadre, target=review_target(file.pk, DUE))
    assert "逾期" in note.title


def test_the_review_after_a_reminder_sets_a_new_due_date_which_reminds_again(aid):
    file = due_file(aid)
    send(DUE - dt.timedelta(days=10))
    with on(DUE - dt.timedelta(days=5)):
        file = file_services.file_review(actor=aid.cadre, file=file, version=file.version, note="情况属实")
    new_due = file.next_review_on
    assert new_due == dt.date(2028, 2, 24)
    assert send(DUE)["reviews"] == 0
    assert send(new_due - dt.timedelta(days=15))["reviews"] == 0
    assert send(new_due - dt.timedelta(days=14))["reviews"] == 1
    assert reminded(review_target(file.pk, new_due)) == {"cadre", "chairman"}
    assert (
        Notification.objects.filter(user=aid.cadre, target__startswith=f"assistance.file:{file.pk}:").count()
        == 2
    )


def test_the_nearest_unit_where_someone_records_is_the_one_reminded(aid, company):
    section_cadre = UserFactory(username="section_cadre", full_name="车间干事")
    grant(section_cadre, company.section, "cadre")
    file = due_file(aid)
    send(DUE)
    assert reminded(review_target(file.pk, DUE)) == {"section_cadre"}


def test_a_cadre_who_left_is_skipped_for_the_next_unit_up(aid, company):
    aid.cadre.is_active = False
    aid.cadre.save(update_fields=["is_active"])
    aid.chairman.is_active = False
    aid.chairman.save(update_fields=["is_active"])
    file = due_file(aid)
    send(DUE)
    assert reminded(review_target(file.pk, DUE)) == {"parent_cadre", "upper_chairman"}


def test_an_exited_file_and_a_review_far_off_remind_no_one(aid, company):
    exited = due_file(aid)
    exited.status = FileStatus.EXITED
    exited.save(update_fields=["status"])
    due_file(aid, make_member(company.team2, "刘大姐"), due=DUE + dt.timedelta(days=40))
    assert send(DUE)["reviews"] == 0
    assert not Notification.objects.filter(target__startswith="assistance.file:").exists()


def test_an_outsiders_file_goes_to_the_outsiders_unit(aid, company):
    file = due_file(aid, aid.outsider_member)
    send(DUE)
    assert reminded(review_target(file.pk, DUE)) == {"outsider"}


# --- follow-ups after aid ----------------------------------------------------------------------------


def test_a_follow_up_due_and_missing_reminds_the_recorder_once(aid):
    application = paid_application(aid, due=dt.date(2027, 2, 10))
    target = follow_up_target(application.pk)
    assert send(dt.date(2027, 2, 9))["follow_ups"] == 0
    assert send(dt.date(2027, 2, 10))["follow_ups"] == 1
    assert reminded(target) == {"cadre"}
    assert send(dt.date(2027, 2, 11))["follow_ups"] == 0
    assert send(dt.date(2027, 3, 11))["follow_ups"] == 0
    note = Notification.objects.get(target=target)
    assert application.number in note.title and "王*工" in note.title and "王小工" not in note.body
    assert note.url == f"/assistance/follow-ups/{application.pk}/"


def test_a_follow_up_already_recorded_or_aid_reversed_reminds_no_one(aid, company):
    visited = paid_application(aid)
    with on(dt.date(2027, 2, 1)):
        pairing_services.visit_record(
            actor=aid.cadre,
            kind=Visit.Kind.FOLLOW_UP,
            application=visited,
            visited_on=dt.date(2027, 2, 1),
            notes="慰问金已收到",
            aid_arrived=True,
        )
    reversed_aid = paid_application(aid, member=aid.other_member)
    Application.objects.filter(pk=reversed_aid.pk).update(status=ApplicationStatus.REVERSED)
    assert send(dt.date(2027, 2, 20))["follow_ups"] == 0
    assert not Notification.objects.filter(target__endswith=":follow_up").exists()


# --- the job -----------------------------------------------------------------------------------------


def test_the_daily_job_sends_both_kinds_and_runs_again_without_repeating(aid):
    file = due_file(aid)
    application = paid_application(aid, due=DUE - dt.timedelta(days=1))
    with on(DUE):
        assistance_reminders_task()
        assistance_reminders_task()
    assert reminded(review_target(file.pk, DUE)) == {"cadre", "chairman"}
    assert reminded(follow_up_target(application.pk)) == {"cadre"}
    assert Notification.objects.filter(user=aid.cadre).count() == 2


def test_emails_go_out_only_after_the_reminders_commit(aid, mailoutbox, django_capture_on_commit_callbacks):
    aid.cadre.email = "cadre@example.com"
    aid.cadre.save(update_fields=["email"])
    due_file(aid)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(DUE)
    assert mailoutbox == [] and callbacks
    for callback in callbacks:
        callback()
    assert [mail.to for mail in mailoutbox] == [["cadre@example.com"]]
    assert "王小工" not in mailoutbox[0].subject + mailoutbox[0].body


# --- cost ------------------------------------------------------------------------------------------


def _queries(day: dt.date) -> tuple[int, int]:
    """(reads, inserts) of one run."""
    with CaptureQueriesContext(connection) as captured:
        send(day)
    sql = [query["sql"].lstrip().upper() for query in captured.captured_queries]
    inserts = sum(statement.startswith("INSERT") for statement in sql)
    reads = sum(statement.startswith("SELECT") for statement in sql)
    return reads, inserts


def test_the_reads_stay_flat_in_the_number_of_files_and_applications(aid, company):
    units = [company.team, company.team2, company.sibling_team]
    for index in range(2):
        member = make_member(units[index], f"甲户{index}")
        due_file(aid, member)
        paid_application(aid, member=member, due=DUE)
    few = _queries(DUE)
    for index in range(6):
        member = make_member(units[index % 3], f"乙户{index}")
        due_file(aid, member)
        paid_application(aid, member=member, due=DUE)
    many = _queries(DUE)
    assert few[0] == many[0]
    assert (few[1], many[1]) == (4, 12)  # one insert per reminder sent: each is one notify call
    assert _queries(DUE)[1] == 0  # nothing new: nothing sent
