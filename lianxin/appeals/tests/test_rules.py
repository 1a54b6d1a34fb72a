"""Flags and the suggested category on intake, from simplified or traditional text."""

import pytest

from lianxin.appeals import rules
from lianxin.appeals.models import Category
from lianxin.appeals.tests.factories import make_appeal

pytestmark = pytest.mark.django_db


def flags_of(text: str) -> set[str]:
    return set(rules.find_flags(rules.normalize(text)))


def category_of(text: str) -> str | None:
    return rules.suggest_category(rules.normalize(text))


@pytest.mark.parametrize(
    ("text", "flags", "category"),
    [
        ("工資拖欠三個月", {"arrears"}, "wages"),
        ("工资拖欠三个月", {"arrears"}, "wages"),
        ("夜班補貼好幾個月沒發了", {"arrears"}, "wages"),
        ("天天加班到半夜,加班费一分没有", {"arrears"}, "wages"),
        ("我們全車間一百多人聯名反映加班費的問題", {"collective"}, "wages"),
        ("单位三个月没发工资了,大家准备明天去集团门口拉横幅", {"collective", "arrears"}, "wages"),
        ("三號轉爐旁邊煤氣洩漏,味道很大", {"safety_urgent"}, "safety"),
        ("天車的鋼絲繩斷了好幾股,還在吊鋼包,隨時會掉下來", {"safety_urgent"}, "safety"),
        ("高温天气车间没有防暑降温措施,已经有人中暑了", {"safety_urgent"}, "safety"),
        ("宿舍楼的消防通道被堵死了,万一着火跑不出去", {"safety_urgent"}, "safety"),
        ("我實在活不下去了,不想活了", {"distress"}, "mental_health"),
        ("最近總覺得活著沒意思,晚上睡不著", {"distress"}, "mental_health"),
    ],
)
def test_flags_and_category_are_found_in_simplified_and_traditional_text(text, flags, category):
    assert flags_of(text) == flags
    assert category_of(text) == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("工会组织的篮球赛什么时候报名?", "culture_sports"),
        ("勞動合同到期了單位不跟我續簽", "labor_relations"),
        ("厂里要裁员,我们这些老工人怎么办", "labor_relations"),
        ("社保断缴了两个月", "insurance_welfare"),
        ("想咨询一下住房公积金怎么提取", "insurance_welfare"),
        ("上个月在车间摔伤了,工伤认定一直没办下来", "legal_dispute"),
        ("孩子考上大学,学费凑不齐", "hardship"),
        ("今年職稱評審的條件是什麼", "training_career"),
        ("最近工作压力太大,晚上失眠", "mental_health"),
        ("建议在炼钢车间安装自动测温装置,提高效率", "suggestion"),
        ("我的会费怎么交", "other"),
        ("车间评先评优不公开,都是领导说了算", "democracy"),
        ("食堂的飯菜太貴了", "living_conditions"),
        ("车间的粉尘太大,好几个人查出了尘肺病", "safety"),
    ],
)
def test_ordinary_appeals_get_a_category_and_no_flags(text, category):
    assert flags_of(text) == set()
    assert category_of(text) == category


def test_nothing_recognisable_suggests_no_category():
    assert category_of("你好,请问一下。") is None


def test_taiwan_usage_of_zhu_is_read_as_zhe_but_famous_stays_famous():
    assert rules.normalize("睡不著,著名") == "睡不着,著名"


def test_an_office_can_add_its_own_keywords(company):
    Category.objects.filter(code="living_conditions").update(keywords="食堂 宿舍 充电桩")
    assert category_of("电动车充电桩不够用") == "living_conditions"


def test_intake_sets_the_flags_unconfirmed_and_the_suggested_category(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, text="工資拖欠三個月,我們全車間聯名反映")
    assert appeal.flags == ["collective", "arrears"] and not appeal.flags_confirmed
    assert appeal.category.code == "wages"
    assert appeal.text == "工資拖欠三個月,我們全車間聯名反映"  # kept as written
    assert appeal.text_normalized == "工资拖欠三个月,我们全车间联名反映"


def test_flags_given_by_a_recorder_are_taken_as_confirmed(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.liaison, text="班组工资拖欠三个月", flags=["arrears"])
    assert appeal.flags == ["arrears"] and appeal.flags_confirmed


def test_the_shipped_categories_carry_the_added_keywords():
    assert "裁员" in Category.objects.get(code="labor_relations").keyword_list
