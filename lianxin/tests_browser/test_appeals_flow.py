"""The whole appeal flow in a real browser: a worker on a phone raises an anonymous appeal, the
union accepts it and sends it to deliberation, the committee refers it to a department, the
department answers, the cadre answers the worker, who is not satisfied; the appeal reopens at the
parent union, is answered again and closed on a satisfied rating.

Screenshots of every step land in test-artifacts/appeals-NN-*.png.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from lianxin.appeals.models import Appeal, Department, State
from lianxin.appeals.tests.factories import make_department
from lianxin.core.tests.factories import UserFactory, grant

from .conftest import _page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 375
TEXT = (
    "我们班组这三个月的夜班费没有按新标准发放,工资条上也看不到明细,"
    "问了班长说不清楚,请工会帮忙问问人力资源部。"
)
DECISION_NOTE = "请人力资源部核实夜班费新标准的执行情况,五个工作日内回复。"
DEPARTMENT_ANSWER = "经核实,新标准自本季度起执行,已为该班组补发本月夜班费。"
FIRST_ANSWER = "人力资源部已核实:本月夜班费已按新标准补发,工资条将增加明细。"
DISSATISFIED_REASON = "只补了一个月,前两个月的还没有补。"
SECOND_ANSWER = "经股份公司工会协调,前两个月的夜班费差额已于本周全部补发到位。"


@pytest.fixture(autouse=True)
def _categories_and_limits(db):
    """Transactional tests flush what the data migrations loaded: the categories and time limits."""
    migration = importlib.import_module("lianxin.appeals.migrations.0002_default_categories_and_limits")
    migration.load(apps, None)


@pytest.fixture
def committee(company):
    """The committee member who chairs the unit's deliberation meetings (a cadre of 炼钢厂)."""
    user = UserFactory(username="committee", full_name="吴委员")
    grant(user, company.unit, "cadre")
    return user


@pytest.fixture
def handler(company):
    return UserFactory(username="hr_handler", full_name="郑人事")


@pytest.fixture
def hr(company, handler) -> Department:
    return make_department(company.unit, name="人力资源部", handlers=[handler])


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


def timeline(page: Page):
    return page.locator("#appeal-timeline")


def take_step(page: Page, name: str, **fields: str) -> None:
    """Open a step of the office detail page, fill its fields (by label) and confirm it."""
    page.locator(f"#step-{name} summary").click()
    form = page.locator(f"#form-{name}")
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.locator("button[type=submit]").click()


def track(page: Page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/appeals/track/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#worker-appeal")).to_be_visible()


def rate(page: Page, score: str, comment: str = "") -> None:
    rating = page.locator("#rate")
    rating.locator("label.btn").filter(has_text=re.compile(rf"^{score}$")).click()
    if comment:
        rating.get_by_label("意见").fill(comment)
    rating.get_by_role("button", name="提交评价").click()


def test_an_anonymous_appeal_goes_from_a_phone_through_every_step_and_reopens_at_the_parent_union(
    phone, desktop_as, live_server, personas, company, committee, handler, hr, shot
):
    url = live_server.url
    seen: dict[str, str] = {}  # every page a cadre or the department handler was shown

    def keep(page: Page, label: str) -> None:
        seen[label] = page.content()

    # 1. The worker, on a phone, raises it anonymously and notes the follow-up code shown once.
    worker = phone
    login(worker, url, "worker")
    no_sideways_scroll(worker, "the worker's home page")
    shot(worker, "appeals-00-home-phone")
    worker.locator("#home-appeal-actions").get_by_role("link", name="我要说事").click()
    expect(worker.locator("h1")).to_have_text("我要说事")
    worker.get_by_label("遇到了什么问题?").fill(TEXT)
    worker.get_by_label("匿名提交").check()
    no_sideways_scroll(worker, "the submit page")
    shot(worker, "appeals-01-submit-phone")
    worker.get_by_role("button", name="提交", exact=True).click()

    expect(worker).to_have_url(re.compile(r"/appeals/new/done/$"))
    expect(worker.locator("h1")).to_have_text("已匿名提交")
    code = worker.locator("#track-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4})+", code), code
    number = re.search(r"诉求编号:(\S+)", worker.locator("main").inner_text()).group(1)
    appeal = Appeal.objects.get(number=number)
    assert appeal.is_anonymous and appeal.member is None and appeal.submitted_by is None
    assert appeal.handling_unit == company.unit
    no_sideways_scroll(worker, "the follow-up code page")
    shot(worker, "appeals-01b-code-shown-once-phone")
    worker.reload()  # the code is shown once only
    expect(worker.locator("#track-code")).to_have_count(0)
    expect(worker.locator("body")).to_contain_text("查询码只显示一次")

    worker.get_by_role("button", name="菜单").click()
    worker.get_by_role("button", name="退出").click()
    expect(worker).to_have_url(re.compile(r"/login/"))

    # 2. The unit's cadre finds it among the new ones, accepts it and sends it to deliberation.
    cadre = desktop_as("cadre")
    cadre.get_by_role("link", name="诉求办理").click()
    expect(cadre.locator("h1")).to_have_text("诉求工作台")
    expect(cadre.locator("#appeals-nav .active")).to_have_text("我的工作台")
    expect(cadre.locator("#tab-new")).to_have_attribute("aria-selected", "true")
    expect(cadre.locator("#tab-new [data-count]")).to_have_text("1")
    row = cadre.locator("#appeal-table tbody tr").filter(has_text=number)
    expect(row).to_contain_text("待受理")
    keep(cadre, "worklist")
    shot(cadre, "appeals-02-worklist-new")
    row.get_by_role("link", name=appeal.title).click()

    expect(cadre.locator("h1")).to_have_text(appeal.title)
    expect(cadre.locator("#appeal-header")).to_contain_text("待受理")
    expect(cadre.locator("#appeal-text")).to_have_text(TEXT)
    expect(cadre.locator("#appeal-submitter")).to_contain_text("匿名")
    keep(cadre, "detail before acceptance")
    shot(cadre, "appeals-02b-detail-new")
    take_step(cadre, "accept")
    expect(cadre.get_by_role("alert").filter(has_text="已受理。")).to_be_visible()
    expect(cadre.locator("#appeal-header")).to_contain_text("已受理")
    keep(cadre, "detail accepted")
    take_step(cadre, "deliberate", 说明="夜班费涉及整个班组,提交集中议事。")
    expect(cadre.get_by_role("alert").filter(has_text="已提交集中议事。")).to_be_visible()
    expect(cadre.locator("#appeal-header")).to_contain_text("集中议事")
    expect(timeline(cadre)).to_contain_text("受理")
    expect(timeline(cadre)).to_contain_text("提交集中议事")
    keep(cadre, "detail deliberating")
    shot(cadre, "appeals-03-sent-to-deliberation")

    # 3. The committee holds a meeting with it on the agenda and refers it to 人力资源部.
    chair = desktop_as("committee")
    chair.get_by_role("link", name="诉求办理").click()
    chair.locator("#appeals-nav").get_by_role("link", name="集中议事").click()
    expect(chair.locator("h1")).to_have_text("集中议事会")
    chair.get_by_role("link", name="召开议事会").click()
    expect(chair.locator("h1")).to_have_text("召开集中议事会")
    chair.get_by_label("地点").fill("炼钢厂工会会议室")
    chair.get_by_label("参会人员").fill("吴委员、赵干部、职工代表李师傅")
    chair.get_by_label("会议纪要").fill("议定夜班费问题转人力资源部核实办理。")
    candidate = chair.locator("#agenda-candidates li").filter(has_text=number)
    expect(candidate).to_contain_text("集中议事")
    candidate.get_by_role("checkbox").check()
    keep(chair, "new meeting")
    shot(chair, "appeals-04-meeting-new")
    chair.get_by_role("button", name="建立议事会").click()

    expect(chair.get_by_role("alert").filter(has_text="已建立议事会")).to_be_visible()
    expect(chair.locator("#meeting-minutes")).to_contain_text("吴委员、赵干部、职工代表李师傅")
    item = chair.locator(".lx-meeting-item").filter(has_text=number)
    item.get_by_label("议事决定").select_option(label="转部门办理")
    item.get_by_label("承办部门").select_option(label="人力资源部(炼钢厂)")
    item.get_by_label("议定意见").fill(DECISION_NOTE)
    keep(chair, "meeting")
    item.get_by_role("button", name="记录决定并执行").click()
    item = chair.locator(".lx-meeting-item").filter(has_text=number)
    expect(item).to_contain_text("已执行")
    expect(item).to_contain_text("转部门办理")
    expect(item).to_contain_text("人力资源部")
    keep(chair, "meeting decided")
    shot(chair, "appeals-05-meeting-decided")
    chair.get_by_role("link", name="集中议事会").first.click()
    expect(chair.locator("#meeting-table tbody tr")).to_have_count(1)
    keep(chair, "meetings")
    shot(chair, "appeals-05b-meetings")

    # 4. The department's handler opens 转办事项 and answers.
    clerk = desktop_as("hr_handler")
    clerk.get_by_role("link", name="转办事项").click()
    expect(clerk.locator("h1")).to_have_text("转办事项")
    row = clerk.locator("#referral-table tbody tr").filter(has_text=number)
    expect(row).to_contain_text("待回复")
    keep(clerk, "referrals")
    shot(clerk, "appeals-06-referrals")
    row.get_by_role("link", name=appeal.title).click()
    expect(clerk.locator("#referral-text")).to_have_text(TEXT)
    expect(clerk.locator("#referral-submitter")).to_have_text("匿名")
    expect(clerk.locator("main")).to_contain_text(DECISION_NOTE)
    keep(clerk, "referral")
    clerk.get_by_label("办理结果").fill(DEPARTMENT_ANSWER)
    clerk.get_by_role("button", name="提交回复").click()
    expect(clerk.locator("#referral-answer-text")).to_have_text(DEPARTMENT_ANSWER)
    keep(clerk, "referral answered")
    shot(clerk, "appeals-07-referral-answered")
    clerk.goto(f"{url}/appeals/referrals/")
    expect(clerk.locator("#referral-table tbody tr").filter(has_text=number)).to_contain_text("已回复")
    keep(clerk, "referrals after answer")
    shot(clerk, "appeals-07b-referrals-after-answer")

    # 5. The cadre, told that the department answered, answers the worker.
    cadre.goto(f"{url}/")
    cadre.locator("#nav-notifications").click()
    cadre.locator("#notifications a").filter(has_text="人力资源部已回复转办").first.click()
    expect(cadre.locator("h1")).to_have_text(appeal.title)
    expect(cadre.locator("#appeal-referrals")).to_contain_text(DEPARTMENT_ANSWER)
    expect(cadre.locator("#appeal-header")).to_contain_text("办理中")
    keep(cadre, "detail after the department answered")
    take_step(cadre, "answer", 给职工的答复=FIRST_ANSWER)
    expect(cadre.get_by_role("alert").filter(has_text="已答复职工。")).to_be_visible()
    expect(cadre.locator("#appeal-header")).to_contain_text("已答复")
    expect(cadre.locator("#appeal-answer")).to_have_text(FIRST_ANSWER)
    expect(timeline(cadre)).to_contain_text("部门回复")
    expect(timeline(cadre)).to_contain_text("答复职工")
    keep(cadre, "detail answered")
    shot(cadre, "appeals-08-answered")

    # 6. The worker, logged out, follows it by code and is not satisfied.
    worker.goto(f"{url}/appeals/track/")
    no_sideways_scroll(worker, "the track page")
    shot(worker, "appeals-09-track-phone")
    track(worker, url, code)
    expect(worker.locator("#worker-appeal .badge").first).to_have_text("已答复")
    expect(worker.locator("#appeal-answer")).to_contain_text(FIRST_ANSWER)
    steps = timeline(worker)
    for label in ("提交", "受理", "提交集中议事", "议事决定", "转办部门", "部门回复", "答复职工"):
        expect(steps).to_contain_text(label)
    expect(steps).to_contain_text(FIRST_ANSWER)
    expect(worker.locator("#worker-appeal")).not_to_contain_text(DEPARTMENT_ANSWER)  # the union's words only
    no_sideways_scroll(worker, "the tracked appeal")
    shot(worker, "appeals-10-answer-phone")
    rate(worker, "不满意", DISSATISFIED_REASON)

    expect(worker.get_by_role("alert").filter(has_text="诉求已转燕钢股份公司重新办理")).to_be_visible()
    expect(worker.locator("#worker-appeal .badge").first).to_have_text("已受理")
    expect(worker.locator("#worker-appeal")).to_contain_text("承办:燕钢股份公司")
    expect(timeline(worker)).to_contain_text("转燕钢股份公司重新办理")
    expect(timeline(worker)).to_contain_text(DISSATISFIED_REASON)
    expect(worker.locator("#rate")).to_have_count(0)
    no_sideways_scroll(worker, "the reopened appeal")
    shot(worker, "appeals-11-dissatisfied-phone")

    # 7. The parent union's cadre finds it under 重新办理, handles it and answers again.
    parent = desktop_as("parent_cadre")
    parent.get_by_role("link", name="诉求办理").click()
    parent.locator("#tab-reopened").click()
    expect(parent.locator("#tab-reopened")).to_have_attribute("aria-selected", "true")
    expect(parent.locator("#tab-reopened")).to_have_class(re.compile(r"\bactive\b"))
    expect(parent.locator("#tab-new")).not_to_have_class(re.compile(r"\bactive\b"))
    expect(parent).to_have_url(re.compile(r"tab=reopened"))
    row = parent.locator("#appeal-table tbody tr").filter(has_text=number)
    expect(row).to_contain_text("已受理")
    keep(parent, "worklist reopened")
    shot(parent, "appeals-12-parent-worklist-reopened")
    row.get_by_role("link", name=appeal.title).click()
    expect(parent.locator("#appeal-header")).to_contain_text("重新办理 1 次")
    expect(parent.locator("#appeal-facts")).to_contain_text("燕钢股份公司")
    expect(parent.locator("#appeal-ratings")).to_contain_text("不满意")
    expect(parent.locator("#appeal-ratings")).to_contain_text(DISSATISFIED_REASON)
    expect(parent.locator("#appeal-submitter")).to_contain_text("匿名")
    keep(parent, "detail reopened")
    shot(parent, "appeals-13-parent-detail-reopened")
    take_step(parent, "start")
    expect(parent.get_by_role("alert").filter(has_text="已开始办理。")).to_be_visible()
    expect(parent.locator("#appeal-header")).to_contain_text("办理中")
    keep(parent, "detail in progress")
    take_step(parent, "answer", 给职工的答复=SECOND_ANSWER)
    expect(parent.get_by_role("alert").filter(has_text="已答复职工。")).to_be_visible()
    expect(parent.locator("#appeal-answer")).to_have_text(SECOND_ANSWER)
    keep(parent, "detail answered again")
    shot(parent, "appeals-14-parent-answered")

    # 8. The worker, by code again, is satisfied: the appeal is closed.
    track(worker, url, code)
    expect(worker.locator("#worker-appeal .badge").first).to_have_text("已答复")
    expect(worker.locator("#appeal-answer")).to_contain_text(SECOND_ANSWER)
    no_sideways_scroll(worker, "the appeal answered again")
    rate(worker, "满意")
    expect(worker.get_by_role("alert").filter(has_text="感谢您的评价,诉求已办结。")).to_be_visible()
    expect(worker.locator("#worker-appeal .badge").first).to_have_text("已办结")
    expect(worker.locator("#appeal-due")).to_have_text("已办结。")
    expect(timeline(worker)).to_contain_text("办结")
    expect(worker.locator("#rate")).to_have_count(0)
    no_sideways_scroll(worker, "the closed appeal")
    shot(worker, "appeals-15-closed-phone")

    parent.reload()
    expect(parent.locator("#appeal-header")).to_contain_text("已办结")
    expect(parent.locator("#appeal-ratings")).to_contain_text("满意")
    keep(parent, "detail closed")
    shot(parent, "appeals-16-parent-closed")

    # The record: every step in order, by whom, and nobody who handled it learnt who raised it.
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.state == State.CLOSED and appeal.closed_at is not None
    assert appeal.handling_unit == company.secondary and appeal.reopen_count == 1
    assert appeal.answer == SECOND_ANSWER
    events = list(appeal.events.order_by("at", "id").values_list("action", "actor__username"))
    assert events == [
        ("submitted", None),
        ("accepted", "cadre"),
        ("deliberation", "cadre"),
        ("decided", "committee"),
        ("referred", "committee"),
        ("referral_answered", "hr_handler"),
        ("answered", "cadre"),
        ("rated", None),
        ("reopened", None),
        ("started", "parent_cadre"),
        ("answered", "parent_cadre"),
        ("rated", None),
        ("closed", None),
    ]
    assert list(appeal.ratings.order_by("round").values_list("round", "score", "comment")) == [
        (1, "dissatisfied", DISSATISFIED_REASON),
        (2, "satisfied", ""),
    ]
    referral = appeal.referrals.get()
    assert (referral.department, referral.answer) == (hr, DEPARTMENT_ANSWER)

    member = personas.worker.member
    identity = {
        "name": "王小工",
        "member number": member.member_no,
        "masked phone": member.phone_masked,
        "masked ID number": member.id_number_masked,
    }
    assert len(seen) >= 15
    for label, html in seen.items():
        for what, value in identity.items():
            assert value not in html, f"the worker's {what} ({value}) shows on the handlers' {label} page"
        assert not re.search(r"\bworker\b", html), f"the worker's username shows on the {label} page"
