"""Shared fixtures: a small company tree and the personas every scope test walks.

    集团 (group)
    └── 股份公司 (secondary)                 parent_cadre holds cadre here
        ├── 炼钢厂 (unit)                    cadre holds cadre here
        │   └── 一炼钢车间 (section)
        │       ├── 甲班 (team)              worker, liaison
        │       └── 乙班 (team)
        └── 轧钢厂 (unit, sibling)           outsider holds cadre here
            └── 热轧车间 (section)
                └── 丙班 (team)
administrator holds the administrator role on the group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member
from lianxin.org.models import Unit, UnitLevel
from lianxin.org.tests.factories import make_unit


@dataclass
class Company:
    group: Unit
    secondary: Unit
    unit: Unit
    section: Unit
    team: Unit
    team2: Unit
    sibling: Unit
    sibling_section: Unit
    sibling_team: Unit


@pytest.fixture
def company(db) -> Company:
    group = make_unit("燕山钢铁集团", UnitLevel.GROUP, code="G")
    secondary = make_unit("燕钢股份公司", UnitLevel.SECONDARY, group, code="S1")
    unit = make_unit("炼钢厂", UnitLevel.UNIT, secondary, code="U1")
    section = make_unit("一炼钢车间", UnitLevel.SECTION, unit, code="U1-1")
    team = make_unit("甲班", UnitLevel.TEAM, section, code="U1-1-1")
    team2 = make_unit("乙班", UnitLevel.TEAM, section, code="U1-1-2")
    sibling = make_unit("轧钢厂", UnitLevel.UNIT, secondary, code="U2")
    sibling_section = make_unit("热轧车间", UnitLevel.SECTION, sibling, code="U2-1")
    sibling_team = make_unit("丙班", UnitLevel.TEAM, sibling_section, code="U2-1-1")
    return Company(group, secondary, unit, section, team, team2, sibling, sibling_section, sibling_team)


@dataclass
class Personas:
    worker: object
    liaison: object
    cadre: object
    parent_cadre: object
    outsider: object
    administrator: object

    def items(self):
        return vars(self).items()


@pytest.fixture
def personas(company) -> Personas:
    worker = UserFactory(username="worker", full_name="王小工")
    make_member(company.team, "王小工", user=worker)
    grant(worker, company.team, "worker")
    liaison = UserFactory(username="liaison", full_name="李联络")
    make_member(company.team, "李联络", user=liaison)
    grant(liaison, company.team, "liaison")
    cadre = UserFactory(username="cadre", full_name="赵干部")
    grant(cadre, company.unit, "cadre")
    parent_cadre = UserFactory(username="parent_cadre", full_name="钱主任")
    grant(parent_cadre, company.secondary, "cadre")
    outsider = UserFactory(username="outsider", full_name="孙外人")
    grant(outsider, company.sibling, "cadre")
    administrator = UserFactory(username="administrator", full_name="周管理", is_staff=True)
    grant(administrator, company.group, "administrator")
    return Personas(worker, liaison, cadre, parent_cadre, outsider, administrator)


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as `user`."""

    def _login(user):
        client.force_login(user, backend="lianxin.core.auth.UsernameOrPhoneBackend")
        return client

    return _login


@pytest.fixture
def htmx():
    """Headers htmx sends with its requests."""
    return {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 costs a second a persona; tests that check hashing itself set it back."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_where_they_are_enqueued():
    """Huey in immediate mode: a job runs at once, in memory, as the job worker would run it (tests
    that need a job run after a commit use django_capture_on_commit_callbacks(execute=True))."""
    from huey.contrib.djhuey import HUEY

    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Tests share one cache server under CI; each starts from an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield


# Under CI the property-based tests run a fixed set of examples, so a run is repeatable; on a
# developer's machine they keep exploring.
settings_profile = "ci" if os.environ.get("CI") else "dev"
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev")
hypothesis_settings.load_profile(settings_profile)
