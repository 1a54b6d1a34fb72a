"""Export: the filtered list as .xlsx, masked unless allowed, and every export logged."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lianxin.core import crypto
from lianxin.core.capabilities import MEMBERS_EXPORT, MEMBERS_VIEW, MEMBERS_VIEW_PERSONAL
from lianxin.core.models import AccessLog, Role, RoleAssignment
from lianxin.core.tests.factories import UserFactory

EXPORT = reverse("members:export")


def rows_of(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_masked_export_of_the_filtered_list_writes_an_access_log_row(login, roster, personas, company):
    response = login(personas.cadre).get(EXPORT, {"unit": company.team.pk})

    assert response.status_code == 200
    rows = rows_of(response)
    assert rows[0][:6] == ("会员号", "姓名", "性别", "出生日期", "身份证号", "手机号")
    numbers = {row[0] for row in rows[1:]}
    assert roster.zhang.member_no in numbers and roster.li.member_no not in numbers
    zhang = next(row for row in rows if row[0] == roster.zhang.member_no)
    assert (zhang[4], zhang[5]) == (roster.zhang.id_number_masked, "138****5678")
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.fields, log.record_count) == (
        personas.cadre,
        "export",
        [],
        len(rows) - 1,
    )
    assert log.detail["masked"] is True and log.detail["filters"] == {"unit": company.team.pk}


def test_unmasked_export_holds_the_clear_values_and_names_the_fields_in_the_log(login, roster, personas):
    response = login(personas.cadre).post(EXPORT, {"q": "张伟", "unmasked": "1"})

    rows = rows_of(response)
    assert rows[1][4] == crypto.decrypt(roster.zhang.id_number_cipher) and rows[1][5] == "13812345678"
    log = AccessLog.objects.get()
    assert (log.action, log.fields, log.record_count) == ("export", ["id_number", "phone"], 1)


def test_export_never_reaches_outside_the_scope(login, roster, personas):
    rows = rows_of(login(personas.outsider).get(EXPORT))

    assert {row[0] for row in rows[1:]} == {roster.chen.member_no}


def test_liaison_and_worker_may_not_export(login, roster, personas):
    assert login(personas.liaison).get(EXPORT).status_code == 403
    assert login(personas.worker).get(EXPORT).status_code == 403
    assert not AccessLog.objects.exists()


@pytest.fixture
def exporter(company):
    """May export the whole 炼钢厂 but see full personal data of 甲班 only."""
    user = UserFactory(username="exporter")
    masked = Role.objects.create(code="exporter", name="导出员", capabilities=[MEMBERS_VIEW, MEMBERS_EXPORT])
    personal = Role.objects.create(code="personal", name="查看完整信息", capabilities=[MEMBERS_VIEW_PERSONAL])
    RoleAssignment.objects.create(user=user, unit=company.unit, role=masked)
    RoleAssignment.objects.create(user=user, unit=company.team, role=personal)
    return user


def test_unmasked_export_is_refused_unless_every_member_is_in_the_personal_scope(
    login, roster, exporter, company
):
    client = login(exporter)

    refused = client.post(EXPORT, {"unmasked": "1"}, follow=True)
    assert refused.redirect_chain and "缩小范围" in refused.content.decode()
    assert not AccessLog.objects.exists()

    allowed = client.post(EXPORT, {"unit": company.team.pk, "unmasked": "1"})
    assert allowed.status_code == 200
    assert AccessLog.objects.get().fields == ["id_number", "phone"]


def test_a_get_export_is_always_masked(login, roster, personas):
    rows = rows_of(login(personas.cadre).get(EXPORT, {"q": "张伟", "unmasked": "1"}))

    assert rows[1][5] == "138****5678"
    assert AccessLog.objects.get().fields == []


def test_a_unit_outside_scope_in_the_export_address_answers_404(login, roster, personas, company):
    assert login(personas.cadre).get(EXPORT, {"unit": company.sibling.pk}).status_code == 404
    assert not AccessLog.objects.exists()
