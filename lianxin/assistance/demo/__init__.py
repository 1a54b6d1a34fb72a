"""A year of assistance for every demo company, built through the services with the clock moved.

`build_demo_assistance` works on each secondary company of the demo group. The first
(燕山钢铁股份有限公司, where the demo's chairman, cadre and leader sit) gets the full year: the
city's minimum-living standard, a relief fund and a mutual-aid fund with allocations and donations
(a 金秋助学 campaign), the six programmes of `demo_data.PROGRAMMES`, hardship files (some opened
from the hardship appeals, one family out of hardship), a year of aid under every programme,
pairings of leaders with households and their visits, follow-ups after aid (some missing), and a
mutual-aid plan with enrolments and claims. The other three get the same kinds of records at about
a third of the scale (`OTHER_SHARE`), with allocations sized to what they pay, a donation or two,
and no links to appeals — so the group's statistics show every company.

Every step goes through the services — `file_open`, `application_record/approve/pay`,
`claim_record/approve/pay`, `visit_record`… — with the recorder, the approver and the treasurer
different people (see `people`): in the first company `cadre` records in 炼钢厂 and `bangfu` (a
union officer of the company) in its other works, `chairman` approves (the group's chairman, or
`admin`, above the illness threshold), `caiwu` (财务) pays; the others have their own three.
Steps of all companies run in the order of their planned moments, so each fund's entries and the
numbers of files, aid and claims follow time; the rows a step writes are then moved to its moment
(events, fund entries, approval and payment times), as the appeals demo does. Recent aid stays
pending, approved or returned; one payment is reversed; a few follow-ups and review dates are
missing or due.

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
from django.utils import timezone

from lianxin.core.models import AuditEvent
from lianxin.org.models import Unit

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
from .people import LOGIN_NAMES, company_cadres, demo_people, first_company_cadres
from .purge import purge_demo_assistance

OTHER_SHARE = 1 / 3
"""The scale of the other companies' year against the first company's."""

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
    """Write every demo company's year of assistance under `root` (the demo group)."""
    quiet = {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    pending = len(connection.run_on_commit)
    run = DemoRun(root=root, now=now, seed=seed)
    with override_settings(**quiet):
        run.build(password_hash=password_hash, scale=scale)
    # Inside the caller's transaction the services' notifications wait for its commit: the demo's
    # history is not announced to anyone.
    del connection.run_on_commit[pending:]
    return run.summary


class DemoRun:
    """What the companies' builders share: the clock, the steps (run together, in time order), the
    stamps, the summary and the payment keys."""

    def __init__(self, *, root: Unit, now: dt.datetime, seed: int):
        self.root, self.now, self.seed = root, now, seed
        self.today = timezone.localdate(now)
        self.start = self.today - dt.timedelta(days=364)
        self.tz = timezone.get_current_timezone()
        self.steps: list[tuple[dt.datetime, int, object]] = []
        self.stamps = Stamps()
        self.summary = Summary()
        self.keys = 0

    def build(self, *, password_hash: str, scale: float) -> None:
        from .builder import AssistanceBuilder

        rng = random.Random(f"{self.seed}:assistance:people")
        users, self.summary.logins = demo_people(self.root, password_hash, rng)
        companies = list(Unit.objects.filter(path__startswith=self.root.path, depth=2).order_by("path"))
        cadres = [first_company_cadres(users)]
        for index, company in enumerate(companies[1:], start=1):
            rng = random.Random(f"{self.seed}:assistance:{index}:people")
            made, logins = company_cadres(
                company, index, upper=cadres[0].upper, password_hash=password_hash, rng=rng
            )
            cadres.append(made)
            self.summary.logins += logins
        ensure_standard(self.root, dt.date(self.today.year - 4, 1, 1))
        for company, people in zip(companies, cadres, strict=False):
            share = scale if people.index == 0 else scale * OTHER_SHARE
            AssistanceBuilder(run=self, company=company, cadres=people, scale=share).plan()
        with self.stamps:
            for moment, _order, call in sorted(self.steps, key=lambda s: (s[0], s[1])):
                self.stamps.current = moment
                call()
        self.stamps.write()


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
