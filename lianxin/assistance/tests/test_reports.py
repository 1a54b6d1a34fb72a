"""Aid statistics, the disclosure list and its Excel export, the dashboard and the stats API.

Applications are written in their final states directly (`grant`): what is counted here is the
status and the day paid, and the application services that move them there are tested on their
own. The period is fixed (2026) so the figures do not depend on today's date.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import load_workbook

from lianxin.assistance.models import (
    Application,
    ApplicationStatus,
    Claim,
    ClaimStatus,
    Enrolment,
    FundKind,
    MutualAidPlan,
    Pairing,
    ProgrammeKind,
    Visit,
)
from lianxin.assistance.selectors.reports import (
    aid_stats,
    disclosure_rows,
    home_counts,
    mutual_aid_figures,
    yuan_text,
)
from lianxin.assistance.services.base import next_number
from lianxin.core.models import AccessLog, AuditEvent

from .factories import make_fund, make_programme

pytestmark = pytest.mark.django_db

YEAR_FROM, YEAR_TO = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
S = ApplicationStatus


def grant(
    aid,
    programme,
    member,
    amount: str,
    *,
    status: str = S.PAID,
    paid_on: dt.date = dt.date(2026, 3, 5),
    file=None,
    goods: str = "",
) -> Application:
    """One application of `member` under `programme`, already in `status`."""
    approved = status in (S.APPROVED, S.PAID, S.REVERSED)
    paid = status in (S.PAID, S.REVERSED)
    return Application.objects.create(
        number=next_number("BF", 2026),
        programme=programme,
        unit=member.unit,
        member=member,
        file=file,
        household_key=f"f{file.pk}" if file else f"m{member.pk}",
        period_key="2026",
        amount=Decimal(amount),
        goods=goods,
        reason="走访中了解到家庭困难",
        status=status,
        approval_unit=programme.unit,
        recorded_by=aid.cadre,
        approved_by=aid.chairman if approved else None,
        paid_by=aid.treasurer if paid else None,
        paid_on=paid_on if paid else None,
        follow_up_due=paid_on + dt.timedelta(days=30) if paid else None,
    )


@pytest.fixture
def books(aid, company):
    """A quarter of 炼钢厂's aid, with every way an application may fail to count, and one
    payment in the sibling works 轧钢厂."""
    sibling_fund = make_fund(company.sibling, aid.chairman, name="轧钢厂帮扶救助基金")
    sibling_festival = make_programme(company.sibling, sibling_fund, kind=ProgrammeKind.FESTIVAL_VISIT)
    counted = [
        grant(aid, aid.festival, aid.member, "1000.00", file=aid.file, paid_on=dt.date(2026, 1, 20)),
        grant(aid, aid.school, aid.member, "1500.00", file=aid.file, paid_on=dt.date(2026, 9, 1)),
        grant(aid, aid.festival, aid.other_member, "1000.00", paid_on=dt.date(2026, 1, 21)),
    ]
    not_counted = [
        grant(aid, aid.illness, aid.member, "8000.00", file=aid.file, status=S.REVERSED),
        grant(aid, aid.illness, aid.other_member, "3000.00", status=S.RETURNED),
        grant(aid, aid.illness, aid.other_member, "2000.00", status=S.VOIDED),
        grant(aid, aid.illness, aid.other_member, "2500.00", status=S.PENDING),
        grant(aid, aid.illness, aid.other_member, "2600.00", status=S.APPROVED),
        grant(aid, aid.festival, aid.other_member, "1000.00", paid_on=dt.date(2025, 12, 30)),
    ]
    sibling = grant(aid, sibling_festival, aid.outsider_member, "800.00", paid_on=dt.date(2026, 2, 1))
    return {"counted": counted, "not_counted": not_counted, "sibling": sibling}


# --- statistics ------------------------------------------------------------------------------------


def test_stats_count_only_paid_aid_in_the_period(aid, company, books):
    stats = aid_stats(fetched_by=aid.cadre, unit=company.unit, date_from=YEAR_FROM, date_to=YEAR_TO)

    assert stats.person_times == 3
    assert stats.households == 2  # the hardship household twice, the other member once
    assert stats.amount == Decimal("3500.00")


def test_a_reversed_payment_stops_counting(aid, company, books):
    paid = books["counted"][1]
    Application.objects.filter(pk=paid.pk).update(status=S.REVERSED)

    stats = aid_stats(fetched_by=aid.cadre, unit=company.unit, date_from=YEAR_FROM, date_to=YEAR_TO)

    assert (stats.person_times, stats.amount) == (2, Decimal("2000.00"))


def test_stats_by_kind_print_the_report_lines(aid, company, books):
    stats = aid_stats(fetched_by=aid.cadre, unit=company.unit, date_from=YEAR_FROM, date_to=YEAR_TO)

    by_kind = {row.key: (row.person_times, row.households, row.amount) for row in stats.by_kind}
    assert by_kind == {
        ProgrammeKind.FESTIVAL_VISIT: (2, 2, Decimal("2000.00")),
        ProgrammeKind.SCHOOL_AID: (1, 1, Decimal("1500.00")),
    }
    assert "两节送温暖 2 人次、2,000 元" in stats.lines
    assert stats.lines[0] == "帮扶 3 人次(2 户)、3,500 元"


def test_amounts_of_ten_thousand_and_more_print_in_wan():
    assert yuan_text(Decimal("1300000.00")) == "130 万元"
    assert yuan_text(Decimal("123456.78")) == "12.35 万元"
    assert yuan_text(Decimal("8500.50")) == "8,500.50 元"


def test_stats_of_a_company_break_down_by_child_works(aid, company, personas, books):
    stats = aid_stats(
        fetched_by=personas.parent_cadre, unit=company.secondary, date_from=YEAR_FROM, date_to=YEAR_TO
    )

    rows = {row.label: (row.person_times, row.households, row.amount) for row in stats.by_unit}
    assert rows == {"炼钢厂": (3, 2, Decimal("3500.00")), "轧钢厂": (1, 1, Decimal("800.00"))}
    assert (stats.person_times, stats.households, stats.amount) == (4, 3, Decimal("4300.00"))


def test_the_works_cadre_does_not_count_the_sibling_works(aid, company, books):
    stats = aid_stats(fetched_by=aid.cadre, date_from=YEAR_FROM, date_to=YEAR_TO)

    assert stats.unit == company.unit
    assert stats.amount == Decimal("3500.00")
    outsider = aid_stats(fetched_by=aid.outsider, date_from=YEAR_FROM, date_to=YEAR_TO)
    assert outsider.amount == Decimal("800.00")


def test_one_programme_narrows_the_stats(aid, company, books):
    stats = aid_stats(
        fetched_by=aid.cadre, unit=company.unit, programme=aid.school, date_from=YEAR_FROM, date_to=YEAR_TO
    )

    assert (stats.person_times, stats.amount) == (1, Decimal("1500.00"))
    assert [row.programme for row in stats.by_programme] == [aid.school]


def test_stats_take_the_same_queries_however_many_child_units(
    aid, company, personas, books, django_assert_max_num_queries
):
    from lianxin.org.models import UnitLevel
    from lianxin.org.tests.factories import make_unit

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            aid_stats(
                fetched_by=personas.parent_cadre, unit=company.secondary, date_from=YEAR_FROM, date_to=YEAR_TO
            )
        return len(captured)

    count()  # the user's roles are read once, on the first read
    before = count()
    for n in range(6):
        make_unit(f"新厂{n}", UnitLevel.UNIT, company.secondary, code=f"U9{n}")
    assert count() == before
    with django_assert_max_num_queries(8):
        aid_stats(
            fetched_by=personas.parent_cadre, unit=company.secondary, date_from=YEAR_FROM, date_to=YEAR_TO
        )


def test_mutual_aid_figures_count_insured_and_paid_claims(aid, company):
    fund = make_fund(company.unit, aid.chairman, name="互助保障基金", kind=FundKind.MUTUAL_AID)
    plan = MutualAidPlan.objects.create(
        unit=company.unit,
        name="2026 年住院互助保障",
        fund=fund,
        starts_on=YEAR_FROM,
        ends_on=YEAR_TO,
        premium=Decimal("30.00"),
        rate=Decimal("0.500"),
    )
    enrolments = [
        Enrolment.objects.create(
            plan=plan, member=member, unit=member.unit, premium=Decimal("30.00"), enrolled_by=aid.cadre
        )
        for member in (aid.member, aid.other_member)
    ]
    for status, benefit in (
        (ClaimStatus.PAID, "1200.00"),
        (ClaimStatus.REVERSED, "900.00"),
        (ClaimStatus.PENDING, "500.00"),
    ):
        Claim.objects.create(
            number=next_number("HZ", 2026),
            plan=plan,
            enrolment=enrolments[0],
            unit=aid.member.unit,
            illness="肺炎住院",
            admitted_on=dt.date(2026, 4, 1),
            invoice_total=Decimal("5000.00"),
            eligible_total=Decimal("4000.00"),
            benefit=Decimal(benefit),
            status=status,
            approval_unit=company.unit,
            recorded_by=aid.cadre,
            paid_on=dt.date(2026, 4, 20) if status != ClaimStatus.PENDING else None,
        )

    figures = mutual_aid_figures(
        fetched_by=aid.cadre, unit=company.unit, date_from=YEAR_FROM, date_to=YEAR_TO
    )

    assert (figures.insured, figures.claims_paid, figures.amount) == (2, 1, Decimal("1200.00"))
    assert mutual_aid_figures(fetched_by=aid.outsider, date_from=YEAR_FROM, date_to=YEAR_TO).insured == 0


# --- disclosure ------------------------------------------------------------------------------------


def test_disclosure_rows_mask_names_and_hold_nothing_of_the_household(aid, company, books):
    rows = list(
        disclosure_rows(fetched_by=aid.cadre, unit=company.unit, date_from=YEAR_FROM, date_to=YEAR_TO)
    )

    assert [(row.name, row.programme, row.amount) for row in rows] == [
        ("王*工", "两节送温暖", Decimal("1000.00")),
        ("刘*姐", "两节送温暖", Decimal("1000.00")),
        ("王*工", "金秋助学", Decimal("1500.00")),
    ]
    flat = " ".join(str(value) for row in rows for value in vars(row).values())
    assert aid.member.id_number_masked[:6] not in flat and aid.member.phone_tail not in flat
    assert "王小工" not in flat


def _download(client, unit, **params):
    query = {"unit": unit.pk, "period": "custom", "date_from": "2026-01-01", "date_to": "2026-12-31"}
    query.update(params)
    return client.get("/assistance/disclosure/", {**query, "download": "xlsx"})


def test_disclosure_excel_has_the_publication_columns_and_a_total(aid, company, books, login):
    response = _download(login(aid.cadre), company.unit)

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]] == [
        "序号",
        "姓名",
        "单位",
        "帮扶项目",
        "金额(元)",
        "发放日期",
        "备注",
    ]
    first = [cell.value for cell in sheet[3]]
    assert first[:5] == [1, "王*工", "甲班", "两节送温暖", 1000]
    assert first[5].date() == dt.date(2026, 1, 20)
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[0] == "合计" and last[4] == 3500
    values = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    assert "王小工" not in values and "8000" not in values


def test_each_disclosure_export_is_logged(aid, company, books, login):
    _download(login(aid.cadre), company.unit)

    event = AuditEvent.objects.get(code="assistance.disclosure.exported")
    assert (event.actor, event.unit, event.detail["rows"]) == (aid.cadre, company.unit, 3)
    access = AccessLog.objects.get(user=aid.cadre, action="export")
    assert access.subject == "assistance.application" and access.record_count == 3


def test_the_treasurer_may_see_the_list_but_not_export_it(aid, company, books, login):
    client = login(aid.treasurer)

    assert client.get("/assistance/disclosure/", {"unit": company.unit.pk}).status_code == 200
    assert _download(client, company.unit).status_code == 403
    assert not AccessLog.objects.filter(action="export").exists()


def test_the_disclosure_page_shows_masked_names_in_pages(aid, company, books, login, htmx):
    client = login(aid.cadre)
    query = {"unit": company.unit.pk, "period": "custom", "date_from": "2026-01-01", "date_to": "2026-12-31"}

    page = client.get("/assistance/disclosure/", query)
    fragment = client.get("/assistance/disclosure/", query, **htmx)

    assert page.status_code == 200 and "<html" in page.content.decode()
    for response in (page, fragment):
        text = response.content.decode()
        assert "王*工" in text and "王小工" not in text
    assert "<html" not in fragment.content.decode()
    assert "导出 Excel" in fragment.content.decode()


# --- pages -----------------------------------------------------------------------------------------


def test_the_reports_page_prints_the_lines_and_the_tables(aid, company, personas, books, login, htmx):
    client = login(personas.parent_cadre)
    query = {
        "unit": company.secondary.pk,
        "period": "custom",
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
    }

    page = client.get("/assistance/reports/", query)
    fragment = client.get("/assistance/reports/", query, **htmx)

    assert page.status_code == 200
    text = page.content.decode()
    assert "帮扶 4 人次(3 户)、4,300 元" in text
    assert "两节送温暖 3 人次、2,800 元" in text
    assert f"?unit={company.unit.pk}&period=custom" in text  # the child works links to its own figures
    assert "<html" not in fragment.content.decode() and "4,300 元" in fragment.content.decode()


def test_a_reports_period_ending_before_it_starts_is_an_error_on_the_field(aid, company, login):
    response = login(aid.cadre).get(
        "/assistance/reports/", {"period": "custom", "date_from": "2026-05-01", "date_to": "2026-04-01"}
    )

    assert response.status_code == 422
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_the_reports_page_reads_a_fixed_number_of_queries(
    aid, company, personas, books, login, django_assert_max_num_queries
):
    client = login(personas.parent_cadre)
    with django_assert_max_num_queries(20):  # 9 of them the page frame (session, roles, navigation)
        response = client.get("/assistance/reports/", {"unit": company.secondary.pk})
    assert response.status_code == 200


def test_the_home_page_counts_this_years_aid_and_the_work_waiting(aid, company, login):
    today = dt.date.today()
    grant(aid, aid.festival, aid.member, "1000.00", file=aid.file, paid_on=today)
    overdue = grant(aid, aid.school, aid.other_member, "800.00", paid_on=today - dt.timedelta(days=40))
    grant(aid, aid.illness, aid.other_member, "3000.00", status=S.PENDING)
    Application.objects.filter(pk=overdue.pk).update(follow_up_due=today - dt.timedelta(days=10))
    aid.file.next_review_on = today + dt.timedelta(days=7)
    aid.file.save(update_fields=["next_review_on"])

    response = login(aid.cadre).get("/assistance/")

    assert response.status_code == 200
    counts = response.context["counts"]
    expected_times = 2 if overdue.paid_on.year == today.year else 1
    assert counts.person_times == expected_times
    assert (counts.pending_approval, counts.reviews_due, counts.follow_ups_missing) == (1, 1, 1)
    assert 'id="todo-follow-ups"' in response.content.decode()


def test_a_pairing_without_visits_for_months_is_behind(aid, company):
    today = dt.date(2026, 7, 1)
    pairing = Pairing.objects.create(
        file=aid.file, leader=aid.leader, unit=aid.file.unit, visits_per_year=4,
        started_on=dt.date(2025, 6, 1), created_by=aid.cadre,
    )  # fmt: skip
    assert home_counts(fetched_by=aid.cadre, today=today).pairings_behind == 1

    for month in (8, 11, 2, 5):
        Visit.objects.create(
            kind=Visit.Kind.PAIRING, file=aid.file, pairing=pairing, unit=aid.file.unit,
            visited_on=dt.date(2025 + (month < 7), month, 10), visitor=aid.leader, notes="入户走访,了解病情和孩子上学情况",
        )  # fmt: skip
    assert home_counts(fetched_by=aid.cadre, today=today).pairings_behind == 0


def test_people_without_assistance_view_cannot_open_the_desk(aid, personas, login):
    assert login(personas.worker).get("/assistance/").status_code == 403


# --- API -------------------------------------------------------------------------------------------


def test_the_stats_api_answers_the_figures_by_programme(aid, company, books, login):
    response = login(aid.cadre).get(
        "/api/v1/assistance/stats", {"unit": company.unit.pk, "from": "2026-01-01", "to": "2026-12-31"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["person_times"], body["households"], Decimal(body["amount"])) == (3, 2, Decimal("3500.00"))
    by_programme = {row["programme_id"]: row["person_times"] for row in body["by_programme"]}
    assert by_programme == {aid.festival.pk: 2, aid.school.pk: 1}


def test_the_stats_api_filters_by_programme(aid, company, books, login):
    response = login(aid.cadre).get(
        "/api/v1/assistance/stats", {"programme": aid.school.pk, "from": "2026-01-01", "to": "2026-12-31"}
    )

    assert Decimal(response.json()["amount"]) == Decimal("1500.00")


def test_the_stats_api_refuses_a_period_ending_before_it_starts(aid, login):
    response = login(aid.cadre).get("/api/v1/assistance/stats", {"from": "2026-05-01", "to": "2026-04-01"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "query.to"


def test_the_stats_api_hides_units_and_programmes_out_of_scope(aid, company, books, login):
    client = login(aid.outsider)

    assert client.get("/api/v1/assistance/stats", {"unit": company.unit.pk}).status_code == 404
    assert client.get("/api/v1/assistance/stats", {"programme": aid.festival.pk}).status_code == 404


def test_a_worker_gets_403_from_the_stats_api(aid, personas, login):
    assert login(personas.worker).get("/api/v1/assistance/stats").status_code == 403


def test_the_navigation_offers_assistance_to_cadres_and_my_pairings_to_paired_leaders(aid, personas, login):
    Pairing.objects.create(
        file=aid.file, leader=aid.leader, unit=aid.file.unit, visits_per_year=4, created_by=aid.cadre
    )

    def labels(user) -> list[str]:
        response = login(user).get("/")
        return [str(label) for label, _href, _key in response.context["nav_items"]]

    assert "困难帮扶" in labels(aid.cadre) and "我的结对" not in labels(aid.cadre)
    assert "我的结对" in labels(aid.leader) and "困难帮扶" not in labels(aid.leader)
    assert not {"困难帮扶", "我的结对"} & set(labels(personas.worker))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-pass statement is PostgreSQL's")
def test_the_one_pass_figures_agree_with_plain_grouped_selects(aid, company, personas, books):
    from lianxin.assistance.selectors import reports

    grant(aid, aid.illness, aid.member, "6000.00", file=aid.file, paid_on=dt.date(2026, 5, 5))
    grant(aid, aid.festival, aid.outsider_member, "1000.00", paid_on=dt.date(2026, 1, 30))
    for unit in (company.group, company.secondary, company.unit, company.section):
        root, units = reports._breakdown_root(personas.administrator, unit)
        arguments = {
            "fetched_by": personas.administrator, "unit": unit, "root": root, "units": units,
            "programme": None, "kind": "", "date_from": YEAR_FROM, "date_to": YEAR_TO,
        }  # fmt: skip

        def plain(rows: dict) -> dict:
            return {
                dim: sorted((row["key"], row["n"], row["h"], Decimal(row["a"])) for row in found)
                for dim, found in rows.items()
            }

        one_pass = plain(reports._figures_postgres(**arguments, choices=None))
        assert one_pass == plain(reports._figures_orm(**arguments)), unit.name
        assert one_pass["total"]


def test_a_unit_number_past_any_id_is_not_found_rather_than_an_error(aid, login):
    client = login(aid.cadre)

    assert client.get("/assistance/reports/", {"unit": "9" * 30}).status_code == 404
    assert client.get("/assistance/disclosure/", {"unit": "９"}).status_code == 404
