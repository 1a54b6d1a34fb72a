"""A year of assistance for the demo company, built through the services with the clock moved.

`build_demo_assistance` works on the first secondary company (燕山钢铁股份有限公司, where the demo's
chairman, cadre and leader sit): the city's minimum-living standard, a relief fund and a
mutual-aid fund with allocations and donations (a 金秋助学 campaign), the six programmes of
`demo_data.PROGRAMMES`, hardship files (some opened from the hardship appeals, one family out of
hardship), a year of aid under every programme, pairings of leaders with households and their
visits, follow-ups after aid (some missing), and a mutual-aid plan with enrolments and claims.

Every step goes through the services — `file_open`, `application_record/approve/pay`,
`claim_record/approve/pay`, `visit_record`… — with the recorder, the approver and the treasurer
different people: `cadre` records in 炼钢厂 and `bangfu` (a union officer of the company) in its
other works, `chairman` approves (the group's chairman, or `admin`, above the illness threshold),
`caiwu` (财务) pays. Steps run in the order of their planned moments, so each fund's entries are
posted in time order; the rows a step writes are then moved to its moment (events, fund entries,
approval and payment times), as the appeals demo does. Recent aid stays pending, approved or
returned; one payment is reversed; a few follow-ups and review dates are missing or due.

Same seed, same `now`: the same families, aid and money.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import override_settings

from lianxin.core.models import AuditEvent, Role, RoleAssignment, User
from lianxin.members.models import Member
from lianxin.org.models import UnionBody, Unit

from .. import demo_data as data
from ..models import (
    ApplicationEvent,
    ClaimEvent,
    FileEvent,
    FundEntry,
    LocalStandard,
    Programme,
    Visit,
)
from .purge import purge_demo_assistance

DEMO_EMAIL_DOMAIN = "demo.lianxin.invalid"
# (username, role code) on the first company: its union's treasurer (财务, pays aid and records
# money in), and the officer of its assistance centre who records aid outside 炼钢厂.
DEMO_LOGINS = [("caiwu", "treasurer"), ("bangfu", "cadre")]
LOGIN_NAMES = [username for username, *_rest in DEMO_LOGINS]

__all__ = ["LOGIN_NAMES", "Summary", "build_demo_assistance", "purge_demo_assistance"]


@dataclass
class Summary:
    files: int = 0
    applications: Counter = field(default_factory=Counter)
    paid_amount: Decimal = Decimal("0.00")
    programmes: int = 0
    pairings: int = 0
    visits: int = 0
    enrolled: int = 0
    claims: int = 0
    donations: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)


def build_demo_assistance(
    *, root: Unit, now: dt.datetime, seed: int, password_hash: str, scale: float = 1.0
) -> Summary:
    """Write the demo company's year of assistance under `root` (the demo group)."""
    from .builder import AssistanceBuilder

    quiet = {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    pending = len(connection.run_on_commit)
    builder = AssistanceBuilder(root=root, now=now, seed=seed, password_hash=password_hash, scale=scale)
    with override_settings(**quiet):
        builder.build()
    # Inside the caller's transaction the services' notifications wait for its commit: the demo's
    # history is not announced to anyone.
    del connection.run_on_commit[pending:]
    return builder.summary


STAMPED = {
    ApplicationEvent: "at",
    ClaimEvent: "at",
    FileEvent: "at",
    FundEntry: "at",
    Visit: "recorded_at",
    AuditEvent: "at",
}
"""Rows a step creates, and the column that gets the step's moment."""


class Stamps:
    """Collects the rows each step creates (post_save) and moves them to the step's moment."""

    def __init__(self):
        self.current: dt.datetime | None = None
        self.rows: dict[type, list[tuple[dt.datetime, int]]] = defaultdict(list)
        self.fields: list[tuple[type, int, dict]] = []

    def _saved(self, sender, instance, created, **kwargs) -> None:
        if created and self.current is not None:
            self.rows[sender].append((self.current, instance.pk))

    def __enter__(self):
        for model in STAMPED:
            post_save.connect(
                self._saved, sender=model, weak=False, dispatch_uid=f"assistance-demo-{model.__name__}"
            )
        return self

    def __exit__(self, *exc):
        for model in STAMPED:
            post_save.disconnect(sender=model, dispatch_uid=f"assistance-demo-{model.__name__}")

    def set(self, obj, **values) -> None:
        self.fields.append((type(obj), obj.pk, values))

    def write(self) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            for model, rows in self.rows.items():
                table, column = model._meta.db_table, STAMPED[model]
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                    [(adapt(at), pk) for at, pk in rows],
                )
        for model, pk, values in self.fields:
            model.objects.filter(pk=pk).update(**values)


def demo_people(root: Unit, password_hash: str, rng: random.Random) -> tuple[dict[str, User], list[tuple]]:
    """The demo logins assistance needs: the existing ones, and `caiwu` and `bangfu` if missing."""
    from lianxin.org import demo_data as org_data

    users = {u.username: u for u in User.objects.filter(username__in=[
        "admin", "chairman", "cadre", "leader", "jituan", *LOGIN_NAMES,
    ])}  # fmt: skip
    company = Unit.objects.filter(path__startswith=root.path, depth=2).order_by("path").first()
    body = UnionBody.objects.filter(unit=company).first()
    staff = list(body.staff.order_by("member_no")) if body else []
    roles = {role.code: role for role in Role.objects.filter(code__in=["treasurer", "cadre"])}
    logins = []
    for index, (username, role) in enumerate(DEMO_LOGINS):
        if username in users:
            continue
        member = next((m for m in staff[index:] if m.user_id is None), None)
        name = member.name if member else org_data.person_name(rng, rng.choice("MF"), rng.randint(1975, 1992))
        user = User(username=username, full_name=name, email=f"{username}@{DEMO_EMAIL_DOMAIN}")
        user.password = password_hash
        user.save()
        if member is not None:
            Member.objects.filter(pk=member.pk).update(user=user)
        RoleAssignment.objects.create(user=user, unit=company, role=roles[role])
        users[username] = user
        logins.append((username, str(roles[role].name), company.name, name))
    return users, logins


def ensure_standard(root: Unit, since: dt.date) -> None:
    LocalStandard.objects.get_or_create(
        unit=root,
        effective_from=since,
        defaults={"monthly_per_head": data.LOCAL_STANDARD, "note": "市民政局城市最低生活保障标准"},
    )


def create_programmes(company: Unit, fund) -> dict[str, Programme]:
    """The company's six programmes, as its union configures them (in the admin)."""
    made = {}
    for code, name, kind, fields in data.PROGRAMMES:
        made[kind] = Programme.objects.create(
            unit=company, code=code, name=name, kind=kind, fund=fund, **fields
        )
    return made
