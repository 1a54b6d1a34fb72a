"""Hardship files and pairing in a real browser, on a phone.

A cadre opens a file for a family with its members and incomes and sees the level the rules
suggest while typing; a leader paired with the family records a visit from their phone.
Screenshots land in test-artifacts/assistance-file-*.png.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from lianxin.assistance.models import HardshipFile, Level, LocalStandard, Pairing, Visit
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 375
VISIT_NOTES = "送去米面油和过冬棉被,张师傅透析情况稳定,孩子在校表现好。"


@pytest.fixture(autouse=True)
def _rules_and_standard(db, company):
    """Transactional tests flush what the data migration loaded: the level rules. 炼钢厂's standard is
    1,000 yuan per head per month."""
    migration = importlib.import_module("lianxin.assistance.migrations.0002_default_level_rules")
    migration.load(apps, None)
    LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("1000.00"), effective_from=dt.date(2020, 1, 1)
    )


@pytest.fixture
def household_head(company):
    return make_member(company.team2, "刘大姐", job="天车工")


@pytest.fixture
def leader(company):
    user = UserFactory(username="leader", full_name="陈厂长")
    grant(user, company.unit, "leader")
    return user


def no_sideways_scroll(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} is {width}px wide on a {PHONE_WIDTH}px phone"


def test_a_cadre_on_a_phone_opens_a_file_and_sees_the_suggested_level(
    phone, live_server, personas, company, household_head, shot
):
    page = phone
    login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/assistance/files/")
    expect(page.locator("h1")).to_have_text("困难职工档案")
    page.get_by_role("link", name="新建档案").click()
    expect(page.locator("h1")).to_have_text("新建困难档案")

    page.get_by_label("职工").fill(household_head.member_no)
    page.get_by_label("大病").check()
    page.get_by_label("子女上学").check()
    page.get_by_label("家庭住址").fill("炼钢厂生活区 5 栋 2 单元 301")
    page.get_by_label("家庭情况").fill("丈夫患尿毒症,每周透析三次;女儿上初中。")
    page.fill("input[name=persons-0-name]", "刘大姐")
    page.select_option("select[name=persons-0-relation]", "self")
    page.fill("input[name=persons-0-birth_year]", "1979")
    page.fill("input[name=persons-0-occupation]", "天车工")
    page.fill("input[name=persons-0-monthly_income]", "2600")
    page.fill("input[name=persons-1-name]", "张师傅")
    page.select_option("select[name=persons-1-relation]", "spouse")
    page.fill("input[name=persons-1-occupation]", "病休")
    page.fill("input[name=persons-1-monthly_income]", "200")
    page.select_option("select[name=persons-1-health]", "serious_illness")
    page.get_by_role("button", name="再添一人").click()
    page.fill("input[name=persons-3-name]", "张小妹")
    page.select_option("select[name=persons-3-relation]", "child")
    page.select_option("select[name=persons-3-school_level]", "junior")
    page.locator("input[name=persons-3-monthly_income]").fill("0")
    page.locator("input[name=persons-3-monthly_income]").blur()

    # 2,800.00 a month for three: 933.33 a head, below the 1,000.00 standard.
    suggestion = page.locator("#file-suggestion")
    expect(suggestion.locator("#suggested-level")).to_have_text("深度困难")
    expect(suggestion).to_contain_text("933.33")
    expect(suggestion).to_contain_text("1000.00")
    no_sideways_scroll(page, "the new file page")
    shot(page, "assistance-file-01-new-phone")

    page.get_by_role("button", name="建档").click()
    expect(page.get_by_role("alert").filter(has_text="已建档")).to_be_visible()
    file = HardshipFile.objects.get(member=household_head)
    assert (file.household_size, file.income_per_head, file.level, file.suggested_level) == (
        3,
        Decimal("933.33"),
        Level.DEEP,
        Level.DEEP,
    )
    expect(page.locator("h1")).to_have_text("刘大姐家庭")
    expect(page.locator("#file-level")).to_have_text("深度困难")
    expect(page.locator("#file-suggested-level")).to_contain_text("深度困难")
    expect(page.locator("#file-persons")).to_contain_text("张小妹")
    no_sideways_scroll(page, "the file page")
    shot(page, "assistance-file-02-detail-phone")

    page.goto(f"{live_server.url}/assistance/files/")
    expect(page.locator("#file-table")).to_contain_text("刘*姐")
    expect(page.locator("#file-table")).not_to_contain_text("刘大姐")


def test_a_leader_paired_with_a_family_records_a_visit_on_a_phone(
    phone, desktop, live_server, personas, company, household_head, leader, shot
):
    file = HardshipFile.objects.create(
        number="KN-2026-00001",
        unit=household_head.unit,
        member=household_head,
        level=Level.DEEP,
        suggested_level=Level.DEEP,
        causes=["serious_illness"],
        household_size=3,
        monthly_income=Decimal("2800.00"),
        income_per_head=Decimal("933.33"),
        local_standard=Decimal("1000.00"),
        opened_by=personas.cadre,
        next_review_on=dt.date.today() + dt.timedelta(days=365),
    )

    # The cadre pairs the leader with the family from the file's page.
    login(desktop, live_server.url, "cadre")
    desktop.goto(f"{live_server.url}/assistance/files/{file.pk}/")
    desktop.get_by_role("link", name="安排结对").click()
    desktop.get_by_label("结对领导").select_option(label="陈厂长")
    desktop.get_by_label("每年至少走访次数").fill("4")
    desktop.get_by_role("button", name="结对").click()
    expect(desktop.get_by_role("alert").filter(has_text="已与陈厂长结对")).to_be_visible()
    pairing = Pairing.objects.get(file=file, leader=leader)

    # The leader, on a phone, finds the family under 我的结对 and records the visit.
    page = phone
    login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/assistance/pairings/mine/")
    expect(page.locator("h1")).to_have_text("我的结对")
    family = page.locator("#my-pairings a").filter(has_text="刘*姐家庭")
    expect(family).to_contain_text("还没有走访")
    no_sideways_scroll(page, "my pairings")
    shot(page, "assistance-file-03-my-pairings-phone")
    family.click()

    expect(page).to_have_url(re.compile(rf"/assistance/pairings/{pairing.pk}/$"))
    form = page.locator("#form-visit")
    form.get_by_label("走访情况").fill(VISIT_NOTES)
    form.get_by_label("新的困难和需求").fill("冬季取暖费有困难")
    no_sideways_scroll(page, "the visit form")
    shot(page, "assistance-file-04-visit-phone")
    form.get_by_role("button", name="登记走访").click()

    expect(page.get_by_role("alert").filter(has_text="已登记走访")).to_be_visible()
    expect(page.locator("#pairing-visits")).to_contain_text(VISIT_NOTES)
    expect(page.locator("#pairing-progress")).to_contain_text("近 12 个月走访 1 次")
    visit = Visit.objects.get(pairing=pairing)
    assert (visit.visitor, visit.needs) == (leader, "冬季取暖费有困难")
    shot(page, "assistance-file-05-visited-phone")

    # Through the pairing the leader may open the family's file; the view is logged.
    page.get_by_role("link", name=file.number).click()
    expect(page.locator("h1")).to_have_text("刘大姐家庭")
    expect(page.locator("#file-visits")).to_contain_text(VISIT_NOTES)
    expect(page.locator("#review-file")).to_have_count(0)
    no_sideways_scroll(page, "the file page seen by the leader")
