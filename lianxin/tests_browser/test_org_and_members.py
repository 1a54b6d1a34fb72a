import re

import pytest
from playwright.sync_api import expect

from lianxin.members.tests.factories import make_member

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zhang_wei(company):
    return make_member(company.team, "张伟", job="炼钢工")


def test_cadre_opens_a_unit_and_finds_a_member_by_pinyin(
    desktop, live_server, personas, company, zhang_wei, shot
):
    page = desktop
    login(page, live_server.url, "cadre")

    page.goto(f"{live_server.url}/org/")
    page.get_by_role("link", name="炼钢厂", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/org/units/{company.unit.pk}/"))
    expect(page.locator("h1")).to_contain_text("炼钢厂")
    expect(page.get_by_text("覆盖").first).to_be_visible()
    shot(page, "cadre-unit-page")

    page.goto(f"{live_server.url}/members/")
    page.fill("input[name=q]", "zw")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="张伟")).to_be_visible()
    expect(page.get_by_text("轧钢厂")).to_have_count(0)
    shot(page, "cadre-member-search")

    page.get_by_role("link", name="张伟").click()
    expect(page.locator("body")).to_contain_text(zhang_wei.id_number_masked)
    expect(page.locator("body")).to_contain_text("炼钢工")


def test_member_search_fits_a_phone_screen(phone, live_server, personas, company, zhang_wei, shot):
    page = phone
    login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/members/?q=zhangwei")
    expect(page.get_by_role("link", name="张伟")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    shot(page, "phone-member-search")

    page.goto(f"{live_server.url}/org/units/{company.unit.pk}/")
    expect(page.locator("h1")).to_contain_text("炼钢厂")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the unit page is {overflow}px wider than the phone"
    shot(page, "phone-unit-page")


def test_worker_on_a_phone_sees_only_their_own_record(phone, live_server, personas, company, zhang_wei, shot):
    page = phone
    login(page, live_server.url, "worker")
    response = page.goto(f"{live_server.url}/members/{zhang_wei.pk}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name=re.compile("菜单|Menu")).click()
    page.get_by_role("link", name="我的信息").click()
    expect(page.locator("body")).to_contain_text("王小工")
    shot(page, "phone-worker-own-record")
