"""The daily rollup behind the three rates (`AppealDayStats`), and how it stays equal to the events.

The rates (`selectors.appeal_rates`) count, for the appeals received in a period, the events named
in `EVENT_COUNTS`. For a group's year that is ~500,000 appeals and ~3,000,000 events: seconds of
work. So the same counts are kept per unit and day of receipt, in own rows (the appeals raised at
the unit) and subtree rows (raised anywhere in its subtree), and a unit's period is the sum of at
most one subtree row a day.

How the rows stay equal to the events:

1. `mark(appeal)`: every event the rates count marks its appeal's (origin unit, day of receipt), in
   the event's own transaction (`services.base._event`). The marks table is append-only, so
   writers never wait on each other. Whatever writes appeals or events another way (the bench
   loader, the demo's back-dating) calls `rebuild()` afterwards.
2. `refresh()`, run by the sweep: recomputes the own rows of the marked (unit, day)s from the
   events, then the subtree rows of those units and of every unit above them from that day's own
   rows, and removes the marks it took.
3. `subtree_counts()`, for readers: the subtree rows' sums, in which each marked (unit, day) in
   scope has its stored own row swapped for a count from the events. So the figures equal a count
   from the events whether or not the sweep has run. When a unit has moved in the tree since the
   subtree rows were summed, or too many days are marked, it answers None and the caller counts
   everything from the events (the sweep sums again on its next run).
4. `rebuild()`: all rows, or a period's, from the events in a few statements
   (`manage.py appeal_stats_rebuild`).

The writers of rows (refresh, rebuild) take one lock, so they never interleave. Days are days in
the default time zone (Asia/Shanghai), as the selectors count them.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from lianxin.org.models import Unit

from .models import Appeal, AppealDayStats, AppealDayStatsMark, AppealDayStatsUnit, AppealEvent, Score

Action = AppealEvent.Action

RESPONSES = (Action.ACCEPTED, Action.MERGED, Action.REJECTED)

EVENT_COUNTS: dict[str, Q] = {
    # Only an appeal's first response and its answers carry `on_time` (services.base).
    "responded": Q(action__in=RESPONSES, on_time__isnull=False),
    "responded_on_time": Q(action__in=RESPONSES, on_time=True),
    "answered": Q(action=Action.ANSWERED, on_time__isnull=False),
    "answered_on_time": Q(action=Action.ANSWERED, on_time=True),
    # Every rating given: dissatisfied, then satisfied after reopening, counts once each way.
    "rated": Q(action=Action.RATED),
    "satisfied": Q(action=Action.RATED, score=Score.SATISFIED),
    "basic": Q(action=Action.RATED, score=Score.BASIC),
    "dissatisfied": Q(action=Action.RATED, score=Score.DISSATISFIED),
}
"""What the rates count among the events of the appeals received in the period, by name."""

FIELDS = ("received", *EVENT_COUNTS)
"""The counts of a row: the appeals received, then the events of `EVENT_COUNTS`."""

EVENT_ACTIONS = frozenset({*RESPONSES, Action.ANSWERED, Action.RATED})
COUNTED_ACTIONS = EVENT_ACTIONS | {Action.SUBMITTED}
"""Events that change a row: the intake's (one more appeal received) and those `EVENT_COUNTS` count."""

MAX_MARKED = 2000
"""Readers count up to this many marked (unit, day)s from the events; beyond it, everything."""

REBUILD_ABOVE = 50_000
"""The sweep rebuilds everything rather than refresh more marks than this (after a migration)."""

LOCK_ID = 0x4C58_5354
"""The PostgreSQL advisory lock the writers of rows share (on SQLite a write transaction is one)."""


def _tz():
    return timezone.get_default_timezone()


def day_of(moment: dt.datetime) -> dt.date:
    """The day of receipt a moment counts under."""
    return timezone.localtime(moment, _tz()).date()


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), _tz())


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIELDS, 0)


def _as_date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


# --- writing ------------------------------------------------------------------------------------


def mark(appeal: Appeal) -> None:
    """Note that the rows of the appeal's unit and day of receipt must be recomputed."""
    AppealDayStatsMark.objects.create(unit_id=appeal.origin_unit_id, day=day_of(appeal.received_at))


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])


def _own_rows_sql(appeals: Q | None) -> tuple[str, tuple]:
    """SQL for one row per (origin unit, day of receipt) of the appeals matching `appeals` (all when
    None): unit id, day, then `FIELDS`. The event counts are `EVENT_COUNTS` as the live count uses them."""
    tz = _tz()
    received = Appeal.objects.filter(appeals) if appeals is not None else Appeal.objects.all()
    received = (
        received.annotate(day=TruncDate("received_at", tzinfo=tz))
        .values("origin_unit_id", "day")
        .annotate(received=Count("pk"))
        .order_by()
    )
    events = AppealEvent.objects.filter(action__in=EVENT_ACTIONS)
    if appeals is not None:
        events = events.filter(appeal__in=Appeal.objects.filter(appeals).values("pk"))
    events = (
        events.annotate(origin=F("appeal__origin_unit_id"), day=TruncDate("appeal__received_at", tzinfo=tz))
        .values("origin", "day")
        .annotate(**{name: Count("pk", filter=q) for name, q in EVENT_COUNTS.items()})
        .order_by()
    )
    r_sql, r_params = received.query.sql_with_params()
    e_sql, e_params = events.query.sql_with_params()
    day = _qn("day")
    counts = ", ".join(f"COALESCE(e.{_qn(name)}, 0)" for name in EVENT_COUNTS)
    sql = (
        f"SELECT r.origin_unit_id, r.{day}, r.received, {counts} FROM ({r_sql}) r "  # noqa: S608
        f"LEFT JOIN ({e_sql}) e ON e.origin = r.origin_unit_id AND e.{day} = r.{day}"
    )
    return sql, (*r_params, *e_params)


def _own_counts(appeals: Q) -> dict[tuple[int, dt.date], dict[str, int]]:
    sql, params = _own_rows_sql(appeals)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (row[0], _as_date(row[1])): dict(zip(FIELDS, row[2:], strict=True)) for row in cursor.fetchall()
        }


def _by_day(keys: Iterable[tuple[int, dt.date]]) -> dict[dt.date, list[int]]:
    days = defaultdict(set)
    for unit_id, day in keys:
        days[day].add(unit_id)
    return {day: sorted(units) for day, units in sorted(days.items())}


def _appeals_of(keys: Iterable[tuple[int, dt.date]]) -> Q:
    """The appeals received at these (unit, day)s."""
    return functools.reduce(
        operator.or_,
        (
            Q(
                origin_unit_id__in=units,
                received_at__gte=_start(day),
                received_at__lt=_start(day + dt.timedelta(days=1)),
            )
            for day, units in _by_day(keys).items()
        ),
    )


def _rows_of(keys: Iterable[tuple[int, dt.date]]) -> Q:
    return functools.reduce(
        operator.or_, (Q(day=day, unit_id__in=units) for day, units in _by_day(keys).items())
    )


def _ancestor_paths(path: str) -> list[str]:
    """The unit's own path and those of every unit above it."""
    return [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]


def _replace(keys: set, counts: dict, *, subtree: bool) -> None:
    if not keys:
        return
    AppealDayStats.objects.filter(_rows_of(keys), subtree=subtree).delete()
    AppealDayStats.objects.bulk_create(
        [
            AppealDayStats(unit_id=unit_id, day=day, subtree=subtree, **values)
            for (unit_id, day), values in counts.items()
            if values["received"]
        ],
        batch_size=1000,
    )


def _moved() -> bool:
    """Whether a unit stands elsewhere in the tree than when the subtree rows were summed."""
    return AppealDayStatsUnit.objects.exclude(path=F("unit__path")).exists()


def _recompute(keys: set[tuple[int, dt.date]]) -> None:
    """The own rows of `keys` from the events; the subtree rows of their units and every unit above
    them from the day's own rows."""
    if not keys:
        return
    paths = dict(Unit.objects.values_list("pk", "path"))
    keys = {key for key in keys if key[0] in paths}
    _replace(keys, _own_counts(_appeals_of(keys)), subtree=False)
    unit_of = {path: pk for pk, path in paths.items()}
    wanted = {(unit_of[path], day) for unit_id, day in keys for path in _ancestor_paths(paths[unit_id])}
    sums: dict[tuple[int, dt.date], dict[str, int]] = {}
    own = AppealDayStats.objects.filter(subtree=False, day__in={day for _, day in wanted})
    for unit_id, day, *values in own.values_list("unit_id", "day", *FIELDS):
        for path in _ancestor_paths(paths[unit_id]):
            key = (unit_of[path], day)
            if key in wanted:
                total = sums.setdefault(key, _zero())
                for name, value in zip(FIELDS, values, strict=True):
                    total[name] += value
    _replace(wanted, sums, subtree=True)
    AppealDayStatsUnit.objects.bulk_create(
        [AppealDayStatsUnit(unit_id=unit_id, path=paths[unit_id]) for unit_id in {u for u, _ in keys}],
        ignore_conflicts=True,
    )


def _take_marks(limit: int) -> tuple[int, set[tuple[int, dt.date]]]:
    """Remove up to `limit` marks, oldest first; their (unit, day)s. Every mark seen was committed,
    so the events it stands for are seen by the statements that follow."""
    table = _qn(AppealDayStatsMark._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s) "  # noqa: S608
            f"RETURNING unit_id, {_qn('day')}",
            [limit],
        )
        rows = cursor.fetchall()
    return len(rows), {(unit_id, _as_date(day)) for unit_id, day in rows}


def refresh(*, batch: int = 2000) -> int:
    """Recompute the rows of every marked (unit, day); how many (unit, day)s were recomputed."""
    if AppealDayStatsMark.objects.count() > REBUILD_ABOVE:
        rebuild()
        return AppealDayStats.objects.filter(subtree=False).count()
    done = 0
    while True:
        with transaction.atomic():
            _lock()
            if _moved():
                _sum_subtrees()
            taken, keys = _take_marks(batch)
            _recompute(keys)
        done += len(keys)
        if taken < batch:
            return done


def _sum_subtrees(*, period: tuple[dt.date, dt.date] | None = None) -> None:
    """Subtree rows from the own rows, for every day or a period, one statement per tree level;
    then record the tree they were summed for."""
    rows = AppealDayStats.objects.filter(subtree=True)
    where, params = "", []
    if period is not None:
        rows = rows.filter(day__gte=period[0], day__lte=period[1])
        where = f"AND o.{_qn('day')} >= %s AND o.{_qn('day')} <= %s"
        params = [connection.ops.adapt_datefield_value(day) for day in period]
    rows.delete()
    stats, units = _qn(AppealDayStats._meta.db_table), _qn(Unit._meta.db_table)
    columns = ", ".join(_qn(name) for name in FIELDS)
    sums = ", ".join(f"SUM(o.{_qn(name)})" for name in FIELDS)
    day = _qn("day")
    deepest = Unit.objects.aggregate(deepest=Max("depth"))["deepest"] or 0
    with connection.cursor() as cursor:
        for depth in range(1, deepest + 1):
            cursor.execute(
                f"INSERT INTO {stats} (unit_id, {day}, subtree, {columns}) "  # noqa: S608
                f"SELECT above.id, o.{day}, %s, {sums} FROM {stats} o "
                f"JOIN {units} u ON u.id = o.unit_id "
                f"JOIN {units} above ON above.path = SUBSTR(u.path, 1, %s) "
                f"WHERE o.subtree = %s AND u.depth >= %s {where} GROUP BY above.id, o.{day}",
                [True, depth * Unit.steplen, False, depth, *params],
            )
        AppealDayStatsUnit.objects.all().delete()
        cursor.execute(
            f"INSERT INTO {_qn(AppealDayStatsUnit._meta.db_table)} (unit_id, path) SELECT id, path FROM {units}"  # noqa: S608
        )


def rebuild(*, date_from: dt.date | None = None, date_to: dt.date | None = None) -> int:
    """Recompute every row, or those of the appeals received in [date_from, date_to], from the
    events. Returns the number of own rows written."""
    period = (date_from or dt.date.min, date_to or dt.date.max) if (date_from or date_to) else None
    with transaction.atomic():
        _lock()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")  # compiling the big aggregate costs more than it saves
        marks, rows, appeals = AppealDayStatsMark.objects.all(), AppealDayStats.objects.all(), None
        if period is not None:
            marks = marks.filter(day__gte=period[0], day__lte=period[1])
            rows = rows.filter(day__gte=period[0], day__lte=period[1])
            appeals = Q()
            if date_from:
                appeals &= Q(received_at__gte=_start(date_from))
            if date_to:
                appeals &= Q(received_at__lt=_start(date_to + dt.timedelta(days=1)))
        # Marks seen here were committed: the statements below see their events.
        marks.delete()
        rows.filter(subtree=False).delete()
        sql, params = _own_rows_sql(appeals)
        columns = ", ".join(_qn(name) for name in ("unit_id", "day", *FIELDS, "subtree"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_qn(AppealDayStats._meta.db_table)} ({columns}) SELECT x.*, %s FROM ({sql}) x",  # noqa: S608
                [False, *params],
            )
            written = cursor.rowcount
        # A moved unit changes subtree rows outside the period too: then sum them all again.
        _sum_subtrees(period=None if period is None or _moved() else period)
    return written


# --- reading ------------------------------------------------------------------------------------


def _marked(
    units: Sequence[Unit], date_from: dt.date, date_to: dt.date
) -> dict[tuple[int, str, dt.date], dict[str, int]] | None:
    """The marked (unit, day)s in the units' subtrees and the period, each with its stored own row,
    read in one statement; None when there are more than `MAX_MARKED`."""
    marks, stats, unit_table = (
        _qn(model._meta.db_table) for model in (AppealDayStatsMark, AppealDayStats, Unit)
    )
    day = _qn("day")
    stored = ", ".join(f"s.{_qn(name)}" for name in FIELDS)
    scope = " OR ".join("u.path LIKE %s" for _ in units)
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.unit_id, u.path, m.{day}, {stored} "  # noqa: S608
            f"FROM (SELECT DISTINCT unit_id, {day} FROM {marks} WHERE {day} >= %s AND {day} <= %s) m "
            f"JOIN {unit_table} u ON u.id = m.unit_id "
            f"LEFT JOIN {stats} s ON s.unit_id = m.unit_id AND s.{day} = m.{day} AND s.subtree = %s "
            f"WHERE ({scope}) LIMIT %s",
            [adapt(date_from), adapt(date_to), False, *(f"{unit.path}%" for unit in units), MAX_MARKED + 1],
        )
        rows = cursor.fetchall()
    if len(rows) > MAX_MARKED:
        return None
    return {
        (unit_id, path, _as_date(day)): dict(zip(FIELDS, (value or 0 for value in values), strict=True))
        for unit_id, path, day, *values in rows
    }


def subtree_counts(
    units: Sequence[Unit], date_from: dt.date, date_to: dt.date
) -> dict[int, dict[str, int]] | None:
    """`FIELDS` of each unit's subtree for the appeals received in [date_from, date_to], by unit id,
    equal to a count from the events. The units' subtrees must not overlap. None when the rollup
    cannot answer (a unit moved since it was summed, or too many marked days): count live then.

    Three queries, four with marked days in scope. The sums are read before the marks, so a refresh
    committing in between can only leave a marked day as the sweep found it, never count it twice.
    """
    if not units:
        return {}
    if _moved():
        return None
    result = {unit.pk: _zero() for unit in units}
    sums = (
        AppealDayStats.objects.filter(
            unit__in=[unit.pk for unit in units], subtree=True, day__gte=date_from, day__lte=date_to
        )
        .values("unit_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in FIELDS})
        .order_by()
    )
    for row in sums:
        result[row["unit_id"]] = {name: row[f"sum_{name}"] for name in FIELDS}
    marked = _marked(units, date_from, date_to)
    if marked is None:
        return None
    if marked:
        live = _own_counts(_appeals_of((unit_id, day) for unit_id, _path, day in marked))
        for (unit_id, path, day), stored in marked.items():
            owner = next(unit.pk for unit in units if path.startswith(unit.path))
            fresh = live.get((unit_id, day)) or _zero()
            for name in FIELDS:
                result[owner][name] += fresh[name] - stored[name]
    return result
