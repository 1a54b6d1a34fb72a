"""Reads for the assistance reports: aid statistics, the disclosure list and the dashboard's counts.

Aid counts what was paid: applications in status `paid` by their `paid_on`. A reversed payment has
status `reversed` and a returned or voided application never reached `paid`, so neither counts.
One application is one person-time (人次); households are distinct `household_key`s (a hardship
household, or the member's own when the aid went to a member without a file); amounts are yuan.

Scope: an application is visible when its unit lies in a subtree where the user holds
`assistance.view`. Statistics of a unit cover its subtree; the rows by child unit group the rows by
the child's path prefix in the same statement, so a unit with two hundred children costs what a
unit with two costs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import CharField, Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import ASSISTANCE_APPROVE, ASSISTANCE_PAY, ASSISTANCE_VIEW
from lianxin.core.permissions import scope_paths, scope_q
from lianxin.core.text import mask_name
from lianxin.org.models import Unit

from ..models import (
    MONEY,
    ZERO,
    Application,
    ApplicationStatus,
    Claim,
    ClaimStatus,
    Enrolment,
    FileStatus,
    HardshipFile,
    Programme,
    ProgrammeKind,
)

AMOUNT = DecimalField(**MONEY)
TEXT = CharField()


# --- scope -----------------------------------------------------------------------------------------


def report_units(*, fetched_by) -> list[Unit]:
    """The topmost units of the user's `assistance.view` scope (every root for a superuser)."""
    paths = scope_paths(fetched_by, ASSISTANCE_VIEW)
    units = Unit.objects.filter(depth=1) if paths is None else Unit.objects.filter(path__in=paths)
    return list(units.order_by("path"))


def _is_id(value) -> bool:
    """A database id as typed in an address: digits, within an integer column's range."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= 2_147_483_647


def report_unit_get(*, fetched_by, unit_id) -> Unit:
    """A unit the user holds `assistance.view` on, else 404 (missing and out of scope alike)."""
    if not _is_id(unit_id):
        raise Http404
    try:
        return Unit.objects.filter(scope_q(fetched_by, ASSISTANCE_VIEW)).get(pk=int(unit_id))
    except Unit.DoesNotExist:
        raise Http404 from None


def programme_choices(*, fetched_by) -> list[Programme]:
    """Programmes whose aid the user may count: run by a unit in scope or above a unit in scope
    (a company's programme pays members of its works)."""
    paths = scope_paths(fetched_by, ASSISTANCE_VIEW)
    programmes = Programme.objects.select_related("unit")
    if paths is not None:
        if not paths:
            return []
        above = {path[:end] for path in paths for end in range(Unit.steplen, len(path) + 1, Unit.steplen)}
        programmes = programmes.filter(
            scope_q(fetched_by, ASSISTANCE_VIEW, path_field="unit__path") | Q(unit__path__in=above)
        )
    return list(programmes.order_by("unit__path", "kind", "id"))


def programme_get(*, fetched_by, programme_id) -> Programme:
    """A programme from `programme_choices`, else 404."""
    if not _is_id(programme_id):
        raise Http404
    for programme in programme_choices(fetched_by=fetched_by):
        if programme.pk == int(programme_id):
            return programme
    raise Http404


def _scoped(user, model=Application) -> QuerySet:
    return model.objects.filter(scope_q(user, ASSISTANCE_VIEW, path_field="unit__path"))


# --- aid statistics --------------------------------------------------------------------------------


@dataclass
class AidRow:
    """Person-times, households and yuan of one group of paid aid (a programme, a kind, a unit)."""

    label: str
    person_times: int = 0
    households: int = 0
    amount: Decimal = ZERO
    key: str = ""
    unit: Unit | None = None
    programme: Programme | None = None

    @property
    def line(self) -> str:
        """The line a union's report prints: "两节送温暖 1,680 人次、130 万元"."""
        return _("%(label)s %(count)s 人次、%(amount)s") % {
            "label": self.label,
            "count": f"{self.person_times:,}",
            "amount": yuan_text(self.amount),
        }


@dataclass
class MutualAidFigures:
    """Nanshan's figures: members insured in plans covering the period, claims paid, benefit paid."""

    insured: int = 0
    claims_paid: int = 0
    amount: Decimal = ZERO

    @property
    def line(self) -> str:
        return _("互助保障参保 %(insured)s 人,赔付 %(claims)s 人次、%(amount)s") % {
            "insured": f"{self.insured:,}",
            "claims": f"{self.claims_paid:,}",
            "amount": yuan_text(self.amount),
        }


@dataclass
class AidStats:
    unit: Unit | None
    programme: Programme | None
    kind: str
    date_from: dt.date
    date_to: dt.date
    person_times: int = 0
    households: int = 0
    amount: Decimal = ZERO
    by_kind: list[AidRow] = field(default_factory=list)
    by_programme: list[AidRow] = field(default_factory=list)
    by_unit: list[AidRow] = field(default_factory=list)
    mutual_aid: MutualAidFigures = field(default_factory=MutualAidFigures)

    @property
    def total(self) -> AidRow:
        return AidRow(
            label=_("合计"), person_times=self.person_times, households=self.households, amount=self.amount
        )

    @property
    def lines(self) -> list[str]:
        """What a report prints: the total, one line per kind of programme, and mutual aid."""
        total = _("帮扶 %(count)s 人次(%(households)s 户)、%(amount)s") % {
            "count": f"{self.person_times:,}",
            "households": f"{self.households:,}",
            "amount": yuan_text(self.amount),
        }
        lines = [total, *(row.line for row in self.by_kind)]
        if self.mutual_aid.insured or self.mutual_aid.claims_paid:
            lines.append(self.mutual_aid.line)
        return lines


def yuan_text(amount: Decimal) -> str:
    """130 万元 from 1,300,000; 12.35 万元 from 123,456.78; 8,500 元 below ten thousand."""
    amount = amount or ZERO
    if abs(amount) >= 10_000:
        wan = (amount / 10_000).quantize(Decimal("0.01"))
        text = f"{wan:,.2f}".rstrip("0").rstrip(".")
        return _("%(amount)s 万元") % {"amount": text}
    text = f"{amount:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return _("%(amount)s 元") % {"amount": text}


def _default_period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return date_from or today.replace(month=1, day=1), date_to or today


def paid_aid(
    *,
    fetched_by,
    unit: Unit | None = None,
    programme: Programme | None = None,
    kind: str = "",
    date_from: dt.date,
    date_to: dt.date,
) -> QuerySet[Application]:
    """Paid applications in scope with `paid_on` in [date_from, date_to], narrowed by unit subtree,
    programme and programme kind."""
    qs = _scoped(fetched_by).filter(
        status=ApplicationStatus.PAID, paid_on__gte=date_from, paid_on__lte=date_to
    )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if programme is not None:
        qs = qs.filter(programme=programme)
    if kind:
        qs = qs.filter(programme__kind=kind)
    return qs


def _grouped(qs: QuerySet, dimension: str, key) -> QuerySet:
    return (
        qs.order_by()
        .annotate(dim=Value(dimension, output_field=TEXT), key=key)
        .values("dim", "key")
        .annotate(
            n=Count("pk"),
            h=Count("household_key", distinct=True),
            a=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT),
        )
    )


def _breakdown_root(fetched_by, unit: Unit | None) -> tuple[Unit | None, list[Unit]]:
    """The unit whose children the rows by unit are, and the units of those rows.

    With no unit asked: the user's one top unit and its children, or the tops when there are several.
    """
    if unit is None:
        tops = report_units(fetched_by=fetched_by)
        if len(tops) != 1:
            return None, tops
        unit = tops[0]
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path"))
    return unit, children


def aid_stats(
    *,
    fetched_by,
    unit: Unit | None = None,
    programme: Programme | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str = "",
    by_unit: bool = True,
    mutual_aid: bool = True,
    choices: list[Programme] | None = None,
) -> AidStats:
    """Person-times, households and yuan of paid aid in scope, in total, by kind of programme, by
    programme and by child unit of `unit`, and the mutual-aid figures for the same scope and period.

    The period defaults to this year up to today. `unit` must be one the user may see (the caller
    resolves it with `report_unit_get`); without it the whole scope counts. The figures and every
    breakdown come from one statement, whatever the number of children (see `_figures_postgres`
    and `_figures_orm`); programmes and units are read once each, mutual aid in two queries.
    `choices`: the user's `programme_choices`, when the caller has read them already.
    """
    date_from, date_to = _default_period(date_from, date_to)
    root, units = _breakdown_root(fetched_by, unit) if by_unit else (unit, [])
    stats = AidStats(unit=unit or root, programme=programme, kind=kind, date_from=date_from, date_to=date_to)
    if connection.vendor == "postgresql":
        rows = _figures_postgres(
            fetched_by=fetched_by, unit=unit, root=root, units=units, programme=programme, kind=kind,
            date_from=date_from, date_to=date_to, choices=choices,
        )  # fmt: skip
    else:
        rows = _figures_orm(
            fetched_by=fetched_by, unit=unit, root=root, units=units, programme=programme, kind=kind,
            date_from=date_from, date_to=date_to,
        )  # fmt: skip
    for row in rows["total"]:
        stats.person_times, stats.households, stats.amount = row["n"], row["h"], _money(row["a"])
    stats.by_kind = _kind_rows(rows["kind"])
    stats.by_programme = _programme_rows(rows["programme"])
    if units:
        stats.by_unit = _unit_rows(rows["unit"], units, root)
    if mutual_aid:
        stats.mutual_aid = mutual_aid_figures(
            fetched_by=fetched_by, unit=unit, date_from=date_from, date_to=date_to
        )
    return stats


def _group_width(root: Unit | None, units: list[Unit]) -> int:
    """How much of a unit's path names its row: the child of `root`, or one of the tops."""
    return len(units[0].path) if root is None else len(root.path) + Unit.steplen


def _figures_orm(*, fetched_by, unit, root, units, programme, kind, date_from, date_to) -> dict:
    """Any database: a UNION ALL of four grouped selects (total, kind, programme, child unit)."""
    qs = paid_aid(
        fetched_by=fetched_by, unit=unit, programme=programme, kind=kind, date_from=date_from, date_to=date_to
    )
    parts = [
        _grouped(qs, "total", Value("", output_field=TEXT)),
        _grouped(qs, "kind", F("programme__kind")),
        _grouped(qs, "programme", Cast("programme_id", output_field=TEXT)),
    ]
    if units:
        parts.append(_grouped(qs, "unit", Substr("unit__path", 1, _group_width(root, units))))
    rows: dict[str, list[dict]] = {"total": [], "kind": [], "programme": [], "unit": []}
    for row in parts[0].union(*parts[1:], all=True):
        rows[row["dim"]].append(row)
    return rows


BITS = 62
"""Bits used of each bigint mask in `_figures_postgres`."""


def _figures_postgres(*, fetched_by, unit, root, units, programme, kind, date_from, date_to, choices) -> dict:
    """PostgreSQL: every figure from one statement over the paid applications of the period.

    Distinct households per programme, per kind and per child unit would take a sort or a hash of
    every row for each breakdown. Instead the rows are grouped once by household, each household
    carrying bit masks of the programmes and child units it received aid under; the households
    are then grouped by their masks (a few hundred combinations), and the counts per programme,
    kind and child are read off the masks here. Person-times and yuan come from a second grouping
    (GROUPING SETS by programme and by child) in the same statement. Programmes and units are
    looked up by id in arrays passed as parameters (no join), which also applies the scope: a unit
    or programme outside it has no entry. A household is `COALESCE(file_id, -member_id)`, the
    number `household_key` spells ("f<file>" when the aid went to a hardship household, else
    "m<member>"). The covering index `assistance_app_paid_cover` (migration 0003) lets both
    groupings read the index only.
    """
    programmes = _countable_programmes(fetched_by, programme, kind, choices)
    groups, unit_rows = _unit_groups(fetched_by, unit, root, units)
    if not programmes or not unit_rows:
        return {"total": [], "kind": [], "programme": [], "unit": []}
    p_chunks, u_chunks = -(-len(programmes) // BITS), -(-len(groups) // BITS)
    p_offset, p_arrays = _lookup([(p.pk, n) for n, p in enumerate(programmes)], p_chunks)
    u_offset, u_arrays = _lookup(unit_rows, u_chunks)
    params: dict = {"p_offset": p_offset, "u_offset": u_offset, "paid": ApplicationStatus.PAID}
    params.update(date_from=date_from, date_to=date_to, p_index=p_arrays[0], u_index=u_arrays[0])
    columns, masks = [], []
    for name, arrays, offset, column in (
        ("pm", p_arrays, "p_offset", "programme_id"),
        ("um", u_arrays, "u_offset", "unit_id"),
    ):
        for chunk, bits in enumerate(arrays[1:]):
            params[f"{name}{chunk}"] = bits
            columns.append(f"(%({name}{chunk})s::bigint[])[a.{column} - %({offset})s] AS {name}{chunk}")
            masks.append(f"{name}{chunk}")
    nulls = ", ".join("NULL::bigint" for _m in masks)
    sql = f"""
        WITH base AS NOT MATERIALIZED (
          SELECT COALESCE(a.file_id, -a.member_id) AS h, a.amount,
                 (%(p_index)s::int[])[a.programme_id - %(p_offset)s] AS pi,
                 (%(u_index)s::int[])[a.unit_id - %(u_offset)s] AS ui, {", ".join(columns)}
          FROM {Application._meta.db_table} a
          WHERE a.status = %(paid)s AND a.paid_on >= %(date_from)s AND a.paid_on <= %(date_to)s
        ), counted AS NOT MATERIALIZED (SELECT * FROM base WHERE pi IS NOT NULL AND ui IS NOT NULL)
        SELECT 'h' AS dim, NULL::int AS idx, {", ".join(masks)}, count(*) AS households,
               NULL::bigint AS n, NULL::numeric AS a
        FROM (SELECT h, {", ".join(f"bit_or({m}) AS {m}" for m in masks)} FROM counted GROUP BY h) households
        GROUP BY {", ".join(masks)}
        UNION ALL
        SELECT CASE WHEN GROUPING(pi) = 0 THEN 'p' ELSE 'u' END, CASE WHEN GROUPING(pi) = 0 THEN pi ELSE ui END,
               {nulls}, NULL, count(*), sum(amount)
        FROM counted GROUP BY GROUPING SETS ((pi), (ui))
    """  # noqa: S608 - only column names and numbers are formatted in
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")  # the households' hash table stays in memory
        cursor.execute(sql, params)
        found = cursor.fetchall()
    return _read_masks(found, programmes, groups, p_chunks)


def _lookup(pairs: list[tuple[int, int]], chunks: int) -> tuple[int, list[list]]:
    """Arrays indexed by id − offset (PostgreSQL arrays start at 1): the row index of each id, then
    per chunk of `BITS` rows the bit of each id's row (0 for rows of other chunks). Ids not in
    `pairs` are NULL, which the statement reads as "does not count"."""
    offset = min(pk for pk, _n in pairs) - 1
    size = max(pk for pk, _n in pairs) - offset
    arrays: list[list] = [[None] * size for _chunk in range(chunks + 1)]
    for pk, n in pairs:
        arrays[0][pk - offset - 1] = n
        for chunk in range(chunks):
            arrays[chunk + 1][pk - offset - 1] = 1 << (n % BITS) if n // BITS == chunk else 0
    return offset, arrays


def _countable_programmes(fetched_by, programme, kind, choices=None) -> list[Programme]:
    """The programmes whose aid the user may count, narrowed to one programme or one kind."""
    programmes = choices if choices is not None else programme_choices(fetched_by=fetched_by)
    if programme is not None:
        programmes = [p for p in programmes if p.pk == programme.pk]
    if kind:
        programmes = [p for p in programmes if p.kind == kind]
    return programmes


def _unit_groups(fetched_by, unit, root, units) -> tuple[list[str], list[tuple[int, int]]]:
    """The rows' keys (unit paths) and, for every unit in scope that counts, (id, row index)."""
    width = None
    if root is not None and units:  # a row per child of root, and one for root itself
        prefixes = [root.path]
        groups = [root.path] + [child.path for child in units]
        width = len(root.path) + Unit.steplen
    else:  # a row per top (of the scope, or the unit asked)
        tops = [root or unit] if (root or unit) is not None else report_units(fetched_by=fetched_by)
        prefixes = groups = [top.path for top in tops]
    index = {path: n for n, path in enumerate(groups)}
    q = Q()
    for prefix in prefixes:
        q |= Q(path__startswith=prefix)
    found = Unit.objects.filter(q, scope_q(fetched_by, ASSISTANCE_VIEW)).values_list("pk", "path")
    rows = []
    for pk, path in found:
        if width is not None:
            key = path[:width]
        else:
            key = next(prefix for prefix in prefixes if path.startswith(prefix))
        if key in index:
            rows.append((pk, index[key]))
    return groups, rows


def _read_masks(found, programmes: list[Programme], groups: list[str], p_chunks: int) -> dict:
    """Rows in the shape `_figures_orm` gives, from the statement of `_figures_postgres`."""
    sums = {"p": {}, "u": {}}
    combos = []
    for dim, idx, *rest in found:
        masks, (households, n, a) = rest[:-3], rest[-3:]
        if dim == "h":
            combos.append((masks, households))
        else:
            sums[dim][idx] = (n, a or ZERO)

    def has(masks, chunk_offset: int, bit: int) -> bool:
        return bool(masks[chunk_offset + bit // BITS] & (1 << (bit % BITS)))

    def households_where(test) -> int:
        return sum(count for masks, count in combos if test(masks))

    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, p in enumerate(programmes):
        by_kind[p.kind].append(index)
    rows: dict[str, list[dict]] = {"total": [], "kind": [], "programme": [], "unit": []}
    total_n = sum(n for n, _a in sums["p"].values())
    if total_n:
        rows["total"].append({
            "key": "", "n": total_n, "h": sum(count for _m, count in combos),
            "a": sum((a for _n, a in sums["p"].values()), ZERO),
        })  # fmt: skip
    for index, p in enumerate(programmes):
        if index in sums["p"]:
            n, a = sums["p"][index]
            h = households_where(lambda m, i=index: has(m, 0, i))
            rows["programme"].append({"key": str(p.pk), "n": n, "h": h, "a": a, "programme": p})
    for kind_value, indexes in by_kind.items():
        present = [i for i in indexes if i in sums["p"]]
        if present:
            rows["kind"].append({
                "key": kind_value,
                "n": sum(sums["p"][i][0] for i in present),
                "h": households_where(lambda m, ii=present: any(has(m, 0, i) for i in ii)),
                "a": sum((sums["p"][i][1] for i in present), ZERO),
            })  # fmt: skip
    for index, path in enumerate(groups):
        if index in sums["u"]:
            n, a = sums["u"][index]
            h = households_where(lambda m, i=index: has(m, p_chunks, i))
            rows["unit"].append({"key": path, "n": n, "h": h, "a": a})
    return rows


CENT = Decimal("0.01")


def _money(value) -> Decimal:
    """A sum as yuan with two places (SQLite hands sums back without them)."""
    return Decimal(value or 0).quantize(CENT)


def _row(label: str, found: dict | None, **extra) -> AidRow:
    found = found or {}
    return AidRow(
        label=label,
        person_times=found.get("n", 0),
        households=found.get("h", 0),
        amount=_money(found.get("a")),
        **extra,
    )


def _kind_rows(found: list[dict]) -> list[AidRow]:
    by_key = {row["key"]: row for row in found}
    return [
        _row(str(label), by_key[value], key=value)
        for value, label in ProgrammeKind.choices
        if value in by_key
    ]


def _programme_rows(found: list[dict]) -> list[AidRow]:
    by_id = {int(row["key"]): row for row in found}
    if all("programme" in row for row in found):  # read already
        programmes = sorted((row["programme"] for row in found), key=lambda p: (p.unit.path, p.kind, p.pk))
    else:
        programmes = (
            Programme.objects.filter(pk__in=by_id).select_related("unit").order_by("unit__path", "kind", "id")
        )
    return [
        _row(
            programme.name,
            by_id[programme.pk],
            key=str(programme.pk),
            programme=programme,
            unit=programme.unit,
        )
        for programme in programmes
    ]


def _unit_rows(found: list[dict], units: list[Unit], root: Unit | None) -> list[AidRow]:
    by_path = {row["key"]: row for row in found}
    rows = []
    if root is not None and root.path in by_path:  # aid to members of the unit itself
        rows.append(
            _row(_("%(unit)s(本级)") % {"unit": root.name}, by_path[root.path], key=root.path, unit=root)
        )
    rows += [_row(child.name, by_path.get(child.path), key=child.path, unit=child) for child in units]
    return rows


def mutual_aid_figures(
    *, fetched_by, unit: Unit | None = None, date_from: dt.date, date_to: dt.date
) -> MutualAidFigures:
    """Members insured in plans whose cover overlaps the period, and claims paid in the period
    (a reversed claim is `reversed`, so it does not count), for enrolments and claims in scope."""
    enrolments = _scoped(fetched_by, Enrolment).filter(
        plan__starts_on__lte=date_to, plan__ends_on__gte=date_from
    )
    claims = _scoped(fetched_by, Claim).filter(
        status=ClaimStatus.PAID, paid_on__gte=date_from, paid_on__lte=date_to
    )
    if unit is not None:
        enrolments = enrolments.filter(unit__path__startswith=unit.path)
        claims = claims.filter(unit__path__startswith=unit.path)
    insured = enrolments.aggregate(n=Count("member_id", distinct=True))["n"]
    paid = claims.aggregate(n=Count("pk"), a=Coalesce(Sum("benefit"), Value(ZERO), output_field=AMOUNT))
    return MutualAidFigures(insured=insured, claims_paid=paid["n"], amount=_money(paid["a"]))


# --- the disclosure list (厂务公开) ------------------------------------------------------------------


@dataclass
class DisclosureRow:
    """One line of the published list: nothing that identifies a household beyond a masked name."""

    number: str
    name: str
    unit: str
    programme: str
    amount: Decimal
    paid_on: dt.date
    goods: str


DISCLOSURE_FIELDS = ("number", "member__name", "unit__name", "programme__name", "amount", "paid_on", "goods")


class DisclosureRows:
    """The rows of `disclosure_rows`: counted, sliced (a page) and iterated (an export) lazily, each
    row masked as it is read. Only the fields of `DisclosureRow` are ever selected."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def totals(self) -> tuple[int, Decimal]:
        found = self.queryset.order_by().aggregate(
            n=Count("pk"), a=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT)
        )
        return found["n"], _money(found["a"])

    @staticmethod
    def _masked(values: tuple) -> DisclosureRow:
        number, name, unit, programme, amount, paid_on, goods = values
        return DisclosureRow(number, mask_name(name), unit, programme, amount, paid_on, goods)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._masked(values) for values in self.queryset[index]]
        return self._masked(self.queryset[index])

    def __iter__(self) -> Iterator[DisclosureRow]:
        for values in self.queryset.iterator(chunk_size=2000):
            yield self._masked(values)


def disclosure_rows(
    *,
    fetched_by,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
    programme: Programme | None = None,
    kind: str = "",
) -> DisclosureRows:
    """The aid paid in the unit's subtree in the period, for publication: masked name, unit,
    programme, amount and day paid, in the order paid. Never ID numbers or household details."""
    qs = paid_aid(
        fetched_by=fetched_by, unit=unit, programme=programme, kind=kind, date_from=date_from, date_to=date_to
    )
    return DisclosureRows(qs.order_by("paid_on", "unit__path", "number").values_list(*DISCLOSURE_FIELDS))


# --- the dashboard ---------------------------------------------------------------------------------


@dataclass
class HomeCounts:
    """What the assistance home page shows a cadre at a glance."""

    year: int
    person_times: int
    amount: Decimal
    pending_approval: int
    awaiting_payment: int
    claims_pending: int
    claims_awaiting_payment: int
    reviews_due: int
    follow_ups_missing: int
    pairings_behind: int
    active_files: int
    can_approve: bool
    can_pay: bool

    @property
    def amount_text(self) -> str:
        return yuan_text(self.amount)

    @property
    def person_times_text(self) -> str:
        return f"{self.person_times:,}"


def home_counts(*, fetched_by, today: dt.date | None = None) -> HomeCounts:
    """This year's aid in scope and the work waiting: approvals, payments, claims, and — by the
    rules of the files and pairing selectors — reviews due within 30 days or overdue, follow-ups
    overdue, pairings behind their visits."""
    from lianxin.core.permissions import has_capability

    from .files import review_counts
    from .pairing import follow_up_counts, pairings_behind

    today = today or timezone.localdate()
    # Person-times and yuan only: no distinct households, so the count reads the covering index once.
    year = (
        paid_aid(fetched_by=fetched_by, date_from=today.replace(month=1, day=1), date_to=today)
        .order_by()
        .aggregate(n=Count("*"), a=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT))
    )
    waiting = dict(
        _scoped(fetched_by)
        .filter(status__in=[ApplicationStatus.PENDING, ApplicationStatus.APPROVED])
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    claims = (
        _scoped(fetched_by, Claim)
        .order_by()
        .aggregate(
            pending=Count("pk", filter=Q(status=ClaimStatus.PENDING)),
            approved=Count("pk", filter=Q(status=ClaimStatus.APPROVED)),
        )
    )
    reviews = review_counts(fetched_by=fetched_by, on=today)
    follow_ups = follow_up_counts(fetched_by=fetched_by, on=today)
    return HomeCounts(
        year=today.year,
        person_times=year["n"],
        amount=_money(year["a"]),
        pending_approval=waiting.get(ApplicationStatus.PENDING, 0),
        awaiting_payment=waiting.get(ApplicationStatus.APPROVED, 0),
        claims_pending=claims["pending"],
        claims_awaiting_payment=claims["approved"],
        reviews_due=reviews["due"] + reviews["overdue"],
        follow_ups_missing=follow_ups["overdue"],
        pairings_behind=len(pairings_behind(fetched_by=fetched_by, on=today)),
        active_files=_scoped(fetched_by, HardshipFile).filter(status=FileStatus.ACTIVE).count(),
        can_approve=has_capability(fetched_by, ASSISTANCE_APPROVE),
        can_pay=has_capability(fetched_by, ASSISTANCE_PAY),
    )
