"""Members who have left the union (离会) get nothing new: no aid, no hardship file, no mutual-aid
enrolment or claim. The services refuse with a ValidationError on the member field, so the pages
(the form's member field) and the API (422 at body.member) both say why. What was recorded before
the member left stays and goes on through its steps.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lianxin.assistance import services
from lianxin.assistance.models import Application, ApplicationStatus, Enrolment, HardshipFile
from lianxin.assistance.tests.factories_mutual import make_mutual, record_claim
from lianxin.members.models import Member, MemberStatus

pytestmark = pytest.mark.django_db

LEFT = "已离会"


def leave(member: Member) -> Member:
    Member.objects.filter(pk=member.pk).update(status=MemberStatus.LEFT, left_on=timezone.localdate())
    member.refresh_from_db()
    return member


def record(aid, member=None):
    return services.application_record(
        actor=aid.cadre, programme=aid.festival, member=member or aid.member, reason="两节慰问"
    )


def refusal_of(raised: pytest.ExceptionInfo) -> str:
    errors = raised.value.message_dict
    assert list(errors) == ["member"]
    return errors["member"][0]


# --- aid ---------------------------------------------------------------------------------------------


def test_no_new_aid_is_recorded_for_a_member_who_has_left(aid):
    leave(aid.member)

    with pytest.raises(ValidationError) as refused:
        record(aid)

    assert LEFT in refusal_of(refused) and aid.member.name in refusal_of(refused)
    assert not Application.objects.exists()


def test_the_member_is_read_afresh_so_a_stale_copy_does_not_slip_through(aid):
    stale = Member.objects.get(pk=aid.member.pk)
    leave(aid.member)

    with pytest.raises(ValidationError):
        record(aid, member=stale)


def test_aid_recorded_before_the_member_left_is_still_approved_and_paid(aid):
    application = record(aid)
    leave(aid.member)

    application = services.application_approve(
        actor=aid.chairman, application=application, version=application.version
    )
    outcome = services.application_pay(
        actor=aid.treasurer,
        application=application,
        version=application.version,
        reference="PZ-2026-201",
        idempotency_key="left-1",
    )

    assert outcome.target.status == ApplicationStatus.PAID
    aid.fund.refresh_from_db()
    assert aid.fund.balance == Decimal("99000.00")


def test_the_api_refuses_aid_for_a_member_who_has_left_on_the_member_field(aid, login):
    leave(aid.member)

    response = login(aid.cadre).post(
        "/api/v1/assistance/applications",
        json.dumps({"programme": aid.festival.pk, "member": aid.member.pk, "reason": "两节慰问"}),
        content_type="application/json",
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["path"] == "body.member" and LEFT in error["message"]
    assert not Application.objects.exists()


def test_the_page_says_on_the_member_field_that_the_member_has_left(aid, login):
    leave(aid.member)

    response = login(aid.cadre).post(
        reverse("assistance:application_new"),
        {"programme": aid.festival.pk, "member": aid.member.member_no, "reason": "两节慰问"},
    )

    assert response.status_code == 422
    assert LEFT in response.content.decode()
    assert not Application.objects.exists()


# --- hardship files and mutual aid --------------------------------------------------------------------


def household() -> list[dict]:
    return [
        {"name": "刘大姐", "relation": "self", "monthly_income": "600", "birth_year": 1980},
        {"name": "家人1", "relation": "child", "monthly_income": "0"},
    ]


def test_no_hardship_file_is_opened_for_a_member_who_has_left(aid):
    leave(aid.other_member)

    with pytest.raises(ValidationError) as refused:
        services.file_open(
            actor=aid.cadre,
            member=aid.other_member,
            causes=["low_income"],
            situation="孩子上初中。",
            persons=household(),
            level="deep",
        )

    assert LEFT in refusal_of(refused)
    assert not HardshipFile.objects.filter(member=aid.other_member).exists()


def test_no_enrolment_for_a_member_who_has_left_and_the_refusal_is_on_the_member_field(aid, company):
    mutual = make_mutual(aid, company.unit)
    leave(aid.other_member)

    with pytest.raises(ValidationError) as refused:
        services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=[aid.other_member])

    assert LEFT in refusal_of(refused)
    assert not Enrolment.objects.filter(member=aid.other_member).exists()


def test_no_new_claim_for_an_enrolled_member_who_has_left(aid, company):
    mutual = make_mutual(aid, company.unit)
    leave(aid.member)

    with pytest.raises(ValidationError) as refused:
        record_claim(aid.cadre, mutual.enrolment)

    assert LEFT in refusal_of(refused)
    assert not mutual.enrolment.claims.exists()
