"""Coverage numbers against a hand count of the `mass_work` tree (see conftest.py)."""

import pytest

from lianxin.org.models import PostKind
from lianxin.org.selectors import unit_coverage
from lianxin.org.tests.factories import make_post

pytestmark = pytest.mark.django_db


def test_coverage_of_the_whole_group_matches_the_hand_count(company, mass_work):
    cov = unit_coverage(unit=company.group)
    # teams 甲乙丙, only 甲 has an active liaison (丙's stepped down)
    assert (cov.teams, cov.teams_with_liaison, cov.liaison_rate) == (3, 1, 33.3)
    # sections 一炼钢 (station) and 热轧 (none)
    assert (cov.sections, cov.sections_with_station, cov.station_rate) == (2, 1, 50.0)
    # one room, all six haves; one station, three of six
    assert (cov.rooms, cov.rooms_six_haves, cov.room_six_haves_rate) == (1, 1, 100.0)
    assert (cov.stations, cov.stations_six_haves) == (1, 0)
    # the secondary company has no room; 轧钢厂 has no station on itself or its sections
    assert [unit.name for unit in cov.vetoed] == ["燕钢股份公司", "轧钢厂"]


def test_coverage_of_the_cadres_unit_counts_only_its_subtree(company, mass_work):
    cov = unit_coverage(unit=company.unit)
    assert (cov.teams, cov.teams_with_liaison, cov.liaison_rate) == (2, 1, 50.0)
    assert (cov.sections, cov.sections_with_station, cov.station_rate) == (1, 1, 100.0)
    assert (cov.rooms, cov.room_six_haves_rate) == (0, None)
    assert cov.vetoed == []


def test_a_station_on_the_tertiary_unit_itself_lifts_the_veto(company, mass_work):
    make_post(company.sibling, PostKind.STATION, "轧钢厂群众工作站")
    cov = unit_coverage(unit=company.group)
    assert [unit.name for unit in cov.vetoed] == ["燕钢股份公司"]
    # a station on the unit is not a station on a section
    assert cov.sections_with_station == 1


def test_inactive_units_are_left_out_of_the_coverage(company, mass_work):
    company.sibling_team.is_active = False
    company.sibling_team.save(update_fields=["is_active"])
    cov = unit_coverage(unit=company.group)
    assert (cov.teams, cov.teams_with_liaison) == (2, 1)
