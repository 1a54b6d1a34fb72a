"""The member pages, walked by each persona: who may, who may not, who gets 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lianxin.core import crypto
from lianxin.core.models import AccessLog, AuditEvent
from lianxin.members.models import Member, MemberTransfer
from lianxin.members.tests.factories import make_member, valid_id_number

LIST = reverse("members:list")


def detail(member) -> str:
    return reverse("members:detail", args=[member.pk])


def shown_numbers(response) -> set[str]:
    return set(re.findall(r"M00\d{5}", response.content.decode()))


# --- list --------------------------------------------------------------------------------------


def test_cadre_sees_the_members_of_their_unit_and_not_the_sibling_units(login, roster, personas):
    response = login(personas.cadre).get(LIST)

    assert response.status_code == 200
    assert {roster.zhang.member_no, roster.li.member_no} <= shown_numbers(response)
    assert roster.chen.member_no not in shown_numbers(response)


def test_outsider_sees_their_own_unit_only(login, roster, personas):
    numbers = shown_numbers(login(personas.outsider).get(LIST))

    assert roster.chen.member_no in numbers
    assert roster.zhang.member_no not in numbers


def test_worker_sees_only_their_own_record_in_the_list(login, roster, personas):
    response = login(personas.worker).get(LIST)

    assert shown_numbers(response) == {personas.worker.member.member_no}
    assert "登记会员" not in response.content.decode()


def test_list_shows_masked_id_and_phone_only(login, roster, personas):
    content = login(personas.cadre).get(LIST).content.decode()

    clear_id = crypto.decrypt(roster.zhang.id_number_cipher)
    assert roster.zhang.id_number_masked in content and clear_id not in content
    assert "138****5678" in content and "13812345678" not in content


def test_list_without_htmx_is_the_whole_page_and_with_htmx_only_the_results(login, roster, personas, htmx):
    client = login(personas.cadre)

    page = client.get(LIST, {"q": "zw"})
    fragment = client.get(LIST, {"q": "zw"}, **htmx)

    assert "<html" in page.content.decode() and 'id="member-filters"' in page.content.decode()
    assert "<html" not in fragment.content.decode() and 'id="member-filters"' not in fragment.content.decode()
    assert shown_numbers(fragment) == {roster.zhang.member_no}
    assert "HX-Request" in fragment["Vary"]


def test_search_box_searches_as_you_type_and_keeps_the_url(login, roster, personas):
    content = login(personas.cadre).get(LIST).content.decode()

    assert 'hx-trigger="keyup changed delay:300ms, search"' in content
    assert 'hx-push-url="true"' in content


def test_filters_by_unit_employment_and_status(login, roster, personas, company):
    client = login(personas.cadre)

    assert shown_numbers(client.get(LIST, {"unit": company.team2.pk})) == {roster.li.member_no}
    assert shown_numbers(client.get(LIST, {"status": "left"})) == set()


def test_a_unit_outside_scope_is_an_invalid_filter_not_a_leak(login, roster, personas, company):
    response = login(personas.cadre).get(LIST, {"unit": company.sibling.pk})

    assert response.status_code == 200
    assert roster.chen.member_no not in shown_numbers(response)
    assert "选择一个有效的选项" in response.content.decode()


@pytest.fixture
def many_members(company, personas):
    def _make(count: int) -> None:
        for n in range(count):
            make_member(company.team, f"会员{n}", with_id=False)

    return _make


def test_list_reads_a_constant_number_of_queries_whatever_the_page_size(
    login, personas, many_members, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(personas.cadre)
    many_members(3)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    many_members(60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.context["page"].paginator.count == 65


def test_page_links_keep_the_filters(login, personas, many_members):
    many_members(60)

    content = login(personas.cadre).get(LIST, {"q": "hy", "status": "active"}).content.decode()

    assert "q=hy&amp;status=active&amp;page=2" in content


def test_list_offers_export_and_import_to_those_who_may(login, roster, personas):
    cadre = login(personas.cadre).get(LIST).content.decode()
    assert reverse("members:export") in cadre and reverse("members:import") in cadre

    liaison = login(personas.liaison).get(LIST).content.decode()
    assert reverse("members:export") not in liaison and reverse("members:import") not in liaison


# --- one member ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cadre", 200),
        ("parent_cadre", 200),
        ("liaison", 200),
        ("administrator", 200),
        ("outsider", 404),
        ("worker", 404),
    ],
)
def test_who_may_see_a_member_of_the_team(persona, status, login, roster, personas):
    assert login(getattr(personas, persona)).get(detail(roster.zhang)).status_code == status


def test_worker_sees_their_own_record_masked_without_a_reveal_button(login, personas):
    own = personas.worker.member

    content = login(personas.worker).get(detail(own)).content.decode()

    assert own.id_number_masked in content
    assert crypto.decrypt(own.id_number_cipher) not in content
    assert "显示完整信息" not in content


def test_member_page_shows_the_unit_path_transfers_and_liaison_roles(login, roster, personas, company):
    from lianxin.members.services import member_transfer

    member_transfer(member=roster.li, to_unit=company.team, transferred_by=personas.cadre, reason="岗位调整")
    content = login(personas.cadre).get(detail(roster.li)).content.decode()

    path = content[content.index('id="member-unit-path"') :]
    assert path.index("燕山钢铁集团") < path.index("炼钢厂") < path.index("一炼钢车间") < path.index("甲班")
    assert "乙班" in content[content.index('id="member-transfers"') :] and "岗位调整" in content


def test_reveal_shows_the_clear_values_as_a_fragment_and_logs_the_look(login, roster, personas, htmx):
    response = login(personas.cadre).post(reverse("members:reveal", args=[roster.zhang.pk]), **htmx)

    assert response.status_code == 200
    content = response.content.decode()
    assert crypto.decrypt(roster.zhang.id_number_cipher) in content and "13812345678" in content
    assert "<html" not in content
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.subject) == (
        personas.cadre,
        "view",
        f"members.member:{roster.zhang.pk}",
    )
    assert log.fields == ["id_number", "phone"]


def test_reveal_without_htmx_renders_the_whole_page(login, roster, personas):
    response = login(personas.cadre).post(reverse("members:reveal", args=[roster.zhang.pk]))

    assert "<html" in response.content.decode() and "13812345678" in response.content.decode()
    assert AccessLog.objects.count() == 1


@pytest.mark.parametrize(("persona", "status"), [("liaison", 403), ("outsider", 404)])
def test_reveal_is_refused_without_the_right_and_logs_nothing(persona, status, login, roster, personas, htmx):
    response = login(getattr(personas, persona)).post(
        reverse("members:reveal", args=[roster.zhang.pk]), **htmx
    )

    assert response.status_code == status
    assert "13812345678" not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_worker_cannot_reveal_their_own_or_anyone_elses_record(login, roster, personas):
    client = login(personas.worker)

    assert client.post(reverse("members:reveal", args=[personas.worker.member.pk])).status_code == 403
    assert client.post(reverse("members:reveal", args=[roster.zhang.pk])).status_code == 404
    assert not AccessLog.objects.exists()


def test_reveal_needs_a_post(login, roster, personas):
    assert login(personas.cadre).get(reverse("members:reveal", args=[roster.zhang.pk])).status_code == 405


# --- managing ------------------------------------------------------------------------------------


def test_cadre_edits_basic_fields_and_the_change_is_audited_and_kept_in_history(login, roster, personas):
    url = reverse("members:edit", args=[roster.zhang.pk])
    client = login(personas.cadre)
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | {"name": "張衛", "job": "天车工"}

    response = client.post(url, data)

    assert response.status_code == 302
    zhang = Member.objects.get(pk=roster.zhang.pk)
    assert (zhang.name, zhang.name_pinyin, zhang.job) == ("张卫", "zhangwei", "天车工")
    assert zhang.history.count() == 2
    event = AuditEvent.objects.get(code="members.member.updated")
    assert event.detail["fields"] == ["job", "name"]


def test_edit_with_a_bad_id_number_shows_the_error_on_the_field(login, roster, personas):
    url = reverse("members:edit", args=[roster.zhang.pk])
    client = login(personas.cadre)
    form = client.get(url).context["form"]
    good = valid_id_number(77)
    data = {name: form[name].value() or "" for name in form.fields} | {"id_number": good[:-1] + "Y"}

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert "is-invalid" in response.content.decode()


def test_liaison_may_not_edit(login, roster, personas):
    assert login(personas.liaison).get(reverse("members:edit", args=[roster.zhang.pk])).status_code == 403


def test_cadre_transfers_a_member_to_another_unit_in_scope(login, roster, personas, company):
    response = login(personas.cadre).post(
        reverse("members:transfer", args=[roster.zhang.pk]), {"to_unit": company.team2.pk, "reason": "轮岗"}
    )

    assert response.status_code == 302
    assert Member.objects.get(pk=roster.zhang.pk).unit == company.team2
    transfer = MemberTransfer.objects.get()
    assert (transfer.from_unit, transfer.to_unit, transfer.reason) == (company.team, company.team2, "轮岗")


def test_transfer_to_a_unit_outside_scope_is_a_form_error(login, roster, personas, company):
    response = login(personas.cadre).post(
        reverse("members:transfer", args=[roster.zhang.pk]), {"to_unit": company.sibling_team.pk}
    )

    assert response.status_code == 422
    assert response.context["transfer_form"].errors["to_unit"]
    assert Member.objects.get(pk=roster.zhang.pk).unit == company.team


def test_cadre_marks_a_member_as_left_once(login, roster, personas):
    client = login(personas.cadre)
    url = reverse("members:leave", args=[roster.zhang.pk])

    assert client.post(url, {"on": "2025-06-30", "reason": "退休"}).status_code == 302
    zhang = Member.objects.get(pk=roster.zhang.pk)
    assert (zhang.status, str(zhang.left_on)) == ("left", "2025-06-30")
    second = client.post(url, {"on": "2025-07-01"})
    assert second.status_code == 422 and "已离会" in second.content.decode()


def test_liaison_cannot_transfer_or_mark_as_left(login, roster, personas, company):
    client = login(personas.liaison)

    transfer = client.post(reverse("members:transfer", args=[roster.zhang.pk]), {"to_unit": company.team2.pk})
    assert transfer.status_code == 403
    assert client.post(reverse("members:leave", args=[roster.zhang.pk]), {}).status_code == 403
    assert Member.objects.get(pk=roster.zhang.pk).status == "active"


# --- new member ----------------------------------------------------------------------------------


def new_member_data(company, **changes) -> dict:
    data = {
        "unit": company.team.pk,
        "member_no": "N0000001",
        "name": "黃麗",
        "id_number": valid_id_number(88, birth="19920202"),
        "phone": "139 0000 8888",
        "employment_type": "formal",
    }
    return data | changes


def test_cadre_registers_a_new_member(login, personas, company):
    response = login(personas.cadre).post(reverse("members:create"), new_member_data(company))

    member = Member.objects.get(member_no="N0000001")
    assert response.status_code == 302 and response["Location"] == detail(member)
    assert (member.name, member.gender, str(member.birth_date), member.phone_tail) == (
        "黄丽",
        "F",
        "1992-02-02",
        "8888",
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"id_number": valid_id_number(88)[:-1] + "Y"}, "id_number", "身份证号"),
        ({"id_number": "", "gender": ""}, "gender", "请填写性别"),
        ({"phone": "12345"}, "phone", "手机号应为以1开头的11位数字。"),
    ],
)
def test_new_member_errors_appear_on_the_field_in_chinese(changes, field, message, login, personas, company):
    response = login(personas.cadre).post(reverse("members:create"), new_member_data(company, **changes))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not Member.objects.filter(member_no="N0000001").exists()


def test_a_wrong_check_digit_is_named_on_the_id_field(login, personas, company):
    good = valid_id_number(88)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")

    response = login(personas.cadre).post(
        reverse("members:create"), new_member_data(company, id_number=wrong)
    )

    assert response.context["form"].errors["id_number"] == ["身份证号校验位不正确。"]


def test_a_taken_member_number_is_named_on_its_field(login, roster, personas, company):
    response = login(personas.cadre).post(
        reverse("members:create"), new_member_data(company, member_no=roster.zhang.member_no)
    )

    assert response.context["form"].errors["member_no"] == [f"会员号 {roster.zhang.member_no} 已存在。"]


def test_worker_and_liaison_may_not_register_members(login, personas):
    assert login(personas.worker).get(reverse("members:create")).status_code == 403
    assert login(personas.liaison).get(reverse("members:create")).status_code == 403


def test_pages_need_a_login(client, roster):
    for url in (LIST, detail(roster.zhang), reverse("members:import"), reverse("members:export")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("persona", "status"), [("cadre", 200), ("liaison", 403), ("outsider", 404)])
def test_the_transfer_address_opens_the_member_page_with_the_form_for_those_who_may(
    persona, status, login, roster, personas
):
    response = login(getattr(personas, persona)).get(reverse("members:transfer", args=[roster.zhang.pk]))

    assert response.status_code == status
    if status == 200:
        assert 'id="transfer-panel"' in response.content.decode()
        assert 'class="collapse show" id="transfer-panel"' in response.content.decode()
