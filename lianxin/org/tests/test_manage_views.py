"""Management from the unit page: who may (the cadre), who gets 403 (sees but may not manage), who 404."""

import pytest
from django.urls import reverse

from lianxin.core.models import AuditEvent
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member
from lianxin.org.models import Liaison, Post, PostChecklistItem, PostKind, SixHave, UnionBody, Unit
from lianxin.org.tests.factories import make_liaison, make_post

pytestmark = pytest.mark.django_db

NEW_TEAM = {"name": "丁班", "short_name": "", "code": "U1-1-4", "level": "team"}


def _text(response) -> str:
    return response.content.decode()


def test_the_cadre_creates_a_child_unit_from_the_page(login, personas, company):
    response = login(personas.cadre).post(reverse("org:unit_create", args=[company.section.pk]), NEW_TEAM)
    child = Unit.objects.get(code="U1-1-4")
    assert response.status_code == 302 and response["Location"] == reverse("org:unit", args=[child.pk])
    assert child.path.startswith(company.section.path)
    assert AuditEvent.objects.filter(code="org.unit.created", actor=personas.cadre).exists()


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("worker", 404), ("liaison", 403)])
def test_who_may_not_create_a_child_unit(login, personas, company, persona, status):
    client = login(getattr(personas, persona))
    url = reverse("org:unit_create", args=[company.team.pk])
    assert client.post(url, NEW_TEAM | {"code": "X9"}).status_code == status
    assert client.get(url).status_code == status
    assert not Unit.objects.filter(code="X9").exists()


def test_a_taken_code_is_shown_on_the_code_field_in_chinese(login, personas, company):
    response = login(personas.cadre).post(
        reverse("org:unit_create", args=[company.section.pk]), NEW_TEAM | {"code": "U1-1-1"}
    )
    assert response.status_code == 200
    page = _text(response)
    assert "单位编码 U1-1-1 已存在" in page
    assert 'class="form-control is-invalid"' in page
    assert 'id="id_code_error"' in page


def test_the_form_comes_as_a_fragment_for_htmx_and_redirects_the_browser_on_success(
    login, personas, company, htmx
):
    client = login(personas.cadre)
    url = reverse("org:unit_create", args=[company.section.pk])
    form = client.get(url, **htmx)
    assert "<html" not in _text(form) and 'hx-post="' in _text(form)
    invalid = client.post(url, NEW_TEAM | {"name": ""}, **htmx)
    assert invalid.status_code == 200 and "<html" not in _text(invalid) and "is-invalid" in _text(invalid)
    done = client.post(url, NEW_TEAM, **htmx)
    assert done.headers["HX-Redirect"] == reverse("org:unit", args=[Unit.objects.get(code="U1-1-4").pk])


def test_the_union_body_is_edited_with_members_chosen_by_number_or_name(login, personas, company):
    chair = make_member(company.team, "赵主席")
    vice = make_member(company.team2, "钱副主席")
    staff = make_member(company.section, "孙干事")
    url = reverse("org:union_body_edit", args=[company.unit.pk])
    data = {
        "name": "炼钢厂工会",
        "chairman": chair.member_no,
        "vice_chairmen": "钱副主席",
        "staff": staff.member_no,
    }
    response = login(personas.cadre).post(url, data | {"member_count": "1200", "founded_on": "2001-05-01"})
    assert response.status_code == 302
    body = UnionBody.objects.get(unit=company.unit)
    assert (
        body.chairman == chair
        and list(body.vice_chairmen.all()) == [vice]
        and list(body.staff.all()) == [staff]
    )
    page = _text(login(personas.cadre).get(reverse("org:unit", args=[company.unit.pk])))
    assert "赵主席" in page and "钱副主席" in page and "1200" in page


def test_an_unknown_or_out_of_scope_chairman_is_an_error_on_the_field(login, personas, company):
    other = make_member(company.sibling_team, "外厂人")
    url = reverse("org:union_body_edit", args=[company.unit.pk])
    response = login(personas.cadre).post(url, {"name": "炼钢厂工会", "chairman": other.member_no})
    assert response.status_code == 200
    assert "没有找到会员" in _text(response)
    assert not UnionBody.objects.exists()


def test_a_shared_name_asks_for_the_member_number(login, personas, company):
    make_member(company.team, "张伟")
    make_member(company.team2, "张伟")
    url = reverse("org:union_body_edit", args=[company.unit.pk])
    response = login(personas.cadre).post(url, {"name": "炼钢厂工会", "chairman": "张伟"})
    assert "请填写会员号" in _text(response)


def test_the_liaison_may_not_edit_the_union_body_of_the_team_they_see(login, personas, company):
    response = login(personas.liaison).post(
        reverse("org:union_body_edit", args=[company.team.pk]), {"name": "x"}
    )
    assert response.status_code == 403


def test_a_room_at_a_tertiary_unit_is_refused_on_the_kind_field(login, personas, company):
    url = reverse("org:post_create", args=[company.unit.pk])
    response = login(personas.cadre).post(url, {"kind": PostKind.ROOM, "name": "炼钢厂工作室"})
    assert response.status_code == 200
    assert "群众工作室只能建在这些层级" in _text(response)
    assert 'name="kind" class="form-select is-invalid"' in _text(response)
    assert not Post.objects.exists()


def test_the_cadre_opens_a_station_on_a_section(login, personas, company):
    url = reverse("org:post_create", args=[company.section.pk])
    response = login(personas.cadre).post(
        url, {"kind": PostKind.STATION, "name": "一炼钢工作站", "address": "三楼"}
    )
    assert response.status_code == 302
    assert Post.objects.get().unit == company.section


def test_a_six_haves_item_is_set_with_evidence_and_cleared_with_a_reason(login, personas, company):
    post = make_post(company.section, PostKind.STATION)
    client = login(personas.cadre)
    set_url = reverse("org:checklist_set", args=[post.pk, SixHave.LEDGER])
    assert client.post(set_url, {"evidence": "", "checked_on": "2026-03-01"}).status_code == 200
    assert client.post(set_url, {"evidence": "台账三本", "checked_on": "2026-03-01"}).status_code == 302
    row = PostChecklistItem.objects.get(post=post, item=SixHave.LEDGER)
    assert row.evidence == "台账三本" and str(row.checked_on) == "2026-03-01"

    clear_url = reverse("org:checklist_clear", args=[post.pk, SixHave.LEDGER])
    assert "is-invalid" in _text(client.post(clear_url, {"reason": ""}))
    assert client.post(clear_url, {"reason": "台账遗失"}).status_code == 302
    assert not PostChecklistItem.objects.filter(post=post).exists()


def test_checklist_urls_answer_404_outside_scope_or_for_an_unknown_item(login, personas, company):
    post = make_post(company.section, PostKind.STATION)
    url = reverse("org:checklist_set", args=[post.pk, SixHave.LEDGER])
    assert (
        login(personas.outsider).post(url, {"evidence": "x", "checked_on": "2026-03-01"}).status_code == 404
    )
    assert (
        login(personas.cadre).get(reverse("org:checklist_set", args=[post.pk, "nonsense"])).status_code == 404
    )
    assert login(personas.liaison).get(url).status_code == 404  # the liaison sees their team, not the section
    leader = UserFactory(username="leader")
    grant(leader, company.unit, "leader")  # sees the whole 炼钢厂, manages nothing
    assert login(leader).post(url, {"evidence": "x", "checked_on": "2026-03-01"}).status_code == 403
    assert not PostChecklistItem.objects.exists()


def test_the_cadre_appoints_a_liaison_by_member_number_and_ends_the_appointment(login, personas, company):
    member = make_member(company.team2, "周联络")
    client = login(personas.cadre)
    url = reverse("org:liaison_appoint", args=[company.team2.pk])
    assert client.post(url, {"member": member.member_no, "appointed_on": "2026-04-01"}).status_code == 302
    liaison = Liaison.objects.get(team=company.team2, ended_on__isnull=True)
    assert liaison.member == member

    end_url = reverse("org:liaison_end", args=[liaison.pk])
    assert "卸任日期不能早于任命日期" in _text(client.post(end_url, {"ended_on": "2026-03-01"}))
    assert client.post(end_url, {"ended_on": "2026-06-30"}).status_code == 302
    assert str(Liaison.objects.get(pk=liaison.pk).ended_on) == "2026-06-30"


def test_a_liaison_from_another_section_is_not_found(login, personas, company):
    other = make_member(company.sibling_team, "外车间")
    url = reverse("org:liaison_appoint", args=[company.team.pk])
    response = login(personas.parent_cadre).post(
        url, {"member": other.member_no, "appointed_on": "2026-04-01"}
    )
    assert response.status_code == 200 and "没有找到会员" in _text(response)


def test_liaisons_are_appointed_at_teams_only(login, personas, company):
    assert (
        login(personas.cadre).get(reverse("org:liaison_appoint", args=[company.section.pk])).status_code
        == 404
    )


def test_the_outsider_cannot_end_the_cadres_liaison(login, personas, company):
    liaison = make_liaison(company.team, personas.liaison.member)
    assert login(personas.outsider).post(reverse("org:liaison_end", args=[liaison.pk])).status_code == 404
    assert Liaison.objects.get(pk=liaison.pk).ended_on is None


def test_the_parent_cadre_moves_a_section_to_the_sibling_unit(login, personas, company):
    url = reverse("org:unit_move", args=[company.section.pk])
    response = login(personas.parent_cadre).post(url, {"parent_code": "U2"})
    assert response.status_code == 302
    assert Unit.objects.get(pk=company.section.pk).path.startswith(company.sibling.path)


def test_the_cadre_cannot_move_a_unit_where_they_cannot_see(login, personas, company):
    url = reverse("org:unit_move", args=[company.section.pk])
    response = login(personas.cadre).post(url, {"parent_code": "U2"})
    assert response.status_code == 200
    assert "没有找到该编码的单位" in _text(response)
    here = login(personas.cadre).post(url, {"parent_code": "U1"})
    assert "已经在 炼钢厂 之下" in _text(here)
    assert Unit.objects.get(pk=company.section.pk).path.startswith(company.unit.path)
