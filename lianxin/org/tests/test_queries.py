"""The tree and unit pages read in a number of queries that does not grow with the subtree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.members.tests.factories import make_member
from lianxin.org.models import PostKind, UnionBody, UnitLevel
from lianxin.org.tests.factories import make_liaison, make_post, make_unit

pytestmark = pytest.mark.django_db

# Session, user, roles, the calendar warning, unread notifications, whether the user answers referrals,
# and the page's own reads; the same for any tree size.
UNIT_PAGE_QUERIES = 24
CHILDREN_QUERIES = 7


def _grow(company, n: int = 6) -> None:
    """n more sections under 炼钢厂, each with two teams, a station, a liaison and members."""
    for i in range(n):
        section = make_unit(f"车间{i}", UnitLevel.SECTION, company.unit)
        make_post(section, PostKind.STATION, items=["organization", "place"])
        for j in range(2):
            team = make_unit(f"车间{i}班{j}", UnitLevel.TEAM, section)
            member = make_member(team, f"会员{i}{j}")
            make_member(team, f"同事{i}{j}")
            if j == 0:
                make_liaison(team, member)


def _count(client, url, **headers) -> int:
    client.get(url, **headers)  # warm the per-process caches (calendar, content types)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return len(queries)


def test_the_unit_page_query_count_does_not_grow_with_the_subtree(
    login, personas, company, mass_work, django_assert_max_num_queries
):
    body = UnionBody.objects.create(
        unit=company.group, name="集团工会", chairman=make_member(company.group, "主席")
    )
    body.vice_chairmen.set([make_member(company.group, "副主席")])
    client = login(personas.administrator)
    url = reverse("org:unit", args=[company.group.pk])
    small = _count(client, url)
    _grow(company)
    with django_assert_max_num_queries(UNIT_PAGE_QUERIES):
        client.get(url)
    assert _count(client, url) == small


def test_the_children_fragment_query_count_does_not_grow_with_the_children(
    login, personas, company, htmx, django_assert_max_num_queries
):
    client = login(personas.cadre)
    url = reverse("org:children", args=[company.unit.pk])
    small = _count(client, url, **htmx)
    _grow(company)
    with django_assert_max_num_queries(CHILDREN_QUERIES):
        client.get(url, **htmx)
    assert _count(client, url, **htmx) == small
