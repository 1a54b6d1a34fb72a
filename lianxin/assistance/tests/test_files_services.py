"""Hardship files: the suggested level, opening, correcting, the yearly review, exit, documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianxin.assistance.models import (
    FileEvent,
    FileStatus,
    HardshipFile,
    Level,
    LevelRule,
    LocalStandard,
    Pairing,
)
from lianxin.assistance.services import files as services
from lianxin.assistance.services.base import AssistanceConflict, AssistanceError
from lianxin.core.models import AuditEvent

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64
JAN_FIRST = dt.date(2020, 1, 1)


def household(*incomes: str, self_name: str = "刘大姐") -> list[dict]:
    """The member and one person per further income (a spouse, then children)."""
    persons = [{"name": self_name, "relation": "self", "monthly_income": incomes[0], "birth_year": 1980}]
    for index, income in enumerate(incomes[1:]):
        relation = "spouse" if index == 0 else "child"
        persons.append({"name": f"家人{index + 1}", "relation": relation, "monthly_income": income})
    return persons


@pytest.fixture
def standard(company):
    """炼钢厂's standard: 1,000.00 yuan per head per month."""
    return LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("1000.00"), effective_from=JAN_FIRST
    )


def open_file(aid, member=None, *, incomes=("2400", "600", "0"), causes=("low_income",), **kwargs):
    return services.file_open(
        actor=aid.cadre,
        member=member or aid.other_member,
        causes=list(causes),
        situation="丈夫下岗,孩子上初中。",
        persons=household(*incomes),
        address="炼钢厂生活区 3 栋",
        **kwargs,
    )


# --- the default rules and the suggestion -------------------------------------------------------


def test_the_default_rules_try_deep_then_accident_then_relative():
    rules = list(LevelRule.objects.filter(is_active=True).order_by("order"))
    assert [(rule.level, rule.max_ratio) for rule in rules] == [
        (Level.DEEP, Decimal("1.00")),
        (Level.ACCIDENT, Decimal("2.00")),
        (Level.RELATIVE, Decimal("1.50")),
    ]
    assert set(rules[1].causes) == {"disaster", "accident", "serious_illness"}


@pytest.mark.parametrize(
    ("per_head", "causes", "expected"),
    [
        ("1000.00", ["low_income"], Level.DEEP),
        ("600.00", ["serious_illness"], Level.DEEP),
        ("1000.01", ["low_income"], Level.RELATIVE),
        ("1500.00", ["children_in_school"], Level.RELATIVE),
        ("1200.00", ["serious_illness"], Level.ACCIDENT),
        ("2000.00", ["disaster", "low_income"], Level.ACCIDENT),
        ("1500.01", ["low_income"], ""),
        ("2000.01", ["accident"], ""),
    ],
)
def test_the_level_suggested_follows_income_per_head_against_the_standard(
    company, standard, per_head, causes, expected
):
    level, applied = services.level_suggest(
        unit=company.team, income_per_head=Decimal(per_head), causes=causes
    )
    assert level == expected
    assert applied == Decimal("1000.00")


def test_without_a_standard_in_force_there_is_no_suggestion(company):
    LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("900.00"), effective_from=dt.date(2099, 1, 1)
    )
    assert services.level_suggest(unit=company.team, income_per_head=Decimal("100"), causes=[]) == ("", None)


def test_the_nearest_unit_with_a_standard_in_force_sets_it(company, standard):
    LocalStandard.objects.create(
        unit=company.group, monthly_per_head=Decimal("700.00"), effective_from=JAN_FIRST
    )
    LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("1100.00"), effective_from=dt.date(2021, 7, 1)
    )
    assert services.local_standard_for(unit=company.team).monthly_per_head == Decimal("1100.00")
    on_an_earlier_day = services.local_standard_for(unit=company.team, on=dt.date(2021, 1, 1))
    assert on_an_earlier_day.monthly_per_head == Decimal("1000.00")
    assert services.local_standard_for(unit=company.sibling_team).monthly_per_head == Decimal("700.00")


def test_a_rule_switched_off_in_the_admin_no_longer_suggests(company, standard):
    LevelRule.objects.filter(level=Level.ACCIDENT).update(is_active=False)
    level, _standard = services.level_suggest(
        unit=company.team, income_per_head=Decimal("1200"), causes=["serious_illness"]
    )
    assert level == Level.RELATIVE


# --- opening -------------------------------------------------------------------------------------


def test_opening_a_file_records_the_household_its_income_per_head_and_the_suggestion(aid, standard):
    file = open_file(aid)  # 3,000.00 a month for three: 1,000.00 a head
    assert file.number.startswith(f"KN-{timezone.localdate().year}-")
    assert (file.household_size, file.monthly_income, file.income_per_head) == (
        3,
        Decimal("3000.00"),
        Decimal("1000.00"),
    )
    assert file.local_standard == Decimal("1000.00")
    assert file.level == file.suggested_level == Level.DEEP
    assert file.next_review_on == services.one_year_after(file.opened_on)
    assert [p.name for p in file.persons.all()] == ["刘大姐", "家人1", "家人2"]
    event = file.events.get()
    assert event.action == FileEvent.Action.OPENED and event.detail["suggested_level"] == Level.DEEP
    assert AuditEvent.objects.filter(
        code="assistance.file.opened", target=f"assistance.hardshipfile:{file.pk}"
    )


def test_income_per_head_is_rounded_to_the_cent(aid, standard):
    file = open_file(aid, incomes=("1000", "1000", "0.01"))
    assert file.income_per_head == Decimal("666.67")


def test_the_cadre_may_choose_another_level_and_the_file_keeps_both(aid, standard):
    file = open_file(aid, level=Level.ACCIDENT)
    assert (file.level, file.suggested_level) == (Level.ACCIDENT, Level.DEEP)


def test_without_a_standard_the_cadre_must_choose_the_level(aid):
    with pytest.raises(ValidationError) as caught:
        open_file(aid)
    assert "未设置当地低保标准" in caught.value.message_dict["level"][0]
    file = open_file(aid, level=Level.RELATIVE)
    assert (file.level, file.suggested_level, file.local_standard) == (Level.RELATIVE, "", None)


def test_a_member_has_one_active_file_at_a_time(aid, standard):
    with pytest.raises(ValidationError) as caught:
        open_file(aid, member=aid.member)  # the cast's worker already has one
    assert "已有在档" in caught.value.message_dict["member"][0]
    assert HardshipFile.objects.filter(member=aid.member).count() == 1


def test_a_member_who_left_hardship_may_have_a_new_file(aid, standard):
    services.file_exit(actor=aid.cadre, file=aid.file, version=aid.file.version, reason="子女就业")
    file = open_file(aid, member=aid.member)
    assert file.status == FileStatus.ACTIVE
    assert HardshipFile.objects.filter(member=aid.member).count() == 2


def test_bad_household_rows_are_refused_with_the_row_and_field_named(aid, standard):
    persons = household("2400", "abc")
    persons.append({"name": "", "relation": "cousin", "monthly_income": "-5"})
    with pytest.raises(ValidationError) as caught:
        services.file_open(
            actor=aid.cadre, member=aid.other_member, causes=["nonsense"], situation="", persons=persons
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "causes",
        "persons.1.monthly_income",
        "persons.2.name",
        "persons.2.relation",
        "persons.2.monthly_income",
    }
    assert not HardshipFile.objects.filter(member=aid.other_member).exists()


def test_an_empty_household_or_two_selves_are_refused(aid, standard):
    with pytest.raises(ValidationError) as caught:
        services.file_open(
            actor=aid.cadre, member=aid.other_member, causes=["low_income"], situation="", persons=[]
        )
    assert "persons" in caught.value.message_dict
    two = household("100") + [{"name": "又一个本人", "relation": "self", "monthly_income": "0"}]
    with pytest.raises(ValidationError):
        services.file_open(
            actor=aid.cadre, member=aid.other_member, causes=["low_income"], situation="", persons=two
        )


def test_traditional_chinese_is_stored_as_written(aid, standard):
    file = services.file_open(
        actor=aid.cadre,
        member=aid.other_member,
        causes=["serious_illness"],
        situation="丈夫患癌症,長期住院治療。",
        persons=[{"name": "劉大姐", "relation": "self", "monthly_income": "800"}],
    )
    assert file.situation == "丈夫患癌症,長期住院治療。"
    assert file.persons.get().name == "劉大姐"


def test_only_those_who_record_for_the_members_unit_may_open_a_file(aid, standard):
    for user in (aid.outsider, aid.treasurer, aid.leader):
        with pytest.raises(PermissionDenied):
            services.file_open(
                actor=user,
                member=aid.other_member,
                causes=["low_income"],
                situation="",
                persons=household("100"),
            )
    assert not HardshipFile.objects.filter(member=aid.other_member).exists()


# --- correcting and reviewing ----------------------------------------------------------------------


def test_an_update_works_the_suggestion_out_again_and_keeps_the_chosen_level(aid, standard):
    file = open_file(aid)
    file = services.file_update(
        actor=aid.cadre, file=file, version=file.version, persons=household("3000", "1500"), note="丈夫再就业"
    )
    assert (file.household_size, file.income_per_head) == (2, Decimal("2250.00"))
    assert file.suggested_level == ""
    assert file.level == Level.DEEP  # the cadre has not changed it
    updated = file.events.get(action=FileEvent.Action.UPDATED)
    assert updated.detail["changes"]["income_per_head"] == ["1000.00", "2250.00"]
    assert [person["name"] for person in updated.detail["earlier_persons"]] == ["刘大姐", "家人1", "家人2"]


def test_a_stale_version_is_a_conflict(aid, standard):
    file = open_file(aid)
    services.file_update(actor=aid.cadre, file=file, version=file.version, address="新地址")
    with pytest.raises(AssistanceConflict):
        services.file_update(actor=aid.cadre, file=file, version=file.version, address="另一个地址")


def test_the_yearly_review_sets_the_next_review_a_year_later_and_records_a_level_change(aid, standard):
    file = open_file(aid)
    reviewed_on = timezone.localdate() - dt.timedelta(days=1)
    file = services.file_review(
        actor=aid.cadre,
        file=file,
        version=file.version,
        reviewed_on=max(reviewed_on, file.opened_on),
        persons=household("2400", "1200", "0"),
        level="",
        note="丈夫有了临时工作",
    )
    assert file.reviewed_on == max(reviewed_on, file.opened_on)
    assert file.next_review_on == services.one_year_after(file.reviewed_on)
    assert (file.income_per_head, file.suggested_level, file.level) == (
        Decimal("1200.00"),
        Level.RELATIVE,
        Level.RELATIVE,
    )
    actions = list(file.events.values_list("action", flat=True))
    assert actions == [FileEvent.Action.OPENED, FileEvent.Action.REVIEWED, FileEvent.Action.LEVEL_CHANGED]
    assert file.events.get(action=FileEvent.Action.LEVEL_CHANGED).detail["level"] == [
        Level.DEEP,
        Level.RELATIVE,
    ]


def test_a_review_on_29_february_is_next_due_on_28_february():
    assert services.one_year_after(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_a_review_dated_tomorrow_is_refused(aid, standard):
    file = open_file(aid)
    with pytest.raises(ValidationError) as caught:
        services.file_review(
            actor=aid.cadre,
            file=file,
            version=file.version,
            reviewed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert "reviewed_on" in caught.value.message_dict


# --- exit ----------------------------------------------------------------------------------------


def test_exit_records_the_reason_and_ends_the_households_pairings(aid, standard):
    file = aid.file
    pairing = Pairing.objects.create(file=file, leader=aid.leader, unit=file.unit, created_by=aid.cadre)
    file = services.file_exit(actor=aid.cadre, file=file, version=file.version, reason="女儿大学毕业就业")
    assert (file.status, file.exit_reason, file.exited_on) == (
        FileStatus.EXITED,
        "女儿大学毕业就业",
        timezone.localdate(),
    )
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate()
    assert file.events.get(action=FileEvent.Action.EXITED).note == "女儿大学毕业就业"


def test_exit_needs_a_reason_and_happens_once(aid):
    with pytest.raises(ValidationError):
        services.file_exit(actor=aid.cadre, file=aid.file, version=aid.file.version, reason="  ")
    file = services.file_exit(actor=aid.cadre, file=aid.file, version=aid.file.version, reason="收入提高")
    with pytest.raises(AssistanceError):
        services.file_exit(actor=aid.cadre, file=file, version=file.version, reason="再来一次")
    with pytest.raises(AssistanceError):
        services.file_review(actor=aid.cadre, file=file, version=file.version)


# --- documents -----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANXIN_ATTACHMENT_MAX_MB = 1
    return settings.MEDIA_ROOT


def test_a_document_is_checked_by_its_bytes_and_stored_under_a_name_of_our_own(aid, media):
    document = services.document_add(
        actor=aid.cadre,
        file=aid.file,
        title="诊断证明",
        upload=SimpleUploadedFile("诊断.pdf", PDF, content_type="application/pdf"),
    )
    stored = Path(document.stored.path)
    assert stored.is_file() and stored.read_bytes() == PDF
    assert str(stored).startswith(str(media))
    assert stored.name == f"{document.token}.pdf"
    assert (document.content_type, document.original_name) == ("application/pdf", "诊断.pdf")
    assert aid.file.events.filter(action=FileEvent.Action.DOCUMENT_ADDED, note="诊断证明").exists()


def test_a_document_that_is_not_a_photo_or_pdf_is_refused(aid, media):
    with pytest.raises(ValidationError) as caught:
        services.document_add(
            actor=aid.cadre,
            file=aid.file,
            title="病历",
            upload=SimpleUploadedFile("病历.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        )
    assert "不是照片或 PDF" in caught.value.messages[0]
    assert not aid.file.documents.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_an_outsider_cannot_add_a_document(aid, media):
    with pytest.raises(PermissionDenied):
        services.document_add(
            actor=aid.outsider, file=aid.file, title="x", upload=SimpleUploadedFile("a.jpg", JPEG)
        )
