"""School aid in a real browser: the cadre records it (the amount follows the school level), the
chairman approves it from 待我审批, the treasurer — on a phone — pays it with a voucher number, and
the fund's ledger shows the payment and the new balance. A double click on the payment pays once.

Screenshots of every step land in test-artifacts/assistance-NN-*.png.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from lianxin.assistance.models import Application, ApplicationStatus, EntryKind, Fund, FundEntry
from lianxin.assistance.tests import conftest as assistance_cast

from .conftest import _page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

aid = assistance_cast.aid  # the assistance cast (chairman, treasurer) on top of the personas

PHONE_WIDTH = 375
REASON = "女儿今年考上县一中读高中,家里只有她父亲一人有收入,学费和住宿费负担很重。"
VOUCHER = "记-2026-0917"


@pytest.fixture
def desktop_as(chromium, live_server):
    """desktop_as(username) -> a fresh desktop browser page, logged in as that user."""
    contexts = []

    def open_as(username: str) -> Page:
        context, page = _page(chromium, viewport={"width": 1366, "height": 900})
        contexts.append(context)
        login(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def no_sideways_scroll(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{what} is {width}px wide on a {PHONE_WIDTH}px phone"


def take_step(page: Page, name: str, **fields: str) -> None:
    """Open a step of the application page, fill its fields (by label) and confirm it."""
    details = page.locator(f"#step-{name}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = page.locator(f"#form-{name}")
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.locator("button[type=submit]").click()


def test_school_aid_is_recorded_approved_paid_on_a_phone_and_shows_in_the_ledger(
    aid, phone, desktop_as, live_server, shot
):
    url = live_server.url
    member = aid.other_member  # 刘大姐 of 乙班, whose daughter starts senior school

    # 1. The cadre records school aid; choosing the school level fills in the amount.
    cadre = desktop_as("cadre")
    cadre.goto(f"{url}/assistance/applications/new/")
    expect(cadre.locator("h1")).to_have_text("登记帮扶")
    cadre.get_by_label("帮扶项目").select_option(label="金秋助学 · 炼钢厂")
    expect(cadre.locator("#programme-rules")).to_contain_text("按学段发放")
    cadre.wait_for_load_state("networkidle")  # the programme's fields are swapped in whole first
    cadre.get_by_label("在读学段").select_option(label="高中/中职")
    expect(cadre.get_by_label("金额(元)")).to_have_value("1500.00")
    cadre.get_by_label("受助职工").fill("刘大姐")
    expect(cadre.locator(f'#member-options option[value="{member.member_no}"]')).to_have_count(1)
    cadre.get_by_label("帮扶事由").fill(REASON)
    shot(cadre, "assistance-01-record")
    cadre.get_by_role("button", name="提交审批").click()

    expect(cadre.get_by_role("alert").filter(has_text="等待审批")).to_be_visible()
    application = Application.objects.get()
    assert application.amount == Decimal("1500.00") and application.member == member
    expect(cadre.locator("#application-header")).to_contain_text("待审批")
    expect(cadre.locator("#application-reason")).to_have_text(REASON)
    expect(cadre.locator("#step-approve")).to_have_count(0)  # the recorder never approves
    shot(cadre, "assistance-02-recorded")

    # 2. The chairman finds it waiting for approval, with the name masked in the list, and approves.
    chairman = desktop_as("chairman")
    chairman.goto(f"{url}/assistance/applications/")
    expect(chairman.locator("#tab-to_approve")).to_have_attribute("aria-current", "page")
    row = chairman.locator("#application-table tbody tr").filter(has_text=application.number)
    expect(row).to_contain_text("刘*姐")
    expect(row).not_to_contain_text("刘大姐")
    shot(chairman, "assistance-03-to-approve")
    row.get_by_role("link", name=application.number).click()
    expect(chairman.locator("h1")).to_contain_text("刘大姐")
    take_step(chairman, "approve", 审批意见="符合金秋助学条件,同意。")
    expect(chairman.get_by_role("alert").filter(has_text="已批准")).to_be_visible()
    expect(chairman.locator("#application-header")).to_contain_text("已批准")
    expect(chairman.locator("#application-timeline")).to_contain_text("符合金秋助学条件")
    shot(chairman, "assistance-04-approved")
    assert Fund.objects.get(pk=aid.fund.pk).reserved == Decimal("1500.00")

    # 3. The treasurer, on a phone, pays it with the voucher number (a double click pays once).
    treasurer = phone
    login(treasurer, url, "treasurer")
    treasurer.goto(f"{url}/assistance/applications/")
    expect(treasurer.locator("#tab-to_pay")).to_have_attribute("aria-current", "page")
    no_sideways_scroll(treasurer, "the list of applications")
    shot(treasurer, "assistance-05-to-pay-phone")
    treasurer.locator("#application-table").get_by_role("link", name=application.number).click()
    expect(treasurer.locator("#application-header")).to_contain_text("已批准")
    no_sideways_scroll(treasurer, "the application page")
    pay = treasurer.locator("#step-pay")
    if pay.get_attribute("open") is None:
        pay.locator("summary").click()
    treasurer.locator("#form-pay").get_by_label("凭证号/银行流水号").fill(VOUCHER)
    shot(treasurer, "assistance-06-pay-phone")
    treasurer.locator("#form-pay button[type=submit]").dblclick()

    expect(treasurer.locator("#application-header")).to_contain_text("已发放")
    expect(treasurer.locator("#application-reference")).to_have_text(VOUCHER)
    expect(treasurer.locator("#application-timeline")).to_contain_text("发放")
    no_sideways_scroll(treasurer, "the paid application")
    shot(treasurer, "assistance-07-paid-phone")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PAID
    assert FundEntry.objects.filter(application=application, kind=EntryKind.PAYMENT).count() == 1

    # 4. The ledger shows the payment on top, and the fund's new balance.
    treasurer.get_by_role("link", name=aid.fund.name).click()
    expect(treasurer.locator("h1")).to_contain_text(aid.fund.name)
    expect(treasurer.locator("#fund-balance")).to_have_text("98500.00")
    expect(treasurer.locator("#fund-reserved")).to_have_text("0.00")
    first = treasurer.locator("#ledger-table tbody tr").first
    expect(first).to_contain_text("支出")
    expect(first.locator(".ledger-amount")).to_have_text("-1500.00")
    expect(first.locator(".ledger-balance")).to_have_text("98500.00")
    no_sideways_scroll(treasurer, "the fund ledger")
    shot(treasurer, "assistance-08-ledger-phone")

    cadre.goto(f"{url}/assistance/funds/{aid.fund.pk}/")
    first = cadre.locator("#ledger-table tbody tr").first
    expect(first).to_contain_text(application.number)
    expect(first).to_contain_text(VOUCHER)
    expect(first).to_contain_text("冯出纳")
    shot(cadre, "assistance-09-ledger")
    assert re.fullmatch(r"BF-\d{4}-\d{6}", application.number)
