import pytest

from lianxin.core.pagination import CappedPaginator, capped_count
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(company):
    return [make_member(company.team, f"成员{i}") for i in range(5)]


def test_count_stops_past_the_cap(five):
    assert capped_count(Member.objects.all(), cap=3) == 4
    assert capped_count(Member.objects.all(), cap=10) == 5


def test_capped_paginator_says_the_count_is_not_exact(five):
    class Small(CappedPaginator):
        cap = 3

    paginator = Small(Member.objects.order_by("pk"), 2)
    assert paginator.count == 3
    assert not paginator.count_is_exact
    assert len(paginator.get_page(2).object_list) == 1


def test_members_page_says_more_than_the_cap(client, personas, five, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    client.force_login(personas.cadre)
    page = client.get("/members/").content.decode()
    assert "超过 3 名会员" in page
