from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.urls import reverse
from stdnum.cn import ric

from lianxin.core import crypto
from lianxin.core.capabilities import DEFAULT_ROLES
from lianxin.core.models import RoleAssignment
from lianxin.members.models import Member
from lianxin.members.services import id_number_clean
from lianxin.org.models import LEVEL_ORDER, Liaison, UnionBody, Unit, UnitLevel
from lianxin.org.selectors import unit_coverage
from lianxin.org.tests.factories import make_unit

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-2026"


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo_company", members=600, seed=7, password=PASSWORD, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(db) -> str:
    return run_demo()


def demo_root() -> Unit:
    return Unit.objects.get(depth=1)


def test_demo_company_has_all_five_levels_and_every_team_has_members(demo):
    levels = Counter(Unit.objects.values_list("level", flat=True))
    assert all(levels[level] for level in LEVEL_ORDER)
    assert levels[UnitLevel.GROUP] == 1
    assert levels[UnitLevel.SECONDARY] == 4
    assert 15 <= levels[UnitLevel.UNIT] <= 25
    assert levels[UnitLevel.TEAM] > 4 * levels[UnitLevel.SECTION] > 300
    empty_teams = Unit.objects.filter(level=UnitLevel.TEAM).annotate(n=Count("members")).filter(n=0)
    assert list(empty_teams) == []
    assert Member.objects.count() == 600


def test_demo_members_carry_valid_id_numbers_matching_their_birth_date_and_sex(demo):
    for member in Member.objects.order_by("member_no")[::12]:
        number = crypto.decrypt(member.id_number_cipher)
        assert number[-1] == ric.calc_check_digit(number)
        assert ric.get_birth_date(number) == member.birth_date
        assert id_number_clean(number) == number
        assert (int(number[16]) % 2 == 1) == (member.gender == "M")
        assert len(crypto.decrypt(member.phone_cipher)) == 11
        assert member.joined_on > member.birth_date


def test_demo_coverage_is_partial_and_one_unit_is_vetoed(demo):
    coverage = unit_coverage(unit=demo_root())
    assert 80 <= coverage.liaison_rate < 100
    assert 0 < coverage.station_rate < 100
    assert coverage.rooms == 5
    assert 0 < coverage.stations_six_haves < coverage.stations
    assert [unit.level for unit in coverage.vetoed] == [UnitLevel.UNIT]
    assert "一票否决" in demo


def test_demo_union_chairmen_and_liaisons_belong_to_their_unit(demo):
    bodies = UnionBody.objects.select_related("unit", "chairman__unit")
    assert bodies.filter(unit__level__in=[UnitLevel.GROUP, UnitLevel.SECONDARY, UnitLevel.UNIT]).count() == 25
    for body in bodies:
        assert body.chairman.unit.path.startswith(body.unit.path)
    for liaison in Liaison.objects.select_related("team", "member__unit"):
        assert liaison.member.unit == liaison.team


def test_every_shipped_role_has_a_demo_login_that_reaches_the_home_page(demo, client):
    held = dict(RoleAssignment.objects.values_list("role__code", "user__username"))
    assert set(held) == set(DEFAULT_ROLES)
    for role, username in held.items():
        response = client.post(reverse("core:login"), {"username": username, "password": PASSWORD})
        assert response.status_code == 302, role
        assert client.get(reverse("core:home")).status_code == 200, role
        client.post(reverse("core:logout"))
        assert username in demo


def test_demo_worker_and_liaison_are_members_of_one_team(demo):
    worker = Member.objects.get(user__username="worker")
    liaison = Member.objects.get(user__username="liaison")
    assert worker.unit == liaison.unit
    assert worker.unit.level == UnitLevel.TEAM
    assert Liaison.objects.filter(team=worker.unit, member=liaison, ended_on__isnull=True).exists()
    admin = RoleAssignment.objects.select_related("user", "unit").get(user__username="admin")
    assert admin.user.is_staff and not admin.user.is_superuser
    assert admin.unit.level == UnitLevel.GROUP


def test_same_seed_gives_the_same_company_after_reset(demo):
    def snapshot():
        members = Member.objects.order_by("member_no")
        return list(members.values_list("member_no", "name", "job", "unit__code", "birth_date"))

    first = snapshot()
    run_demo(reset=True)
    assert snapshot() == first
    assert Unit.objects.filter(depth=1).count() == 1
    assert Member.history.filter(~Q(id__in=Member.objects.values("pk"))).count() == 0


def test_demo_refuses_to_run_over_existing_units(demo):
    with pytest.raises(CommandError, match="--reset"):
        run_demo()


def test_reset_never_deletes_units_that_are_not_the_demo(demo):
    make_unit("另一家公司", UnitLevel.GROUP, code="OTHER")
    with pytest.raises(CommandError):
        run_demo(reset=True)
    assert Unit.objects.filter(code="OTHER").exists()
    assert Member.objects.count() == 600
