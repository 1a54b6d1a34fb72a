import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from lianxin.core.models import AuditEvent
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member
from lianxin.org import selectors, services
from lianxin.org.models import Liaison, Post, PostChecklistItem, PostKind, SixHave, UnionBody, Unit, UnitLevel
from lianxin.org.tests.factories import make_post

pytestmark = pytest.mark.django_db


def _codes():
    return list(AuditEvent.objects.values_list("code", flat=True))


def test_cadre_creates_a_child_unit_under_their_unit_and_it_is_logged(company, personas):
    child = services.unit_create(
        parent=company.section, name=" 丁班 ", code="U1-1-4", level=UnitLevel.TEAM, created_by=personas.cadre
    )
    assert child.name == "丁班"
    assert child.path.startswith(company.section.path) and child.depth == company.section.depth + 1
    assert Unit.objects.get(pk=company.section.pk).numchild == 3
    assert AuditEvent.objects.get(code="org.unit.created").target == f"org.unit:{child.pk}"


def test_outsider_cannot_create_a_unit_under_the_cadres_unit(company, personas):
    with pytest.raises(PermissionDenied):
        services.unit_create(
            parent=company.unit,
            name="新车间",
            code="X1",
            level=UnitLevel.SECTION,
            created_by=personas.outsider,
        )
    assert not Unit.objects.filter(code="X1").exists()


def test_a_taken_unit_code_is_refused_on_the_code_field(company, personas):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(
            parent=company.section, name="丁班", code=" U1-1-1 ", level="team", created_by=personas.cadre
        )
    assert "code" in exc.value.message_dict


def test_only_a_superuser_creates_a_top_level_unit(company, personas):
    with pytest.raises(PermissionDenied):
        services.unit_create(
            parent=None, name="另一集团", code="G2", level="group", created_by=personas.administrator
        )


def test_moving_a_section_keeps_its_members_posts_and_liaisons_attached(company, personas):
    member = make_member(company.team, "陈移动")
    station = make_post(company.section, PostKind.STATION)
    liaison = services.liaison_appoint(team=company.team, member=member, appointed_by=personas.cadre)

    services.unit_move(unit=company.section, new_parent=company.sibling, moved_by=personas.parent_cadre)

    section = Unit.objects.get(pk=company.section.pk)
    team = Unit.objects.get(pk=company.team.pk)
    assert section.path.startswith(company.sibling.path)
    assert team.path.startswith(section.path)
    assert Member.objects.get(pk=member.pk).unit_id == team.pk
    assert Post.objects.get(pk=station.pk).unit_id == section.pk
    assert Liaison.objects.get(pk=liaison.pk).team_id == team.pk
    moved_into = Member.objects.filter(unit__path__startswith=company.sibling.path)
    assert moved_into.filter(pk=member.pk).exists()
    assert selectors.unit_coverage(unit=Unit.objects.get(pk=company.unit.pk)).teams == 0
    assert selectors.unit_coverage(unit=Unit.objects.get(pk=company.sibling.pk)).teams_with_liaison == 1
    assert "org.unit.moved" in _codes()


def test_a_unit_cannot_move_under_its_own_descendant(company, personas):
    with pytest.raises(ValidationError):
        services.unit_move(unit=company.unit, new_parent=company.team, moved_by=personas.parent_cadre)


def test_the_cadre_cannot_move_their_unit_under_a_sibling_they_do_not_manage(company, personas):
    with pytest.raises(PermissionDenied):
        services.unit_move(unit=company.section, new_parent=company.sibling, moved_by=personas.cadre)
    assert Unit.objects.get(pk=company.section.pk).path.startswith(company.unit.path)


def test_a_room_cannot_stand_at_a_tertiary_unit(company, personas):
    with pytest.raises(ValidationError) as exc:
        services.post_create(
            unit=company.unit, kind=PostKind.ROOM, name="厂工作室", created_by=personas.cadre
        )
    assert "unit" in exc.value.message_dict
    assert not Post.objects.exists()


def test_stations_stand_at_units_and_sections_and_rooms_at_companies(company, personas):
    services.post_create(
        unit=company.section, kind=PostKind.STATION, name="车间工作站", created_by=personas.cadre
    )
    services.post_create(
        unit=company.secondary, kind=PostKind.ROOM, name="股份工作室", created_by=personas.parent_cadre
    )
    with pytest.raises(ValidationError):
        services.post_create(
            unit=company.team, kind=PostKind.STATION, name="班组站", created_by=personas.cadre
        )
    assert Post.objects.count() == 2


def test_appointing_a_new_liaison_ends_the_previous_one_the_same_day(company, personas):
    first = make_member(company.team, "李一")
    second = make_member(company.team, "李二")
    day = dt.date(2026, 3, 2)
    services.liaison_appoint(team=company.team, member=first, appointed_by=personas.cadre, appointed_on=day)
    services.liaison_appoint(team=company.team, member=second, appointed_by=personas.cadre, appointed_on=day)

    active = Liaison.objects.filter(team=company.team, ended_on__isnull=True)
    assert [liaison.member_id for liaison in active] == [second.pk]
    assert Liaison.objects.get(member=first).ended_on == day


def test_the_database_refuses_two_active_liaisons_for_one_team(company):
    Liaison.objects.create(team=company.team, member=make_member(company.team, "甲"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Liaison.objects.create(team=company.team, member=make_member(company.team, "乙"))


def test_a_liaison_belongs_to_a_team_and_comes_from_its_section(company, personas):
    with pytest.raises(ValidationError):
        services.liaison_appoint(
            team=company.section, member=make_member(company.team), appointed_by=personas.cadre
        )
    stranger = make_member(company.sibling_team, "外车间")
    with pytest.raises(ValidationError) as exc:
        services.liaison_appoint(team=company.team, member=stranger, appointed_by=personas.parent_cadre)
    assert "member" in exc.value.message_dict
    neighbour = make_member(company.team2, "邻班")
    assert services.liaison_appoint(team=company.team, member=neighbour, appointed_by=personas.cadre).pk


def test_a_member_who_left_cannot_be_appointed(company, personas):
    gone = make_member(company.team, "离会者", status="left")
    with pytest.raises(ValidationError):
        services.liaison_appoint(team=company.team, member=gone, appointed_by=personas.cadre)


def test_ending_a_liaison_records_the_day_once(company, personas):
    liaison = services.liaison_appoint(
        team=company.team, member=make_member(company.team), appointed_by=personas.cadre
    )
    services.liaison_end(liaison=liaison, ended_by=personas.cadre, ended_on=dt.date(2026, 5, 1))
    services.liaison_end(liaison=liaison, ended_by=personas.cadre, ended_on=dt.date(2026, 6, 1))
    assert Liaison.objects.get(pk=liaison.pk).ended_on == dt.date(2026, 5, 1)
    assert _codes().count("org.liaison.ended") == 1


def test_a_checklist_item_is_set_updated_and_cleared_with_evidence(company, personas):
    post = make_post(company.section, PostKind.STATION)
    services.post_checklist_set(post=post, item=SixHave.RULES, evidence="制度汇编", checked_by=personas.cadre)
    services.post_checklist_set(
        post=post, item=SixHave.RULES, evidence="制度汇编(修订)", checked_by=personas.cadre
    )
    assert PostChecklistItem.objects.get(post=post, item=SixHave.RULES).evidence == "制度汇编(修订)"

    with pytest.raises(ValidationError):
        services.post_checklist_set(post=post, item=SixHave.LEDGER, evidence="  ", checked_by=personas.cadre)
    services.post_checklist_clear(
        post=post, item=SixHave.RULES, cleared_by=personas.cadre, reason="制度已废止"
    )
    assert not PostChecklistItem.objects.filter(post=post).exists()
    assert _codes().count("org.post.checklist_set") == 2
    assert "org.post.checklist_cleared" in _codes()


def test_the_outsider_cannot_tick_the_checklist_of_the_cadres_station(company, personas):
    post = make_post(company.section, PostKind.STATION)
    with pytest.raises(PermissionDenied):
        services.post_checklist_set(
            post=post, item=SixHave.PLACE, evidence="活动室", checked_by=personas.outsider
        )


def test_the_union_body_is_created_then_updated(company, personas):
    chair = make_member(company.team, "赵主席")
    vice = make_member(company.team2, "钱副")
    services.union_body_save(unit=company.unit, saved_by=personas.cadre, name="炼钢厂工会", chairman=chair)
    body = services.union_body_save(
        unit=company.unit,
        saved_by=personas.cadre,
        name="炼钢厂工会委员会",
        chairman=chair,
        vice_chairmen=[vice],
    )
    assert UnionBody.objects.get().name == "炼钢厂工会委员会"
    assert list(body.vice_chairmen.all()) == [vice]
    assert _codes().count("org.union_body.created") == 1
    assert _codes().count("org.union_body.updated") == 1
