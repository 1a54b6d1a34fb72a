"""Aid applications: the programme's rules, the approval and payment steps, and the reads on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from lianxin.appeals.tests.factories import make_appeal
from lianxin.assistance import services
from lianxin.assistance.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EntryKind,
    FileStatus,
    FundEntry,
    Level,
    ProgrammeKind,
)
from lianxin.assistance.selectors.applications import (
    ApplicationFilters,
    application_get_for_user,
    application_list,
    approval_queue,
    payment_queue,
    programme_list,
)
from lianxin.assistance.services import AssistanceConflict, AssistanceError, InsufficientFunds
from lianxin.assistance.tests.factories import make_file, make_fund, make_programme
from lianxin.core.idempotency import IdempotencyKeyReused
from lianxin.core.models import AuditEvent, Notification
from lianxin.core.tests.factories import grant

pytestmark = pytest.mark.django_db

Status = ApplicationStatus


def record(aid, programme=None, member=None, **fields) -> Application:
    fields.setdefault("reason", "家中老人住院,生活困难")
    return services.application_record(
        actor=fields.pop("actor", aid.cadre),
        programme=programme or aid.festival,
        member=member or aid.member,
        **fields,
    )


def approve(aid, application, actor=None) -> Application:
    return services.application_approve(
        actor=actor or aid.chairman, application=application, version=application.version
    )


def pay(aid, application, *, key="pay-1", actor=None, reference="PZ-2026-001", **fields):
    return services.application_pay(
        actor=actor or aid.treasurer,
        application=application,
        version=application.version,
        reference=reference,
        idempotency_key=key,
        **fields,
    )


def paid(aid, programme=None, **fields) -> Application:
    application = approve(aid, record(aid, programme, **fields))
    return pay(aid, application, key=f"pay-{application.pk}").target


# --- amounts ---------------------------------------------------------------------------------------


def test_a_programme_with_a_standard_pays_the_standard_and_nothing_else(aid):
    assert services.programme_amount(programme=aid.festival) == Decimal("1000.00")
    assert services.programme_amount(programme=aid.festival, amount="1000") == Decimal("1000.00")
    with pytest.raises(AssistanceError, match="标准金额 1,000.00"):
        services.programme_amount(programme=aid.festival, amount="1200")


def test_school_aid_pays_by_school_level_and_refuses_a_level_it_does_not_cover(aid):
    assert services.programme_amount(programme=aid.school, school_level="senior") == Decimal("1500.00")
    assert services.programme_amount(programme=aid.school, school_level="college") == Decimal("3000.00")
    with pytest.raises(AssistanceError, match="小学"):
        services.programme_amount(programme=aid.school, school_level="primary")
    with pytest.raises(AssistanceError, match="学段"):
        services.programme_amount(programme=aid.school)


def test_an_amount_outside_the_minimum_and_maximum_is_refused(aid):
    aid.illness.min_amount = Decimal("500.00")
    aid.illness.save()
    assert services.programme_amount(programme=aid.illness, amount="12345.67") == Decimal("12345.67")
    with pytest.raises(AssistanceError, match="最高标准 20,000.00"):
        services.programme_amount(programme=aid.illness, amount="20000.01")
    with pytest.raises(AssistanceError, match="最低标准 500.00"):
        services.programme_amount(programme=aid.illness, amount="499")
    with pytest.raises(AssistanceError, match="没有标准金额"):
        services.programme_amount(programme=aid.illness)
    with pytest.raises(AssistanceError, match="两位小数"):
        services.programme_amount(programme=aid.illness, amount="1000.005")


def test_a_bad_amount_on_record_is_reported_on_the_amount_field(aid):
    with pytest.raises(ValidationError) as error:
        record(aid, aid.illness, amount="25000")
    assert "amount" in error.value.message_dict


# --- recording and eligibility ---------------------------------------------------------------------


def test_recording_aid_numbers_it_writes_the_step_and_tells_the_approver_after_commit(
    aid, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = record(aid)
    year = timezone.localdate().year
    assert application.number == f"BF-{year}-000001"
    assert application.status == Status.PENDING
    assert application.amount == Decimal("1000.00")
    assert application.file == aid.file  # the member's active file is the household
    assert application.household_key == f"f{aid.file.pk}"
    assert application.approval_unit == aid.festival.unit
    assert [e.action for e in application.events.all()] == ["recorded"]
    assert AuditEvent.objects.filter(code="assistance.application.recorded").count() == 1
    told = Notification.objects.filter(title__startswith="待审批")
    assert {n.user for n in told} == {aid.chairman}  # the recorder is not told about their own record


def test_no_approver_is_told_about_a_record_that_rolled_back(aid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        record(aid)
        raise RuntimeError
    assert not Notification.objects.exists()
    assert not Application.objects.exists()


def test_a_cadre_of_another_unit_cannot_record_aid_for_a_member_here(aid):
    with pytest.raises(PermissionDenied):
        record(aid, actor=aid.outsider)


def test_an_inactive_programme_or_one_out_of_its_dates_is_refused(aid):
    aid.festival.is_active = False
    aid.festival.save()
    with pytest.raises(AssistanceError, match="已停用"):
        record(aid)
    aid.festival.is_active = True
    aid.festival.ends_on = timezone.localdate() - dt.timedelta(days=1)
    aid.festival.save()
    with pytest.raises(AssistanceError, match="执行期"):
        record(aid)
    assert record(aid, on=aid.festival.ends_on).status == Status.PENDING


def test_a_member_outside_the_programme_units_subtree_is_not_eligible(aid, company):
    grant(aid.cadre, company.sibling, "cadre")
    with pytest.raises(AssistanceError, match="帮扶范围"):
        record(aid, member=aid.outsider_member)


def test_a_programme_for_hardship_households_needs_an_active_file(aid):
    with pytest.raises(AssistanceError, match="没有在档的困难档案"):
        record(aid, member=aid.other_member)
    aid.file.status = FileStatus.EXITED
    aid.file.save()
    with pytest.raises(AssistanceError, match="没有在档的困难档案"):
        record(aid)
    # a programme open to every member takes them without a file
    assert record(aid, aid.school, member=aid.other_member, school_level="junior").file is None


def test_a_file_of_a_level_the_programme_does_not_cover_is_not_eligible(aid):
    aid.festival.eligible_levels = [Level.DEEP]
    aid.festival.save()
    aid.file.level = Level.RELATIVE
    aid.file.save()
    with pytest.raises(AssistanceError, match="相对困难"):
        record(aid)


def test_a_file_of_someone_else_cannot_be_used(aid):
    other_file = make_file(aid.other_member, aid.cadre)
    with pytest.raises(AssistanceError, match="不是这名职工的"):
        record(aid, file=other_file)


def test_a_reason_is_required_and_the_date_cannot_be_in_the_future(aid):
    with pytest.raises(ValidationError) as error:
        record(aid, reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(aid, on=timezone.localdate() + dt.timedelta(days=1))
    assert "on" in error.value.message_dict


def test_traditional_chinese_reasons_are_kept_as_written(aid):
    assert record(aid, reason="家中老人住院,生活困難").reason == "家中老人住院,生活困難"


# --- once per period and caps ----------------------------------------------------------------------


def test_a_household_gets_a_once_per_period_programme_once_a_period(aid):
    first = record(aid)
    with pytest.raises(AssistanceError, match=first.number):
        record(aid)
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, month=6, day=1)
    assert record(aid, on=last_year).period_key == str(last_year.year)


def test_a_voided_application_frees_the_household_for_the_period(aid):
    first = record(aid)
    services.application_void(actor=aid.cadre, application=first, version=first.version, reason="重复登记")
    first.refresh_from_db()
    assert first.status == Status.VOIDED and first.once_key is None
    assert record(aid).status == Status.PENDING


def test_a_reversed_payment_frees_the_household_for_the_period(aid):
    first = paid(aid)
    services.application_reverse(
        actor=aid.treasurer, application=first, version=first.version, reason="发错人"
    )
    assert record(aid).status == Status.PENDING


def test_a_returned_application_still_holds_the_households_place(aid):
    first = record(aid)
    services.application_return(
        actor=aid.chairman, application=first, version=first.version, reason="材料不全"
    )
    with pytest.raises(AssistanceError, match="每户每周期限一次"):
        record(aid)


def test_the_once_key_constraint_becomes_a_clear_message_when_the_check_is_passed_by(aid):
    first = record(aid)
    # A row that no longer counts but still holds the key: only the unique constraint stops the
    # second record, as it does when two records race past the check.
    Application.objects.filter(pk=first.pk).update(status=Status.VOIDED)
    with pytest.raises(AssistanceError, match="每户每周期限一次"):
        record(aid)
    assert Application.objects.count() == 1


def test_programme_periods_name_the_half_year_quarter_and_month(aid):
    day = dt.date(2026, 8, 15)
    assert services.applications.period_key("year", day) == "2026"
    assert services.applications.period_key("half_year", day) == "2026H2"
    assert services.applications.period_key("quarter", day) == "2026Q3"
    assert services.applications.period_key("month", day) == "2026-08"


def test_the_cap_per_person_per_year_counts_every_counting_application(aid):
    record(aid, aid.illness, amount="20000")
    with pytest.raises(AssistanceError, match="每人每年上限 30,000.00") as error:
        record(aid, aid.illness, amount="15000")
    assert "最多还可 10,000.00" in error.value.message
    assert record(aid, aid.illness, amount="10000").amount == Decimal("10000.00")


def test_voided_and_last_years_aid_do_not_count_against_the_cap(aid):
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, month=3, day=1)
    record(aid, aid.illness, amount="20000", on=last_year)
    big = record(aid, aid.illness, amount="20000")
    services.application_void(actor=aid.cadre, application=big, version=big.version, reason="金额有误")
    assert record(aid, aid.illness, amount="20000").status == Status.PENDING
    assert record(aid, aid.illness, amount="10000").status == Status.PENDING


def test_the_cap_per_household_per_year_is_enforced(aid):
    aid.school.cap_per_household_year = Decimal("2000.00")
    aid.school.once_per_period = False
    aid.school.save()
    record(aid, aid.school, school_level="junior")
    with pytest.raises(AssistanceError, match="每户每年上限 2,000.00"):
        record(aid, aid.school, school_level="senior")


def test_a_resubmitted_amount_is_checked_against_the_cap_without_counting_itself(aid):
    aid.illness.cap_per_person_year = Decimal("20000.00")
    aid.illness.save()
    first = record(aid, aid.illness, amount="15000")
    returned = services.application_return(
        actor=aid.upper_chairman, application=first, version=first.version, reason="请核实金额"
    )
    record(aid, aid.illness, amount="5000")  # the returned one still counts: 20,000 used
    with pytest.raises(AssistanceError, match="每人每年上限"):
        services.application_resubmit(
            actor=aid.cadre, application=returned, version=returned.version, amount="16000"
        )
    again = services.application_resubmit(
        actor=aid.cadre, application=returned, version=returned.version, amount="15000", note="已核实"
    )
    assert again.status == Status.PENDING and again.amount == Decimal("15000.00")


# --- approval --------------------------------------------------------------------------------------


def test_above_the_threshold_the_approval_moves_to_the_unit_above(aid, company):
    small = record(aid, aid.illness, amount="5000")
    big = record(aid, aid.illness, amount="5000.01")
    assert small.approval_unit == company.unit
    assert big.approval_unit == company.secondary
    with pytest.raises(PermissionDenied):
        approve(aid, big, actor=aid.chairman)
    assert approve(aid, big, actor=aid.upper_chairman).status == Status.APPROVED


def test_a_resubmitted_bigger_amount_goes_to_the_unit_above(aid, company):
    first = record(aid, aid.illness, amount="3000")
    first = services.application_return(
        actor=aid.chairman, application=first, version=first.version, reason="金额偏低"
    )
    first = services.application_resubmit(
        actor=aid.cadre, application=first, version=first.version, amount="8000"
    )
    assert first.approval_unit == company.secondary


def test_the_recorder_can_never_approve_their_own_record(aid):
    application = record(aid, actor=aid.chairman)
    with pytest.raises(AssistanceError, match="不能审批自己登记"):
        approve(aid, application, actor=aid.chairman)
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(approved_by=aid.chairman)


def test_a_cadre_without_the_approve_capability_cannot_approve(aid, personas):
    application = record(aid, actor=aid.chairman)
    with pytest.raises(PermissionDenied):
        approve(aid, application, actor=aid.cadre)


def test_approval_reserves_the_amount_and_tells_the_treasurer(aid, django_capture_on_commit_callbacks):
    application = record(aid, aid.illness, amount="4000")
    with django_capture_on_commit_callbacks(execute=True):
        application = approve(aid, application)
    aid.fund.refresh_from_db()
    assert aid.fund.reserved == Decimal("4000.00")
    assert aid.fund.available == Decimal("96000.00")
    assert aid.fund.balance == Decimal("100000.00")  # nothing paid yet
    assert application.approved_by == aid.chairman and application.version == 2
    assert {n.user for n in Notification.objects.filter(title__startswith="待发放")} == {aid.treasurer}


def test_an_approval_the_fund_cannot_cover_is_refused_with_the_figures_and_leaves_no_trace(aid, company):
    fund = make_fund(company.unit, aid.chairman, balance="1500.00", name="小额基金")
    programme = make_programme(company.unit, fund, kind=ProgrammeKind.EMERGENCY, code="small")
    first = approve(aid, record(aid, programme, amount="1000"))
    second = record(aid, programme, amount="800")
    with pytest.raises(InsufficientFunds) as error:
        approve(aid, second)
    assert "可用余额不足" in error.value.message and "可用 500.00 元" in error.value.message
    second.refresh_from_db()
    assert second.status == Status.PENDING
    assert not second.events.filter(action="approved").exists()
    assert AuditEvent.objects.filter(code="assistance.application.approved").count() == 1
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved) == (Decimal("1500.00"), Decimal("1000.00"))
    assert first.status == Status.APPROVED


def test_acting_on_an_old_version_is_a_conflict(aid):
    application = record(aid)
    approve(aid, application)
    with pytest.raises(AssistanceConflict):
        services.application_return(actor=aid.chairman, application=application, version=1, reason="再看看")


def test_a_step_the_status_does_not_allow_is_a_conflict(aid):
    application = approve(aid, record(aid))
    with pytest.raises(AssistanceConflict, match="已批准"):
        services.application_void(
            actor=aid.cadre, application=application, version=application.version, reason="不要了"
        )
    with pytest.raises(AssistanceConflict, match="冲正"):
        services.application_reverse(
            actor=aid.treasurer, application=application, version=application.version, reason="错了"
        )


def test_returning_an_approved_application_releases_the_money_and_tells_the_recorder(
    aid, django_capture_on_commit_callbacks
):
    application = approve(aid, record(aid))
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_return(
            actor=aid.treasurer, application=application, version=application.version, reason="银行账号有误"
        )
    aid.fund.refresh_from_db()
    assert aid.fund.reserved == Decimal("0.00")
    assert application.status == Status.RETURNED and application.approved_by is None
    told = Notification.objects.get(title__startswith="已退回")
    assert told.user == aid.cadre and told.body == "银行账号有误"
    with pytest.raises(ValidationError):
        services.application_return(
            actor=aid.chairman, application=application, version=application.version, reason=""
        )


def test_a_treasurer_cannot_return_what_is_still_waiting_for_approval(aid):
    application = record(aid)
    with pytest.raises(PermissionDenied):
        services.application_return(
            actor=aid.treasurer, application=application, version=application.version, reason="不对"
        )


# --- payment and reversal --------------------------------------------------------------------------


def test_payment_consumes_the_reservation_and_sets_the_follow_up(aid):
    application = approve(aid, record(aid, aid.illness, amount="4321.09"))
    outcome = pay(aid, application, reference="ICBC-0001", note="转账")
    application = outcome.target
    assert not outcome.replayed
    assert application.status == Status.PAID
    today = timezone.localdate()
    assert application.paid_on == today and application.paid_at is not None
    assert application.payment_reference == "ICBC-0001"
    assert application.follow_up_due == today + dt.timedelta(days=30)
    aid.fund.refresh_from_db()
    assert (aid.fund.balance, aid.fund.reserved) == (Decimal("95678.91"), Decimal("0.00"))
    entry = FundEntry.objects.get(application=application)
    assert entry.kind == EntryKind.PAYMENT and entry.amount == Decimal("-4321.09")
    assert entry.reference == "ICBC-0001"
    assert services.fund_reconcile(aid.fund)["ok"]


def test_a_programme_without_follow_up_days_sets_no_follow_up(aid):
    aid.festival.follow_up_days = 0
    aid.festival.save()
    application = approve(aid, record(aid))
    paid_on = timezone.localdate() - dt.timedelta(days=2)
    application = pay(aid, application, paid_on=paid_on).target
    assert application.paid_on == paid_on and application.follow_up_due is None


def test_paying_needs_the_pay_capability_on_the_programme_unit(aid):
    application = approve(aid, record(aid))
    with pytest.raises(PermissionDenied):
        pay(aid, application, actor=aid.chairman)
    with pytest.raises(PermissionDenied):
        pay(aid, application, actor=aid.upper_chairman)


def test_the_approver_cannot_pay_where_the_programme_wants_another_payer(aid, company):
    grant(aid.chairman, company.unit, "treasurer")
    application = approve(aid, record(aid))
    with pytest.raises(AssistanceError, match="发放人不能是审批人"):
        pay(aid, application, actor=aid.chairman)
    aid.festival.payer_must_differ = False
    aid.festival.save()
    assert pay(aid, application, actor=aid.chairman).target.status == Status.PAID


def test_a_retried_payment_with_the_same_key_pays_once(aid):
    application = approve(aid, record(aid))
    first = pay(aid, application, key="k-1")
    again = pay(aid, application, key="k-1")
    assert again.replayed and again.target.pk == application.pk
    assert again.target.status == Status.PAID
    assert FundEntry.objects.filter(application=application, kind=EntryKind.PAYMENT).count() == 1
    assert first.target.version == again.target.version
    aid.fund.refresh_from_db()
    assert aid.fund.balance == Decimal("99000.00")


def test_the_same_key_with_another_reference_is_refused(aid):
    application = approve(aid, record(aid))
    pay(aid, application, key="k-1", reference="PZ-1")
    with pytest.raises(IdempotencyKeyReused):
        pay(aid, application, key="k-1", reference="PZ-2")


def test_a_payment_without_a_reference_is_refused_on_the_field(aid):
    application = approve(aid, record(aid))
    with pytest.raises(ValidationError) as error:
        pay(aid, application, reference=" ")
    assert "reference" in error.value.message_dict


def test_a_refused_payment_leaves_the_key_free_for_the_corrected_request(aid, company):
    application = approve(aid, record(aid))
    with pytest.raises(PermissionDenied):
        pay(aid, application, key="k-9", actor=aid.chairman)
    grant(aid.chairman, company.unit, "treasurer")
    aid.festival.payer_must_differ = False
    aid.festival.save()
    assert not pay(aid, application, key="k-9", actor=aid.chairman).replayed


def test_a_reversal_puts_the_money_back_and_keeps_both_entries(aid):
    application = paid(aid, aid.illness, amount="2500")
    aid.fund.refresh_from_db()
    assert aid.fund.balance == Decimal("97500.00")
    with pytest.raises(ValidationError):
        services.application_reverse(
            actor=aid.treasurer, application=application, version=application.version, reason=""
        )
    application = services.application_reverse(
        actor=aid.treasurer, application=application, version=application.version, reason="重复发放"
    )
    assert application.status == Status.REVERSED and application.follow_up_due is None
    entries = FundEntry.objects.filter(application=application).order_by("pk")
    assert [(e.kind, e.amount) for e in entries] == [
        (EntryKind.PAYMENT, Decimal("-2500.00")),
        (EntryKind.REVERSAL, Decimal("2500.00")),
    ]
    assert entries[1].reverses == entries[0]
    aid.fund.refresh_from_db()
    assert aid.fund.balance == Decimal("100000.00")
    assert services.fund_reconcile(aid.fund)["ok"]
    assert [e.action for e in application.events.all()] == ["recorded", "approved", "paid", "reversed"]
    assert AuditEvent.objects.filter(code="assistance.application.reversed").exists()


def test_only_a_treasurer_reverses_a_payment(aid):
    application = paid(aid)
    with pytest.raises(PermissionDenied):
        services.application_reverse(
            actor=aid.chairman, application=application, version=application.version, reason="错了"
        )


def test_every_step_writes_an_event_and_an_audit_row(aid):
    application = record(aid)
    application = services.application_return(
        actor=aid.chairman, application=application, version=application.version, reason="补材料"
    )
    application = services.application_resubmit(
        actor=aid.cadre, application=application, version=application.version, reason="已补齐材料"
    )
    application = approve(aid, application)
    application = pay(aid, application).target
    events = list(ApplicationEvent.objects.filter(application=application))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("recorded", "", "pending"),
        ("returned", "pending", "returned"),
        ("resubmitted", "returned", "pending"),
        ("approved", "pending", "approved"),
        ("paid", "approved", "paid"),
    ]
    assert [e.actor for e in events] == [aid.cadre, aid.chairman, aid.cadre, aid.chairman, aid.treasurer]
    codes = list(
        AuditEvent.objects.filter(code__startswith="assistance.application.")
        .order_by("pk")
        .values_list("code", flat=True)
    )
    assert codes == [f"assistance.application.{e.action}" for e in events]
    assert application.reason == "已补齐材料"


# --- from an appeal --------------------------------------------------------------------------------


def test_starting_assistance_from_a_hardship_appeal_brings_the_member_and_a_suggested_programme(aid, company):
    appeal = make_appeal(
        unit=company.team, by=aid.worker, text="我爱人查出癌症住院做手术,家里实在困难,请工会帮帮忙。"
    )
    initial = services.application_initial_from_appeal(appeal=appeal, fetched_by=aid.cadre)
    assert initial["member"] == aid.member
    assert initial["file"] == aid.file
    assert initial["programme"] == aid.illness
    assert "癌症" in initial["reason"]
    with pytest.raises(Http404):
        services.application_initial_from_appeal(appeal=appeal, fetched_by=aid.outsider)


def test_an_anonymous_appeal_names_no_member(aid, company):
    appeal = make_appeal(
        unit=company.team, by=aid.worker, anonymous=True, text="孩子考上大学交不起學費,希望得到助学金。"
    )
    initial = services.application_initial_from_appeal(appeal=appeal, fetched_by=aid.cadre)
    assert initial["member"] is None and initial["file"] is None
    assert initial["programme"] == aid.school


# --- reads -----------------------------------------------------------------------------------------


def test_the_list_shows_only_applications_in_scope(aid, company):
    mine = record(aid)
    grant(aid.chairman, company.sibling, "chairman")
    sibling_fund = make_fund(company.sibling, aid.chairman, name="轧钢厂基金")
    sibling_programme = make_programme(company.sibling, sibling_fund, requires_file=False, code="rg")
    theirs = record(aid, sibling_programme, member=aid.outsider_member, actor=aid.chairman)
    assert list(application_list(fetched_by=aid.cadre)) == [mine]
    assert list(application_list(fetched_by=aid.outsider)) == [theirs]
    assert set(application_list(fetched_by=aid.upper_chairman)) == {mine, theirs}
    assert list(application_list(fetched_by=aid.worker)) == []
    with pytest.raises(Http404):
        application_get_for_user(fetched_by=aid.outsider, application_id=mine.pk)
    assert application_get_for_user(fetched_by=aid.treasurer, application_id=mine.pk) == mine


def test_the_list_filters_by_status_programme_member_date_and_name_or_number(aid):
    festival = record(aid)
    school = record(aid, aid.school, member=aid.other_member, school_level="senior")
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, month=5, day=1)
    old = record(aid, aid.illness, amount="3000", on=last_year)
    approve(aid, festival)

    def listed(**filters):
        return set(application_list(fetched_by=aid.cadre, filters=ApplicationFilters(**filters)))

    assert listed(status="approved") == {festival}
    assert listed(programme=aid.school) == {school}
    assert listed(member=aid.other_member.pk) == {school}
    assert listed(date_to=last_year) == {old}
    assert listed(date_from=timezone.localdate()) == {festival, school}
    assert listed(q="刘大姐") == {school}
    assert listed(q="劉大姐") == {school}  # traditional characters find the simplified name
    assert listed(q=school.number) == {school}
    assert listed(q=school.number[-6:]) == {school}


def test_the_list_costs_a_fixed_number_of_queries(aid, django_assert_max_num_queries):
    record(aid, aid.school, school_level="junior", member=aid.other_member)
    record(aid)
    record(aid, aid.illness, amount="1000")
    with django_assert_max_num_queries(3):
        shown = [
            (row.programme.name, row.member.name, row.unit.name, row.recorded_by.full_name)
            for row in application_list(fetched_by=aid.cadre)
        ]
    assert len(shown) == 3 and ("两节送温暖", "王小工", "甲班", "赵干部") in shown


def test_the_approval_queue_holds_what_the_user_may_approve_and_did_not_record(aid):
    by_cadre = record(aid)
    by_chairman = record(aid, aid.illness, amount="1000", actor=aid.chairman)
    big = record(aid, aid.illness, amount="8000")
    assert list(approval_queue(fetched_by=aid.chairman)) == [by_cadre]
    assert set(approval_queue(fetched_by=aid.upper_chairman)) == {by_cadre, by_chairman, big}
    assert list(approval_queue(fetched_by=aid.cadre)) == []
    approve(aid, by_cadre)
    assert list(approval_queue(fetched_by=aid.chairman)) == []


def test_the_payment_queue_holds_approved_aid_the_treasurer_may_pay(aid, company):
    first = approve(aid, record(aid))
    second = approve(aid, record(aid, aid.illness, amount="1000"))
    assert list(payment_queue(fetched_by=aid.treasurer)) == [first, second]
    assert list(payment_queue(fetched_by=aid.cadre)) == []
    grant(aid.chairman, company.unit, "treasurer")
    assert list(payment_queue(fetched_by=aid.chairman)) == []  # approved them both himself
    pay(aid, first)
    assert list(payment_queue(fetched_by=aid.treasurer)) == [second]


def test_programmes_offered_for_a_member_are_those_covering_the_members_unit(aid, company):
    group_fund = make_fund(company.secondary, aid.upper_chairman, name="股份公司基金")
    upper = make_programme(company.secondary, group_fund, code="upper")
    sibling = make_programme(company.sibling, group_fund, code="sibling")
    offered = set(programme_list(fetched_by=aid.cadre, member=aid.member))
    assert offered == {aid.festival, aid.school, aid.illness, upper}
    assert sibling not in set(programme_list(fetched_by=aid.cadre))
    aid.school.is_active = False
    aid.school.save()
    assert aid.school not in set(programme_list(fetched_by=aid.cadre, member=aid.member))
