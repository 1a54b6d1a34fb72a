"""Hardship-file pages: the list, opening a file with its suggestion, one file, review, exit, documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.assistance.models import (
    Application,
    ApplicationStatus,
    FileStatus,
    HardshipFile,
    Level,
    LocalStandard,
    Pairing,
)
from lianxin.assistance.tests.factories import make_file
from lianxin.core.models import AccessLog
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member

pytestmark = pytest.mark.django_db

LIST = reverse("assistance:files")
NEW = reverse("assistance:file_new")
SUGGEST = reverse("assistance:file_suggest")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64


@pytest.fixture
def standard(company):
    return LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("1000.00"), effective_from=dt.date(2020, 1, 1)
    )


def detail_url(file) -> str:
    return reverse("assistance:file_detail", args=[file.pk])


def persons_data(*rows: tuple[str, str, str]) -> dict:
    """Form data of the household rows: (name, relation, monthly income)."""
    data = {"persons-TOTAL_FORMS": str(len(rows) + 1), "persons-INITIAL_FORMS": "0"}
    for index, (name, relation, income) in enumerate(rows):
        data.update(
            {
                f"persons-{index}-name": name,
                f"persons-{index}-relation": relation,
                f"persons-{index}-monthly_income": income,
                f"persons-{index}-health": "healthy",
            }
        )
    data[f"persons-{len(rows)}-health"] = "healthy"  # a blank row left as it came
    return data


def views_logged(user, file) -> int:
    return AccessLog.objects.filter(
        user=user, action="view", subject=f"assistance.hardshipfile:{file.pk}"
    ).count()


# --- the list ------------------------------------------------------------------------------------


def test_the_list_masks_names_and_shows_due_and_overdue_reviews(login, aid):
    today = timezone.localdate()
    overdue = make_file(aid.other_member, aid.cadre, next_review_on=today - dt.timedelta(days=3))
    response = login(aid.cadre).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "王*工" in html and "刘*姐" in html
    assert "王小工" not in html and "刘大姐" not in html
    assert response.context["counts"] == {"due": 0, "overdue": 1}
    overdue_only = login(aid.cadre).get(LIST, {"review_due": "overdue"})
    assert [file.pk for file in overdue_only.context["page"].object_list] == [overdue.pk]


def test_the_list_filters_by_level_and_answers_htmx_with_the_results_only(login, aid, htmx):
    make_file(aid.other_member, aid.cadre, level=Level.RELATIVE)
    response = login(aid.cadre).get(LIST, {"level": Level.RELATIVE}, **htmx)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'id="file-table"' in response.content
    assert [file.level for file in response.context["page"].object_list] == [Level.RELATIVE]


def test_the_list_reads_a_page_of_files_in_a_fixed_number_of_queries(
    login, aid, company, django_assert_max_num_queries
):
    client = login(aid.cadre)
    client.get(LIST)  # the holiday calendar is read once and kept
    with CaptureQueriesContext(connection) as one_file:
        client.get(LIST)
    for index in range(15):
        make_file(make_member(company.team2, f"职工{index}"), aid.cadre)
    with django_assert_max_num_queries(16):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 16
    with CaptureQueriesContext(connection) as sixteen_files:
        client.get(LIST)
    assert len(sixteen_files) == len(one_file)


def test_the_list_is_not_for_a_worker_and_sends_a_paired_leader_to_their_pairings(login, aid):
    assert login(aid.worker).get(LIST).status_code == 403
    assert login(aid.leader).get(LIST).status_code == 403
    Pairing.objects.create(file=aid.file, leader=aid.leader, unit=aid.file.unit, created_by=aid.cadre)
    response = login(aid.leader).get(LIST)
    assert response.status_code == 302 and response.url == reverse("assistance:my_pairings")


def test_an_outsider_sees_none_of_the_units_files(login, aid):
    response = login(aid.outsider).get(LIST)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


# --- opening a file ------------------------------------------------------------------------------


def test_the_new_file_page_starts_with_the_member_as_the_first_person(login, aid):
    response = login(aid.cadre).get(NEW, {"member": aid.other_member.pk})
    assert response.status_code == 200
    assert response.context["form"]["member"].value() == aid.other_member.member_no
    first = response.context["formset"].forms[0]
    assert (first["name"].value(), first["relation"].value()) == ("刘大姐", "self")


def test_the_new_file_page_warns_of_a_members_active_file(login, aid):
    response = login(aid.cadre).get(NEW, {"member": aid.member.pk})
    assert response.context["existing"] == aid.file
    assert aid.file.number in response.content.decode()


def test_a_member_outside_the_cadres_scope_cannot_be_chosen(login, aid):
    assert login(aid.cadre).get(NEW, {"member": aid.outsider_member.pk}).status_code == 404


def test_opening_a_file_on_the_page_saves_the_household_and_shows_the_file(login, aid, standard):
    data = {
        "member": aid.other_member.member_no,
        "causes": ["serious_illness", "children_in_school"],
        "situation": "丈夫患尿毒症,每周透析三次。",
        "address": "炼钢厂生活区 5 栋 2 单元",
        "level": "",
        **persons_data(("刘大姐", "self", "2800"), ("张师傅", "spouse", "0"), ("张小妹", "child", "0")),
    }
    response = login(aid.cadre).post(NEW, data)
    file = HardshipFile.objects.get(member=aid.other_member)
    assert response.status_code == 302 and response.url == detail_url(file)
    assert (file.household_size, file.income_per_head) == (3, Decimal("933.33"))
    assert file.level == file.suggested_level == Level.DEEP
    page = login(aid.cadre).get(response.url).content.decode()
    assert "刘大姐家庭" in page and "张小妹" in page and "933.33" in page


def test_a_household_without_causes_or_persons_comes_back_with_the_errors(login, aid, standard):
    data = {"member": aid.other_member.member_no, "level": "", **persons_data(("", "self", ""))}
    response = login(aid.cadre).post(NEW, data)
    assert response.status_code == 422
    assert response.context["form"].errors["causes"]
    assert "请至少填写一名家庭成员" in response.content.decode()
    assert not HardshipFile.objects.filter(member=aid.other_member).exists()


def test_without_a_standard_the_page_says_so_and_asks_for_a_level(login, aid):
    data = {
        "member": aid.other_member.member_no,
        "causes": ["low_income"],
        "level": "",
        **persons_data(("刘大姐", "self", "500")),
    }
    response = login(aid.cadre).post(NEW, data)
    assert response.status_code == 422
    assert "未设置当地低保标准" in response.context["form"].errors["level"][0]


def test_the_suggestion_box_follows_what_is_typed(login, aid, standard):
    data = {
        "member": aid.other_member.member_no,
        "causes": ["accident"],
        **persons_data(("刘大姐", "self", "2400"), ("张师傅", "spouse", "0")),
    }
    response = login(aid.cadre).post(SUGGEST, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "意外致困" in html  # 1,200.00 a head with an accident: at most 2 × the standard
    assert "1200.00" in html and "1000.00" in html


def test_the_suggestion_box_says_plainly_when_there_is_no_standard(login, aid):
    data = {"member": aid.other_member.member_no, **persons_data(("刘大姐", "self", "500"))}
    html = login(aid.cadre).post(SUGGEST, data).content.decode()
    assert "未设置当地低保标准,无法给出建议类别" in html


def test_only_those_who_record_may_open_files(login, aid):
    assert login(aid.treasurer).get(NEW).status_code == 403
    assert login(aid.leader).post(SUGGEST, {}).status_code == 403


# --- one file ------------------------------------------------------------------------------------


def test_a_file_shows_the_household_in_full_and_the_view_is_logged(login, aid):
    response = login(aid.cadre).get(detail_url(aid.file))
    assert response.status_code == 200
    assert "王小工家庭" in response.content.decode()
    log = AccessLog.objects.get(user=aid.cadre, subject=f"assistance.hardshipfile:{aid.file.pk}")
    assert "persons" in log.fields and "address" in log.fields


def test_a_file_outside_scope_is_404_and_nothing_is_logged(login, aid):
    assert login(aid.outsider).get(detail_url(aid.file)).status_code == 404
    assert login(aid.leader).get(detail_url(aid.file)).status_code == 404
    assert not AccessLog.objects.filter(subject=f"assistance.hardshipfile:{aid.file.pk}").exists()


def test_a_paired_leader_sees_the_file_through_the_pairing_and_it_is_logged_so(login, aid):
    pairing = Pairing.objects.create(
        file=aid.file, leader=aid.leader, unit=aid.file.unit, created_by=aid.cadre
    )
    response = login(aid.leader).get(detail_url(aid.file))
    assert response.status_code == 200
    assert not response.context["may_record"]
    log = AccessLog.objects.get(user=aid.leader)
    assert log.detail["via"] == "pairing"
    pairing.ended_on = timezone.localdate()
    pairing.save()
    assert login(aid.leader).get(detail_url(aid.file)).status_code == 404


def test_a_file_shows_the_households_aid_history(login, aid, company):
    application = Application.objects.create(
        number="BF-2026-000001",
        programme=aid.festival,
        unit=aid.member.unit,
        member=aid.member,
        file=aid.file,
        household_key=f"f{aid.file.pk}",
        period_key="2026",
        amount=Decimal("1000.00"),
        reason="春节慰问",
        status=ApplicationStatus.PENDING,
        approval_unit=company.unit,
        recorded_by=aid.cadre,
    )
    response = login(aid.cadre).get(detail_url(aid.file))
    assert response.context["applications"] == [application]
    assert "BF-2026-000001" in response.content.decode()


# --- review, edit, exit ----------------------------------------------------------------------------


def change_data(file, **extra) -> dict:
    return {
        "version": file.version,
        "causes": file.causes,
        "situation": "复核:孩子已上高中。",
        "address": "炼钢厂生活区 3 栋",
        "level": "",
        "note": "",
        "persons-TOTAL_FORMS": "2",
        "persons-INITIAL_FORMS": "0",
        "persons-0-name": "王小工",
        "persons-0-relation": "self",
        "persons-0-monthly_income": "3600",
        "persons-0-health": "healthy",
        "persons-1-name": "王小妹",
        "persons-1-relation": "child",
        "persons-1-monthly_income": "0",
        "persons-1-school_level": "senior",
        "persons-1-health": "healthy",
        **extra,
    }


def test_the_review_page_records_the_household_and_moves_the_next_review_a_year(login, aid, standard):
    url = reverse("assistance:file_review", args=[aid.file.pk])
    assert login(aid.cadre).get(url).status_code == 200
    today = timezone.localdate()
    response = login(aid.cadre).post(
        url, change_data(aid.file, reviewed_on=today.isoformat(), note="年度复核")
    )
    assert response.status_code == 302
    file = HardshipFile.objects.get(pk=aid.file.pk)
    assert file.reviewed_on == today
    assert file.next_review_on.year == today.year + 1
    assert (file.household_size, file.income_per_head, file.level) == (2, Decimal("1800.00"), Level.ACCIDENT)


def test_a_stale_review_is_sent_back_with_a_message(login, aid, standard):
    url = reverse("assistance:file_review", args=[aid.file.pk])
    data = change_data(aid.file, version=aid.file.version - 1, reviewed_on=timezone.localdate().isoformat())
    response = login(aid.cadre).post(url, data, follow=True)
    assert "刚被其他人处理过" in response.content.decode()
    assert HardshipFile.objects.get(pk=aid.file.pk).reviewed_on is None


def test_the_edit_page_removes_a_person_marked_gone(login, aid, standard):
    aid.file.persons.create(name="王小工", relation="self", monthly_income=Decimal("3600"))
    aid.file.persons.create(name="王小妹", relation="child", monthly_income=Decimal("0"))
    url = reverse("assistance:file_edit", args=[aid.file.pk])
    page = login(aid.cadre).get(url)
    assert page.context["formset"].initial_form_count() == 2
    data = change_data(aid.file, **{"persons-INITIAL_FORMS": "2", "persons-1-DELETE": "on"})
    assert login(aid.cadre).post(url, data).status_code == 302
    assert [person.name for person in aid.file.persons.all()] == ["王小工"]
    assert HardshipFile.objects.get(pk=aid.file.pk).household_size == 1


def test_exit_on_the_page_needs_a_reason(login, aid):
    url = reverse("assistance:file_exit", args=[aid.file.pk])
    response = login(aid.cadre).post(url, {"version": aid.file.version, "reason": ""})
    assert response.status_code == 422
    response = login(aid.cadre).post(url, {"version": aid.file.version, "reason": "儿子参加工作"})
    assert response.status_code == 302
    file = HardshipFile.objects.get(pk=aid.file.pk)
    assert (file.status, file.exit_reason) == (FileStatus.EXITED, "儿子参加工作")


def test_those_who_only_view_cannot_change_a_file(login, aid, company):
    supervisor = UserFactory(username="supervisor", full_name="吴督查")
    grant(supervisor, company.secondary, "supervisor")
    for url in ("file_review", "file_edit", "file_exit"):
        response = login(supervisor).post(reverse(f"assistance:{url}", args=[aid.file.pk]), {})
        assert response.status_code == 403, url
        assert (
            login(aid.outsider).post(reverse(f"assistance:{url}", args=[aid.file.pk]), {}).status_code == 404
        )


# --- documents -----------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANXIN_ATTACHMENT_MAX_MB = 1


def test_a_document_uploaded_on_the_page_is_served_only_to_those_who_may_see_the_file(
    login, aid, media, personas
):
    url = reverse("assistance:file_document_add", args=[aid.file.pk])
    upload = SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf")
    response = login(aid.cadre).post(url, {"title": "诊断证明", "upload": upload})
    assert response.status_code == 302
    document = aid.file.documents.get()
    link = reverse("assistance:file_document", args=[document.token])
    served = login(personas.parent_cadre).get(link)
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF
    assert served["Cache-Control"] == "private, no-store"
    log = AccessLog.objects.get(user=personas.parent_cadre)
    assert log.fields == ["documents"] and log.detail["document"] == document.token
    assert login(aid.outsider).get(link).status_code == 404
    assert login(aid.worker).get(link).status_code == 404


def test_a_document_of_the_wrong_kind_is_refused_on_the_page(login, aid, media):
    url = reverse("assistance:file_document_add", args=[aid.file.pk])
    upload = SimpleUploadedFile("病历.exe", b"MZ\x90\x00", content_type="application/pdf")
    response = login(aid.cadre).post(url, {"title": "病历", "upload": upload})
    assert response.status_code == 422
    assert "不是照片或 PDF" in response.content.decode()
    assert not aid.file.documents.exists()
