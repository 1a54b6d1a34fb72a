"""Finding a member the way people type: characters either way, pinyin, initials, numbers."""

from __future__ import annotations

import pytest

from lianxin.members.selectors import member_list
from lianxin.members.tests.factories import make_member


@pytest.fixture
def zhang_wei(company):
    make_member(company.team, "李娜", member_no="M1000001", phone="13900001234")
    make_member(company.team2, "张伟强", member_no="M1000002", phone="13900004321")
    return make_member(company.team, "张伟", member_no="M0012345", phone="13812345678")


def found(user, q: str) -> list[str]:
    return [m.member_no for m in member_list(fetched_by=user, q=q)]


@pytest.mark.parametrize(
    "q",
    [
        "张伟",
        "張偉",
        "zhangwei",
        "ZhangWei",
        "zhang wei",
        "zw",
        "ZW",
        "M00123",
        "m0012345",
        "5678",
        "  张伟 ",
    ],
)
def test_zhang_wei_is_found_by(q, zhang_wei, personas):
    assert zhang_wei.member_no in found(personas.cadre, q)


def test_a_name_search_matches_names_containing_it_and_nothing_else(zhang_wei, personas):
    assert sorted(found(personas.cadre, "張偉")) == ["M0012345", "M1000002"]
    assert found(personas.cadre, "李娜") == ["M1000001"]
    assert found(personas.cadre, "赵") == []


def test_initials_match_from_the_start_only(zhang_wei, personas):
    assert "M0012345" in found(personas.cadre, "zw")
    assert "M0012345" not in found(personas.cadre, "wei")


def test_four_digits_find_the_phone_tail_and_the_member_number_start(zhang_wei, personas):
    assert found(personas.cadre, "4321") == ["M1000002"]
    assert found(personas.cadre, "1234") == ["M1000001"]  # phone tail; no member number starts with 1234


def test_search_stays_inside_the_scope(zhang_wei, personas):
    assert found(personas.outsider, "张伟") == []
    assert found(personas.worker, "王小工") == [personas.worker.member.member_no]
    assert found(personas.worker, "张伟") == []


def test_filters_narrow_the_list(zhang_wei, company, personas):
    unit_members = member_list(fetched_by=personas.cadre, unit=company.team2)
    assert [m.member_no for m in unit_members] == ["M1000002"]
    assert member_list(fetched_by=personas.cadre, status="left").count() == 0
    assert member_list(fetched_by=personas.cadre, employment_type="formal").count() == 5


def test_short_chinese_search_matches_the_start_of_the_name_and_long_one_anywhere(client, personas, company):
    from lianxin.members.selectors import member_list
    from lianxin.members.tests.factories import make_member

    make_member(company.team, "王建国")
    make_member(company.team, "张伟")
    names = lambda q: {m.name for m in member_list(fetched_by=personas.cadre, q=q)}  # noqa: E731
    assert names("张伟") == {"张伟"}
    assert names("王") == {"王建国", "王小工"}
    assert names("建国") == set()  # two characters: a surname or a whole name, from the start
    assert names("王建国") == {"王建国"}
