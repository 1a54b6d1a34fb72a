"""The aid-application, fund and campaign pages: who may, who may not, who gets 404, and what each
page shows (masked names in lists, the steps a viewer may take, clear errors, one payment per key)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from lianxin.appeals.tests.factories import make_appeal
from lianxin.assistance import services
from lianxin.assistance.models import (
    Application,
    ApplicationStatus,
    Campaign,
    EntryKind,
    Fund,
    FundEntry,
)
from lianxin.assistance.tests.factories import make_fund
from lianxin.core.models import AccessLog
from lianxin.core.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
LIST = reverse("assistance:applications")
NEW = reverse("assistance:application_new")
AMOUNT = reverse("assistance:application_amount")
MEMBERS = reverse("assistance:application_member_options")
FUNDS = reverse("assistance:funds")
CAMPAIGNS = reverse("assistance:campaigns")
CAMPAIGN_NEW = reverse("assistance:campaign_new")
HARDSHIP = "我爱人上个月查出尿毒症,每周要透析三次,医药费负担很重,孩子还在上高中,家里实在困难,希望工会帮帮忙。"


def detail(application) -> str:
    return reverse("assistance:application_detail", args=[application.pk])


def act(application, name: str) -> str:
    return reverse("assistance:application_action", args=[application.pk, name])


def ledger(fund) -> str:
    return reverse("assistance:fund_detail", args=[fund.pk])


def fresh(application) -> Application:
    return Application.objects.get(pk=application.pk)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def record(aid, programme=None, member=None, **fields) -> Application:
    fields.setdefault("reason", "家中老人住院,生活困难")
    return services.application_record(
        actor=fields.pop("actor", aid.cadre),
        programme=programme or aid.festival,
        member=member or aid.member,
        **fields,
    )


def approved(aid, **fields) -> Application:
    application = record(aid, **fields)
    return services.application_approve(
        actor=aid.chairman, application=application, version=application.version
    )


def paid(aid, **fields) -> Application:
    application = approved(aid, **fields)
    outcome = services.application_pay(
        actor=aid.treasurer,
        application=application,
        version=application.version,
        reference="PZ-0001",
        idempotency_key=f"seed-{application.pk}",
    )
    return outcome.target


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_shows_applications_in_scope_with_the_beneficiary_masked(aid, login):
    mine = record(aid)
    theirs = record(aid, programme=aid.school, member=aid.other_member, school_level="junior")
    response = login(aid.cadre).get(LIST)
    assert response.status_code == 200
    page = text_of(response)
    assert mine.number in page and theirs.number in page
    assert "王*工" in page and "刘*姐" in page
    assert "王小工" not in page and "刘大姐" not in page


def test_an_outsider_sees_none_of_another_factorys_applications(aid, login):
    application = record(aid)
    response = login(aid.outsider).get(f"{LIST}?status=all")
    assert response.status_code == 200
    assert application.number not in response.content.decode()


def test_a_worker_without_assistance_roles_may_not_open_the_list(aid, login):
    assert login(aid.worker).get(LIST).status_code == 403


def test_the_chairman_starts_on_what_waits_for_their_approval_and_not_what_they_recorded(aid, login):
    by_cadre = record(aid)
    by_chairman = record(
        aid, programme=aid.school, member=aid.other_member, school_level="senior", actor=aid.chairman
    )
    response = login(aid.chairman).get(LIST)
    page = response.content.decode()
    assert 'id="tab-to_approve"' in page and 'aria-current="page">待我审批' in page
    assert by_cadre.number in page
    assert by_chairman.number not in page


def test_the_treasurer_starts_on_what_is_approved_and_waits_for_payment(aid, login):
    waiting = approved(aid)
    pending = record(aid, programme=aid.school, member=aid.other_member, school_level="junior")
    page = login(aid.treasurer).get(LIST).content.decode()
    assert 'aria-current="page">待我发放' in page
    assert waiting.number in page and pending.number not in page


def test_status_tabs_and_filters_narrow_the_list(aid, login):
    pending = record(aid)
    other = approved(aid, programme=aid.school, member=aid.other_member, school_level="junior")
    client = login(aid.cadre)
    page = client.get(f"{LIST}?status=approved").content.decode()
    assert other.number in page and pending.number not in page
    page = client.get(f"{LIST}?status=all&q=刘大姐").content.decode()
    assert other.number in page and pending.number not in page
    page = client.get(f"{LIST}?status=all&programme={aid.festival.pk}").content.decode()
    assert pending.number in page and other.number not in page


def test_with_htmx_the_list_answers_only_the_tabs_and_the_table(aid, login, htmx):
    application = record(aid)
    response = login(aid.cadre).get(f"{LIST}?status=pending", **htmx)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="application-table"' in body and application.number in body


def test_the_list_costs_the_same_few_queries_however_many_rows_it_shows(
    aid, login, company, django_assert_max_num_queries
):
    from lianxin.members.tests.factories import make_member

    client = login(aid.chairman)
    client.get(f"{LIST}?status=all")  # warm the session
    for n in range(12):
        member = make_member(company.team2, f"职工{n}")
        record(aid, programme=aid.school, member=member, school_level="junior")
    with django_assert_max_num_queries(12):
        response = client.get(f"{LIST}?status=all")
    assert response.content.decode().count("BF-") >= 12


# --- recording -----------------------------------------------------------------------------------------


def test_a_cadre_records_an_application_and_lands_on_it_waiting_for_approval(aid, login):
    client = login(aid.cadre)
    response = client.post(
        NEW, {"programme": aid.festival.pk, "member": aid.member.member_no, "reason": "两节慰问,家中困难"}
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(application)
    assert application.status == Status.PENDING and application.amount == Decimal("1000.00")
    assert application.recorded_by == aid.cadre and application.file == aid.file
    page = text_of(client.get(detail(application)))
    assert "等待审批" in page and application.number in page


def test_the_member_is_found_by_name_and_a_missing_one_is_said_on_the_field(aid, login):
    client = login(aid.cadre)
    response = client.post(NEW, {"programme": aid.festival.pk, "member": "王小工", "reason": "慰问"})
    assert response.status_code == 302
    response = client.post(NEW, {"programme": aid.festival.pk, "member": "何师傅", "reason": "慰问"})
    assert response.status_code == 422
    assert "在您的范围内没有找到这名会员" in response.content.decode()  # 何师傅 works in 轧钢厂


def test_a_programme_rule_refusal_is_shown_on_the_form(aid, login):
    record(aid)
    response = login(aid.cadre).post(
        NEW, {"programme": aid.festival.pk, "member": aid.member.member_no, "reason": "再慰问一次"}
    )
    assert response.status_code == 422
    assert "每户每周期限一次" in response.content.decode()
    assert Application.objects.count() == 1


def test_a_school_aid_amount_outside_its_level_is_refused_on_the_amount_field(aid, login):
    response = login(aid.cadre).post(
        NEW,
        {
            "programme": aid.school.pk,
            "member": aid.other_member.member_no,
            "school_level": "senior",
            "amount": "9999.00",
            "reason": "孩子上高中",
        },
    )
    assert response.status_code == 422
    assert "按标准金额 1,500.00 元发放" in response.content.decode()


def test_the_amount_follows_the_programme_and_the_school_level(aid, login, htmx):
    client = login(aid.cadre)
    festival = client.get(AMOUNT, {"programme": aid.festival.pk}, **htmx).content.decode()
    assert 'value="1000.00"' in festival and "标准金额 1,000.00 元" in festival
    school = client.get(
        AMOUNT, {"programme": aid.school.pk, "school_level": "senior"}, **htmx
    ).content.decode()
    assert 'name="school_level"' in school and 'value="1500.00"' in school
    college = client.get(AMOUNT, {"programme": aid.school.pk, "school_level": "college"}, **htmx)
    assert 'value="3000.00"' in college.content.decode()


def test_member_suggestions_list_only_members_the_cadre_may_record_aid_for(aid, login, htmx):
    client = login(aid.cadre)
    body = client.get(MEMBERS, {"member": "刘"}, **htmx).content.decode()
    assert aid.other_member.member_no in body
    assert aid.outsider_member.member_no not in client.get(MEMBERS, {"member": "何"}, **htmx).content.decode()


def test_start_assistance_from_a_hardship_appeal_prefills_member_reason_and_programme(aid, login, company):
    appeal = make_appeal(unit=company.team, by=aid.worker, text=HARDSHIP, code="hardship")
    response = login(aid.cadre).get(f"{NEW}?appeal={appeal.pk}")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{aid.member.member_no}"' in page
    assert "尿毒症" in page and appeal.number in page
    assert f'name="appeal" value="{appeal.pk}"' in page
    assert re.search(rf'<option value="{aid.illness.pk}" selected>', page)


def test_an_application_started_from_an_appeal_keeps_the_link(aid, login, company):
    appeal = make_appeal(unit=company.team, by=aid.worker, text=HARDSHIP, code="hardship")
    response = login(aid.cadre).post(
        NEW,
        {
            "programme": aid.illness.pk,
            "member": aid.member.member_no,
            "amount": "3000.00",
            "reason": HARDSHIP,
            "appeal": appeal.pk,
        },
    )
    assert response.status_code == 302
    assert Application.objects.get().appeal == appeal


def test_an_appeal_or_file_outside_scope_cannot_prefill_the_form(aid, login, company):
    appeal = make_appeal(unit=company.team, by=aid.worker, text=HARDSHIP, code="hardship")
    client = login(aid.outsider)
    assert client.get(f"{NEW}?appeal={appeal.pk}").status_code == 404
    assert client.get(f"{NEW}?file={aid.file.pk}").status_code == 404
    assert client.get(f"{NEW}?member={aid.member.pk}").status_code == 404


def test_a_file_prefills_its_member(aid, login):
    page = login(aid.cadre).get(f"{NEW}?file={aid.file.pk}").content.decode()
    assert f'value="{aid.member.member_no}"' in page and aid.file.number in page


def test_the_treasurer_may_not_record_aid(aid, login):
    assert login(aid.treasurer).get(NEW).status_code == 403


def test_the_hardship_appeal_offers_start_assistance_only_to_who_may_record_aid(aid, login, company):
    hardship = make_appeal(unit=company.team, by=aid.worker, text=HARDSHIP, code="hardship")
    wages = make_appeal(
        unit=company.team, by=aid.worker, text="这个月的夜班费没有按新标准发放。", code="wages"
    )
    link = f"{NEW}?appeal={hardship.pk}"
    client = login(aid.cadre)
    assert link in client.get(reverse("appeals:detail", args=[hardship.pk])).content.decode()
    assert "发起帮扶" not in client.get(reverse("appeals:detail", args=[wages.pk])).content.decode()
    leader = UserFactory(username="appeal_leader")
    grant(leader, company.unit, "leader")  # sees appeals, records no aid
    assert "发起帮扶" not in login(leader).get(reverse("appeals:detail", args=[hardship.pk])).content.decode()


# --- one application and its steps -----------------------------------------------------------------


def test_the_detail_names_the_beneficiary_and_logs_the_view(aid, login):
    application = record(aid)
    response = login(aid.chairman).get(detail(application))
    assert response.status_code == 200
    assert "王小工" in response.content.decode()
    log = AccessLog.objects.get(subject=f"assistance.application:{application.pk}")
    assert log.user == aid.chairman and "reason" in log.fields


def test_an_outsider_gets_404_for_the_application_and_its_steps(aid, login):
    application = record(aid)
    client = login(aid.outsider)
    assert client.get(detail(application)).status_code == 404
    response = client.post(act(application, "approve"), {"version": application.version})
    assert response.status_code == 404
    assert fresh(application).status == Status.PENDING


def test_the_recorder_is_told_someone_else_approves_and_gets_no_approve_button(aid, login):
    application = record(aid, actor=aid.chairman)
    page = login(aid.chairman).get(detail(application)).content.decode()
    assert 'id="step-approve"' not in page
    assert "须由其他有审批权的人审批" in page


def test_the_chairman_approves_and_the_fund_reserves_the_amount(aid, login):
    application = record(aid)
    client = login(aid.chairman)
    assert 'id="step-approve"' in client.get(detail(application)).content.decode()
    response = client.post(act(application, "approve"), {"version": application.version, "note": "同意"})
    assert response.status_code == 302
    assert fresh(application).status == Status.APPROVED
    assert Fund.objects.get(pk=aid.fund.pk).reserved == Decimal("1000.00")


def test_a_cadre_without_approval_rights_is_refused_403(aid, login):
    application = record(aid, actor=aid.chairman)
    response = login(aid.cadre).post(act(application, "approve"), {"version": application.version})
    assert response.status_code == 403
    assert fresh(application).status == Status.PENDING


def test_an_approval_the_fund_cannot_cover_shows_the_shortfall_on_the_form(aid, login, company):
    poor = make_fund(company.unit, aid.chairman, balance="500.00", name="小额基金")
    aid.festival.fund = poor
    aid.festival.save(update_fields=["fund"])
    application = record(aid)
    response = login(aid.chairman).post(act(application, "approve"), {"version": application.version})
    assert response.status_code == 422
    assert "可用余额不足" in response.content.decode()
    assert fresh(application).status == Status.PENDING


def test_acting_on_what_someone_already_changed_says_refresh_with_409(aid, login, htmx):
    application = record(aid)
    stale = application.version
    services.application_approve(actor=aid.upper_chairman, application=application, version=stale)
    client = login(aid.chairman)
    response = client.post(act(application, "return"), {"version": stale, "reason": "材料不全"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "有人先一步处理了这份申请" in page and "刷新" in page
    response = client.post(act(application, "return"), {"version": stale, "reason": "材料不全"}, **htmx)
    assert response.status_code == 409 and response["HX-Retarget"] == "#application-alerts"
    assert "<html" not in response.content.decode()


def test_with_htmx_a_step_done_redirects_and_a_bad_one_answers_the_form(aid, login, htmx):
    application = record(aid)
    client = login(aid.chairman)
    response = client.post(act(application, "return"), {"version": application.version}, **htmx)
    assert response.status_code == 422 and 'id="application-actions"' in response.content.decode()
    assert "<html" not in response.content.decode()
    response = client.post(
        act(application, "return"), {"version": application.version, "reason": "缺少证明"}, **htmx
    )
    assert response.status_code == 204 and response["HX-Redirect"] == detail(application)
    assert fresh(application).status == Status.RETURNED


def test_the_treasurer_pays_with_a_voucher_and_the_ledger_shows_it(aid, login):
    application = approved(aid)
    client = login(aid.treasurer)
    page = client.get(detail(application)).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)
    response = client.post(
        act(application, "pay"),
        {"version": application.version, "reference": "PZ-2026-0088", "idempotency_key": key},
    )
    assert response.status_code == 302
    application = fresh(application)
    assert application.status == Status.PAID and application.payment_reference == "PZ-2026-0088"
    rows = text_of(client.get(ledger(aid.fund)))
    assert "PZ-2026-0088" in rows and "-1000.00" in rows and "99000.00" in rows


def test_a_double_submitted_payment_pays_once_and_says_so(aid, login):
    application = approved(aid)
    client = login(aid.treasurer)
    form = {"version": application.version, "reference": "PZ-2026-0099", "idempotency_key": "one-time-key-1"}
    assert client.post(act(application, "pay"), form).status_code == 302
    again = client.post(act(application, "pay"), form, follow=True)
    assert again.status_code == 200
    assert "重复提交没有重复发放" in again.content.decode()
    assert FundEntry.objects.filter(application=application, kind=EntryKind.PAYMENT).count() == 1
    assert Fund.objects.get(pk=aid.fund.pk).balance == Decimal("99000.00")


def test_a_payment_without_a_voucher_is_refused_on_the_field_and_keeps_its_key(aid, login):
    application = approved(aid)
    response = login(aid.treasurer).post(
        act(application, "pay"), {"version": application.version, "reference": "", "idempotency_key": "k-77"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'name="idempotency_key" value="k-77"' in page
    assert fresh(application).status == Status.APPROVED


def test_the_approver_is_not_offered_the_payment_where_another_payer_is_required(aid, login, company):
    grant(aid.chairman, company.unit, "treasurer")
    application = approved(aid)
    page = login(aid.chairman).get(detail(application)).content.decode()
    assert 'id="step-pay"' not in page and "须由其他人登记发放" in page


def test_a_returned_application_is_resubmitted_or_voided_by_the_recorder(aid, login):
    application = record(aid)
    application = services.application_return(
        actor=aid.chairman, application=application, version=application.version, reason="请补充证明"
    )
    client = login(aid.cadre)
    page = client.get(detail(application)).content.decode()
    assert 'id="step-resubmit"' in page and 'id="step-void"' in page
    response = client.post(
        act(application, "resubmit"), {"version": application.version, "reason": "已补充证明"}
    )
    assert response.status_code == 302 and fresh(application).status == Status.PENDING
    response = client.post(
        act(application, "void"), {"version": fresh(application).version, "reason": "重复登记"}
    )
    assert response.status_code == 302 and fresh(application).status == Status.VOIDED


def test_the_treasurer_reverses_a_wrong_payment_and_the_money_comes_back(aid, login):
    application = paid(aid)
    client = login(aid.treasurer)
    response = client.post(
        act(application, "reverse"), {"version": application.version, "reason": "重复发放"}
    )
    assert response.status_code == 302
    assert fresh(application).status == Status.REVERSED
    assert Fund.objects.get(pk=aid.fund.pk).balance == Decimal("100000.00")
    page = text_of(client.get(detail(application)))
    assert "冲正" in page and "重复发放" in page


def test_the_timeline_lists_every_step_with_who_took_it(aid, login):
    application = paid(aid)
    page = text_of(login(aid.cadre).get(detail(application)))
    for words in ("登记", "批准", "发放", "赵干部", "吴主席", "冯出纳"):
        assert words in page


def test_an_unknown_step_is_404_and_a_step_by_get_goes_back_to_the_page(aid, login):
    application = record(aid)
    client = login(aid.chairman)
    assert client.post(act(application, "delete"), {"version": 1}).status_code == 404
    response = client.get(act(application, "approve"))
    assert response.status_code == 302 and response["Location"].endswith("#step-approve")


# --- funds ---------------------------------------------------------------------------------------------


def test_the_funds_page_shows_balance_reserved_and_available(aid, login):
    approved(aid)
    page = login(aid.cadre).get(FUNDS).content.decode()
    row = page[page.index(f'id="fund-{aid.fund.pk}"') :]
    assert "100000.00" in row and "1000.00" in row and "99000.00" in row


def test_the_funds_page_lists_only_funds_in_scope(aid, login, company):
    sibling = make_fund(company.sibling, aid.chairman, name="轧钢厂帮扶基金")
    page = login(aid.cadre).get(FUNDS).content.decode()
    assert aid.fund.name in page and sibling.name not in page
    assert login(aid.worker).get(FUNDS).status_code == 403


def test_the_ledger_is_newest_first_with_the_running_balance(aid, login):
    services.fund_income_record(
        actor=aid.chairman, fund=aid.fund, kind="donation", amount="500.00", donor="宝钢工会"
    )
    paid(aid)
    rows = login(aid.cadre).get(ledger(aid.fund)).content.decode()
    table = rows[rows.index('id="ledger-table"') :]
    balances = re.findall(r'ledger-balance">([\d.,]+)<', table)
    assert balances == ["99500.00", "100500.00", "100000.00"]
    assert "宝钢工会" in table


def test_the_ledger_filters_by_kind_and_date(aid, login):
    services.fund_income_record(
        actor=aid.chairman, fund=aid.fund, kind="donation", amount="500.00", donor="宝钢工会"
    )
    client = login(aid.cadre)
    page = client.get(f"{ledger(aid.fund)}?kind=donation").content.decode()
    assert page.count('class="ledger-row') == 1
    page = client.get(f"{ledger(aid.fund)}?date_from=2001-01-01&date_to=2001-12-31").content.decode()
    assert page.count('class="ledger-row') == 0


def test_the_ledger_reads_one_page_and_a_count_however_long_it_is(
    aid, login, company, django_assert_max_num_queries, htmx
):
    from lianxin.members.tests.factories import make_member

    for n in range(6):
        member = make_member(company.team2, f"职工{n}")
        paid(aid, programme=aid.school, member=member, school_level="junior")
    campaign = services.campaign_create(
        actor=aid.chairman,
        unit=company.unit,
        fund=aid.fund,
        name="金秋助学募捐",
        starts_on=aid.fund.created_at.date(),
        ends_on=aid.fund.created_at.date(),
    )
    for n in range(30):
        services.fund_income_record(
            actor=aid.chairman,
            fund=aid.fund,
            kind="donation",
            amount="10.00",
            donor=f"捐款人{n}",
            campaign=campaign,
        )
    client = login(aid.cadre)
    client.get(ledger(aid.fund))  # warm the session
    with django_assert_max_num_queries(9):  # session, user, roles, fund, count, page, navigation
        response = client.get(ledger(aid.fund))
    assert response.content.decode().count('class="ledger-row') == 37
    with django_assert_max_num_queries(6):
        response = client.get(ledger(aid.fund), **htmx)
    assert "<html" not in response.content.decode()


def test_an_outsider_gets_404_for_the_ledger(aid, login):
    assert login(aid.outsider).get(ledger(aid.fund)).status_code == 404


def test_the_chairman_records_a_donation_and_an_anonymous_one_shows_no_name(aid, login):
    client = login(aid.chairman)
    income = reverse("assistance:fund_income", args=[aid.fund.pk])
    response = client.post(
        income, {"kind": "donation", "amount": "800.00", "donor": "李四", "donor_anonymous": "on"}
    )
    assert response.status_code == 302
    page = text_of(client.get(ledger(aid.fund)))
    assert "匿名" in page and "李四" not in page and "100800.00" in page


def test_a_donation_needs_a_donor_or_anonymity(aid, login):
    income = reverse("assistance:fund_income", args=[aid.fund.pk])
    response = login(aid.chairman).post(income, {"kind": "donation", "amount": "800.00"})
    assert response.status_code == 422
    assert "请填写捐款人或单位" in response.content.decode()


def test_a_cadre_may_read_the_ledger_but_not_record_money(aid, login):
    client = login(aid.cadre)
    assert 'id="fund-income-link"' not in client.get(ledger(aid.fund)).content.decode()
    assert client.get(reverse("assistance:fund_income", args=[aid.fund.pk])).status_code == 403
    assert client.get(reverse("assistance:fund_transfer", args=[aid.fund.pk])).status_code == 403


def test_a_transfer_moves_money_between_two_funds_and_both_ledgers_show_it(aid, login, company):
    target = make_fund(company.unit, aid.chairman, balance="0", name="金秋助学专项")
    client = login(aid.chairman)
    transfer = reverse("assistance:fund_transfer", args=[aid.fund.pk])
    response = client.post(transfer, {"target": target.pk, "amount": "2000.00", "note": "助学专项"})
    assert response.status_code == 302
    assert Fund.objects.get(pk=aid.fund.pk).balance == Decimal("98000.00")
    assert Fund.objects.get(pk=target.pk).balance == Decimal("2000.00")
    assert "调入" in text_of(client.get(ledger(target)))


def test_a_transfer_beyond_what_is_free_is_refused_with_the_figures(aid, login, company):
    target = make_fund(company.unit, aid.chairman, balance="0", name="金秋助学专项")
    response = login(aid.chairman).post(
        reverse("assistance:fund_transfer", args=[aid.fund.pk]), {"target": target.pk, "amount": "200000.00"}
    )
    assert response.status_code == 422
    assert "可用余额不足" in response.content.decode()


# --- campaigns -----------------------------------------------------------------------------------------


def test_a_campaign_collects_donations_and_shows_raised_against_its_goal(aid, login, company):
    client = login(aid.chairman)
    response = client.post(
        CAMPAIGN_NEW,
        {
            "name": "金秋助学募捐",
            "unit": company.unit.pk,
            "fund": aid.fund.pk,
            "goal": "10000.00",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "assistance:campaign_detail", args=[campaign.pk]
    )
    income = reverse("assistance:fund_income", args=[aid.fund.pk])
    client.post(income, {"kind": "donation", "amount": "3000.00", "donor": "张三", "campaign": campaign.pk})
    client.post(
        income,
        {
            "kind": "donation",
            "amount": "1000.00",
            "donor": "李四",
            "donor_anonymous": "on",
            "campaign": campaign.pk,
        },
    )
    page = text_of(client.get(reverse("assistance:campaign_detail", args=[campaign.pk])))
    assert "4000.00" in page and "40.0%" in page
    assert "张三" in page and "李四" not in page and "匿名" in page
    listing = text_of(login(aid.cadre).get(CAMPAIGNS))
    assert "金秋助学募捐" in listing and "4000.00" in listing


def test_an_outsider_gets_404_for_a_campaign_and_a_cadre_may_not_start_one(aid, login, company):
    campaign = services.campaign_create(
        actor=aid.chairman,
        unit=company.unit,
        fund=aid.fund,
        name="送温暖募捐",
        starts_on=aid.fund.created_at.date(),
        ends_on=aid.fund.created_at.date(),
    )
    assert (
        login(aid.outsider).get(reverse("assistance:campaign_detail", args=[campaign.pk])).status_code == 404
    )
    assert login(aid.cadre).get(CAMPAIGN_NEW).status_code == 403
