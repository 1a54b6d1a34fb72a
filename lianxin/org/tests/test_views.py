"""Who sees the tree and the unit page, who gets 404, and htmx with and without its header."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


# --- The tree browser -------------------------------------------------------------------------------


def test_the_cadre_starts_the_tree_at_their_own_unit(login, personas, company):
    page = _text(login(personas.cadre).get(reverse("org:tree")))
    assert "炼钢厂" in page
    assert "轧钢厂" not in page and "燕钢股份公司" not in page


def test_the_administrator_starts_the_tree_at_the_group(login, personas, company):
    page = _text(login(personas.administrator).get(reverse("org:tree")))
    assert "燕山钢铁集团" in page
    assert reverse("org:children", args=[company.group.pk]) in page


def test_a_worker_sees_no_unit_in_the_tree(login, personas, company):
    response = login(personas.worker).get(reverse("org:tree"))
    assert response.status_code == 200
    assert "您没有可以查看的单位" in _text(response)
    assert "甲班" not in _text(response)


def test_the_tree_asks_anonymous_visitors_to_log_in(client, company):
    response = client.get(reverse("org:tree"))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_tree_nodes_show_level_member_count_and_markers(login, personas, company, mass_work):
    client = login(personas.cadre)
    fragment = _text(client.get(reverse("org:children", args=[company.section.pk]), HTTP_HX_REQUEST="true"))
    assert "甲班" in fragment and "乙班" in fragment
    assert "班组" in fragment
    assert "2 人" in fragment  # 甲班: the worker and the liaison
    assert "有联络员" in fragment and "缺联络员" in fragment
    section = _text(client.get(reverse("org:children", args=[company.unit.pk]), HTTP_HX_REQUEST="true"))
    assert "工作站" in section


def test_children_come_as_a_fragment_for_htmx(login, personas, company, htmx):
    response = login(personas.cadre).get(reverse("org:children", args=[company.unit.pk]), **htmx)
    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert "一炼钢车间" in _text(response)
    assert _text(response).lstrip().startswith("<li")


def test_children_come_as_a_page_without_htmx(login, personas, company):
    response = login(personas.cadre).get(reverse("org:children", args=[company.unit.pk]))
    assert response.status_code == 200
    page = _text(response)
    assert "<html" in page and "一炼钢车间" in page
    assert 'aria-current="page"' in page  # the breadcrumb


def test_the_outsider_gets_404_for_the_children_of_the_cadres_unit(login, personas, company, htmx):
    client = login(personas.outsider)
    assert client.get(reverse("org:children", args=[company.unit.pk]), **htmx).status_code == 404
    assert client.get(reverse("org:children", args=[company.unit.pk])).status_code == 404


def test_search_finds_units_in_scope_only(login, personas, company, htmx):
    cadre = login(personas.cadre)
    assert "轧钢厂" not in _text(cadre.get(reverse("org:tree"), {"q": "轧钢"}, **htmx))
    found = _text(login(personas.parent_cadre).get(reverse("org:tree"), {"q": "轧钢"}, **htmx))
    assert "轧钢厂" in found and "<html" not in found


def test_search_accepts_traditional_characters_and_works_without_htmx(login, personas, company):
    page = _text(login(personas.cadre).get(reverse("org:tree"), {"q": "煉鋼"}))
    assert "<html" in page
    assert "找到 2 个单位" in page  # 炼钢厂 and 一炼钢车间


# --- The unit page --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("cadre", "unit", 200),
        ("parent_cadre", "unit", 200),
        ("administrator", "unit", 200),
        ("liaison", "team", 200),
        ("outsider", "unit", 404),
        ("worker", "team", 404),
        ("worker", "unit", 404),
        ("cadre", "sibling", 404),
        ("liaison", "team2", 404),
    ],
)
def test_who_sees_the_unit_page(login, personas, company, persona, unit, status):
    client = login(getattr(personas, persona))
    assert client.get(reverse("org:unit", args=[getattr(company, unit).pk])).status_code == status


def test_a_missing_unit_answers_404(login, personas):
    assert login(personas.administrator).get(reverse("org:unit", args=[99999])).status_code == 404


def test_the_unit_page_shows_breadcrumb_posts_checklist_liaisons_and_children(
    login, personas, company, mass_work
):
    page = _text(login(personas.parent_cadre).get(reverse("org:unit", args=[company.unit.pk])))
    assert "燕钢股份公司" in page  # breadcrumb: the parent cadre's own unit
    assert "燕山钢铁集团" not in page  # above the parent cadre's scope
    assert "一炼钢群众工作站" in page
    assert "organization 佐证" in page  # evidence of a met item
    assert page.count("lx-missing") == 3  # three of the six are missing, and shown
    assert "李联络" in page  # the liaison of 甲班
    assert "乙班" in page  # a team without a liaison
    assert "一炼钢车间" in page


def test_the_unit_page_passes_coverage_to_the_chart(login, personas, company, mass_work):
    page = _text(login(personas.administrator).get(reverse("org:unit", args=[company.group.pk])))
    start = page.index('id="coverage-data"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data["parts"] == [1, 1, 1, 0] and data["wholes"] == [3, 2, 1, 1]
    assert data["rates"] == [33.3, 50.0, 100.0, 0.0]
    assert "org/coverage.js" in page
    assert "轧钢厂" in page[page.index('id="lx-vetoed"') :]


def test_management_buttons_show_for_the_cadre_only(login, personas, company):
    create_url = reverse("org:unit_create", args=[company.team.pk])
    assert create_url in _text(login(personas.cadre).get(reverse("org:unit", args=[company.team.pk])))
    liaison_page = _text(login(personas.liaison).get(reverse("org:unit", args=[company.team.pk])))
    assert create_url not in liaison_page
    assert "lx-actions" not in liaison_page


def test_the_team_page_offers_to_appoint_a_liaison(login, personas, company):
    page = _text(login(personas.cadre).get(reverse("org:unit", args=[company.team.pk])))
    assert reverse("org:liaison_appoint", args=[company.team.pk]) in page
    unit_page = _text(login(personas.cadre).get(reverse("org:unit", args=[company.unit.pk])))
    assert "任命联络员" not in unit_page


def test_the_full_post_and_liaison_lists_are_paginated_pages(login, personas, company, mass_work, htmx):
    client = login(personas.cadre)
    posts = client.get(reverse("org:posts", args=[company.unit.pk]))
    assert posts.status_code == 200 and "一炼钢群众工作站" in _text(posts)
    liaisons = client.get(reverse("org:liaisons", args=[company.unit.pk]), **htmx)
    assert "李联络" in _text(liaisons) and "<html" not in _text(liaisons)
    assert login(personas.outsider).get(reverse("org:posts", args=[company.unit.pk])).status_code == 404
