"""The ledger (台账): a unit's month of appeals as Excel, with the office's columns, names masked,
only the month's rows, only in scope, and every export logged."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from lianxin.appeals import services
from lianxin.appeals.models import Channel, State
from lianxin.appeals.tests.factories import drive, make_appeal
from lianxin.core.models import AccessLog, AuditEvent
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.core.text import mask_name

CST = dt.timezone(dt.timedelta(hours=8))
LEDGER = reverse("appeals:ledger")
HEADERS = ("序号", "受理日期", "诉求人", "诉求内容", "类别", "承办单位", "办理结果", "办结日期", "满意度")

NIGHT_PAY = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问人力资源部。"
CANTEEN = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?"
SECRET = "班长长期克扣我们的加班费,怕被报复,请为我保密。"
LOCKERS = "乙班更衣柜不够用,新员工没有柜子放衣物。"
SHOES = "四月的劳保鞋还没发,旧鞋已经开胶。"
BATH = "热轧车间澡堂热水不够,下班排长队。"


def at(month: int, day: int, hour: int = 9):
    return time_machine.travel(dt.datetime(2026, month, day, hour, 0, tzinfo=CST))


def rows_of(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def march(company, personas):
    """March 2026 at 炼钢厂: a named appeal rated satisfied, an anonymous one, a confidential one,
    a recorded call with a caller's name, a rejected one; April and 轧钢厂 each have one more."""
    cadre = personas.cadre
    with at(3, 2):
        named = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY, code="wages")
        anonymous = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN, anonymous=True)
        secret = make_appeal(unit=company.team, by=personas.worker, text=SECRET, confidential=True)
        called = make_appeal(
            unit=company.team2, by=cadre, text=LOCKERS, channel=Channel.HOTLINE, contact_name="欧阳小明"
        )
        sibling = make_appeal(unit=company.sibling_team, by=personas.outsider, text=BATH)
        drive(named, State.ANSWERED, handler=cadre)
    with at(3, 3):
        services.appeal_rate(appeal=named, score="satisfied")
    with at(3, 31, 23):
        rejected = make_appeal(unit=company.section, by=cadre, text="希望公司给每个班组配一台咖啡机。")
        services.appeal_reject(
            appeal=rejected, rejected_by=cadre, reason="不属于工会受理范围,已转告行政部门。"
        )
    with at(4, 1, 0):
        april = make_appeal(unit=company.team, by=personas.worker, text=SHOES)
    return {
        "named": named,
        "anonymous": anonymous,
        "secret": secret,
        "called": called,
        "rejected": rejected,
        "sibling": sibling,
        "april": april,
    }


def test_mask_name_keeps_the_first_and_last_character():
    assert [mask_name(n) for n in ("王小工", "张伟", "欧阳小明", "李", "")] == [
        "王*工",
        "张*",
        "欧**明",
        "*",
        "",
    ]


def test_ledger_has_the_title_the_exact_headers_and_the_months_rows_in_order(login, company, personas, march):
    with at(4, 10):
        response = login(personas.cadre).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert "炼钢厂" in rows[0][0] and "2026年3月" in rows[0][0]
    assert rows[1] == HEADERS
    body = rows[2:]
    assert [row[0] for row in body] == [1, 2, 3, 4, 5]
    contents = [row[3] for row in body]
    assert contents == [NIGHT_PAY, CANTEEN, "(保密)", LOCKERS, "希望公司给每个班组配一台咖啡机。"]
    assert SHOES not in contents and BATH not in contents


def test_ledger_masks_names_and_shows_anonymous_as_such(login, company, personas, march):
    with at(4, 10):
        rows = rows_of(login(personas.cadre).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"}))

    by_content = {row[3]: row for row in rows[2:]}
    assert by_content[NIGHT_PAY][2] == "王*工"
    assert by_content[CANTEEN][2] == "匿名"
    assert by_content[LOCKERS][2] == "欧**明"
    flat = " ".join(str(cell) for row in rows for cell in row if cell is not None)
    assert "王小工" not in flat and "欧阳小明" not in flat and SECRET not in flat


def test_ledger_row_holds_dates_category_unit_result_and_rating(login, company, personas, march):
    with at(4, 10):
        rows = rows_of(login(personas.cadre).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"}))

    by_content = {row[3]: row for row in rows[2:]}
    named = by_content[NIGHT_PAY]
    assert named[1].date() == dt.date(2026, 3, 2)
    assert (named[4], named[5], named[6]) == ("工资薪酬", "炼钢厂", "已协调相关部门解决,请您查看。")
    assert named[7].date() == dt.date(2026, 3, 3) and named[8] == "满意"
    rejected = by_content["希望公司给每个班组配一台咖啡机。"]
    assert rejected[1].date() == dt.date(2026, 3, 31)  # 23:00 Beijing time is still the 31st
    assert rejected[6] == "不予受理:不属于工会受理范围,已转告行政部门。" and rejected[8] in (None, "")
    waiting = by_content[CANTEEN]
    assert waiting[6] == "待受理" and waiting[7] is None


def test_ledger_stays_inside_the_unit_and_the_scope(login, company, personas, march):
    with at(4, 10):
        parent = rows_of(
            login(personas.parent_cadre).get(LEDGER, {"unit": company.secondary.pk, "month": "2026-03"})
        )
        section = rows_of(login(personas.cadre).get(LEDGER, {"unit": company.team.pk, "month": "2026-03"}))
        outsider = login(personas.outsider).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"})

    assert BATH in [row[3] for row in parent[2:]] and len(parent) - 2 == 6
    assert len(section) - 2 == 3 and BATH not in [row[3] for row in section[2:]]
    assert outsider.status_code == 404


def test_april_ledger_holds_only_april(login, company, personas, march):
    with at(4, 10):
        rows = rows_of(login(personas.cadre).get(LEDGER, {"unit": company.unit.pk, "month": "2026-04"}))

    assert [row[3] for row in rows[2:]] == [SHOES]


def test_each_export_is_logged_as_an_audit_event_and_a_personal_data_access(login, company, personas, march):
    with at(4, 10):
        login(personas.cadre).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"})

    event = AuditEvent.objects.get(code="appeals.ledger.exported")
    assert (event.actor, event.unit, event.detail) == (
        personas.cadre,
        company.unit,
        {"month": "2026-03", "rows": 5},
    )
    access = AccessLog.objects.get()
    assert (access.user, access.action, access.subject, access.record_count) == (
        personas.cadre,
        "export",
        "appeals.appeal",
        5,
    )
    assert access.detail["masked"] is True and access.detail["month"] == "2026-03"


def test_ledger_needs_the_export_capability_on_the_unit(login, company, personas, march):
    leader = UserFactory(username="leader")
    grant(leader, company.unit, "leader")  # sees appeals, may not export them

    assert login(leader).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"}).status_code == 403
    assert login(leader).get(LEDGER).status_code == 403
    assert (
        login(personas.worker).get(LEDGER, {"unit": company.unit.pk, "month": "2026-03"}).status_code == 404
    )
    assert login(personas.liaison).get(LEDGER).status_code == 403
    assert not AuditEvent.objects.filter(code="appeals.ledger.exported").exists()
    assert not AccessLog.objects.exists()


def test_without_a_month_the_ledger_page_offers_the_choice(login, company, personas):
    with at(4, 10):
        response = login(personas.cadre).get(LEDGER)

    content = response.content.decode()
    assert response.status_code == 200 and 'type="month"' in content and 'value="2026-04"' in content
    assert "炼钢厂" in content and "轧钢厂" not in content


@pytest.mark.parametrize("month", ["2026-13", "March", "2031-01"])
def test_a_bad_month_is_a_form_error_and_nothing_is_exported(login, company, personas, month):
    with at(4, 10):
        response = login(personas.cadre).get(LEDGER, {"unit": company.unit.pk, "month": month})

    assert response.status_code == 422 and "is-invalid" in response.content.decode()
    assert not AccessLog.objects.exists()
