"""Writes to the registry: edits, transfers and leaving, each checked, audited and kept in history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core import crypto
from lianxin.core.models import AuditEvent
from lianxin.members import services
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member, valid_id_number


def test_update_re_checks_the_id_number_and_takes_birth_date_and_gender_from_it(roster, personas):
    new_id = valid_id_number(42, birth="19770707")

    member = services.member_update(member=roster.zhang, updated_by=personas.cadre, id_number=new_id)

    assert crypto.decrypt(member.id_number_cipher) == new_id
    assert (member.birth_date, member.id_number_masked) == (
        dt.date(1977, 7, 7),
        new_id[:6] + "********" + new_id[-4:],
    )
    fields = AuditEvent.objects.get(code="members.member.updated").detail["fields"]
    assert {"birth_date", "id_number"} <= set(fields)
    assert not any(name.endswith(("_cipher", "_digest", "_masked")) for name in fields)


def test_update_refuses_an_id_number_or_member_number_of_another_member(roster, personas):
    others_id = crypto.decrypt(roster.li.id_number_cipher)

    with pytest.raises(ValidationError) as caught:
        services.member_update(
            member=roster.zhang, updated_by=personas.cadre, id_number=others_id, member_no=roster.li.member_no
        )

    assert set(caught.value.message_dict) == {"id_number", "member_no"}
    assert Member.objects.get(pk=roster.zhang.pk).member_no == "M0012345"


def test_update_keeps_the_old_version_in_history_and_audits_field_names_only(roster, personas):
    services.member_update(member=roster.zhang, updated_by=personas.cadre, phone="13900009999", job="炉前工")

    old, new = Member.history.filter(id=roster.zhang.pk).order_by("history_date")
    assert (old.phone_tail, new.phone_tail, new.job) == ("5678", "9999", "炉前工")
    event = AuditEvent.objects.get(code="members.member.updated")
    assert event.detail["fields"] == ["job", "phone"]
    assert "13900009999" not in str(event.detail)


def test_an_update_that_changes_nothing_writes_nothing(roster, personas):
    services.member_update(member=roster.zhang, updated_by=personas.cadre, name="张伟", phone="13812345678")

    assert not AuditEvent.objects.filter(code="members.member.updated").exists()
    assert Member.history.filter(id=roster.zhang.pk).count() == 1


def test_update_is_refused_outside_the_manage_scope(roster, personas):
    with pytest.raises(PermissionDenied):
        services.member_update(member=roster.zhang, updated_by=personas.liaison, job="x")
    with pytest.raises(PermissionDenied):
        services.member_update(member=roster.zhang, updated_by=personas.outsider, job="x")


def test_update_cannot_move_a_member_or_change_their_status(roster, personas, company):
    with pytest.raises(TypeError):
        services.member_update(member=roster.zhang, updated_by=personas.cadre, unit=company.team2)


def test_transfer_records_the_move_and_refuses_the_same_unit(roster, personas, company):
    services.member_transfer(member=roster.zhang, to_unit=company.team2, transferred_by=personas.cadre)

    assert Member.objects.get(pk=roster.zhang.pk).unit == company.team2
    with pytest.raises(ValidationError):
        services.member_transfer(member=roster.zhang, to_unit=company.team2, transferred_by=personas.cadre)


def test_transfer_out_of_scope_is_refused(roster, personas, company):
    with pytest.raises(PermissionDenied):
        services.member_transfer(
            member=roster.zhang, to_unit=company.sibling_team, transferred_by=personas.cadre
        )


def test_leaving_before_joining_is_refused(company, personas):
    member = make_member(company.team, "周新", joined_on=dt.date(2020, 1, 1))

    with pytest.raises(ValidationError) as caught:
        services.member_leave(member=member, left_by=personas.cadre, on=dt.date(2019, 12, 31))

    assert caught.value.message_dict == {"on": ["离会日期不能早于入会日期。"]}


def test_create_accepts_traditional_names_and_full_width_digits(company, personas):
    member = services.member_create(
        created_by=personas.cadre,
        unit=company.team,
        member_no="W0000001",
        name="劉德華",
        id_number=valid_id_number(9, birth="19610927").translate(
            str.maketrans("0123456789", "０１２３４５６７８９")
        ),
        phone="+86 139-0000-1234",
    )

    assert (member.name, member.name_initials, member.phone_tail) == ("刘德华", "ldh", "1234")
    assert member.birth_date == dt.date(1961, 9, 27)
