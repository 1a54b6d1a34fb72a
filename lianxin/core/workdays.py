"""The working-day calendar: weekends, statutory holidays and make-up working days (调休).

Holidays live in the `Holiday` table, seeded from chinese-calendar and edited by administrators
when the State Council publishes the next year's arrangement. A year with no data counts weekends
only; `missing_years` tells the interface to warn about it. Nothing here raises for an unknown year.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .audit import audit_log
from .models import CalendarYear, Holiday

_CACHE_VERSION_KEY = "calendar:version"
_CACHE_TTL = 6 * 3600


def _version() -> int:
    version = cache.get(_CACHE_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(_CACHE_VERSION_KEY, version, None)
    return version


def _invalidate() -> None:
    try:
        cache.incr(_CACHE_VERSION_KEY)
    except ValueError:
        cache.set(_CACHE_VERSION_KEY, 2, None)


def _year(year: int) -> tuple[bool, frozenset[dt.date], frozenset[dt.date]]:
    """(is the year's arrangement known, its holidays, its make-up working days)."""
    key = f"calendar:{_version()}:{year}"
    found = cache.get(key)
    if found is None:
        known = CalendarYear.objects.filter(year=year).exists()
        rows = Holiday.objects.filter(date__year=year).values_list("date", "is_working_day")
        holidays = frozenset(d for d, working in rows if not working)
        workdays = frozenset(d for d, working in rows if working)
        found = (known, holidays, workdays)
        cache.set(key, found, _CACHE_TTL)
    return found


def is_working_day(day: dt.date, *, years: dict | None = None) -> bool:
    """`years` (a dict the caller keeps for one computation) holds each year's calendar once read,
    so counting across many days reads the cache once per year, not twice per day."""
    if years is None:
        _known, holidays, workdays = _year(day.year)
    else:
        if day.year not in years:
            years[day.year] = _year(day.year)
        _known, holidays, workdays = years[day.year]
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def add_working_days(
    start: dt.date | dt.datetime, n: int, *, years: dict | None = None
) -> dt.date | dt.datetime:
    """The n-th working day after `start` (start itself not counted); a datetime keeps its time of day.
    Callers counting several limits at once may share one `years` dict (see `is_working_day`)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = _as_date(start)
    counted, years = 0, {} if years is None else years
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day, years=years):
            counted += 1
    if isinstance(start, dt.datetime):
        local = timezone.localtime(start) if timezone.is_aware(start) else start
        moved = local.replace(year=day.year, month=day.month, day=day.day)
        if timezone.is_aware(start):
            # Re-localize: the same wall-clock time on the new day.
            moved = timezone.make_aware(moved.replace(tzinfo=None), timezone.get_current_timezone())
        return moved
    return day


def working_days_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """Working days d with a < d <= b; negative when b is before a."""
    first, last = _as_date(a), _as_date(b)
    if last < first:
        return -working_days_between(last, first)
    count, years = 0, {}
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        if is_working_day(day, years=years):
            count += 1
    return count


def missing_years(*years: int) -> list[int]:
    """Which of `years` have no published arrangement (weekends only are counted for them)."""
    return [year for year in years if not _year(year)[0]]


def years_to_check(today: dt.date | None = None) -> list[int]:
    """This year, and from October on also next year, whose deadlines are already being set."""
    today = today or timezone.localdate()
    return [today.year, today.year + 1] if today.month >= 10 else [today.year]


@transaction.atomic
def calendar_load_from_package(*, actor=None, years: list[int] | None = None) -> list[int]:
    """Load holidays and make-up days from chinese-calendar for the years it knows."""
    from chinese_calendar import constants

    by_year: dict[int, list[Holiday]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, []).append(Holiday(date=day, is_working_day=False, name=name))
    for day, name in constants.workdays.items():
        by_year.setdefault(day.year, []).append(Holiday(date=day, is_working_day=True, name=name))
    loaded = []
    for year in sorted(by_year):
        if years is not None and year not in years:
            continue
        if CalendarYear.objects.filter(year=year).exists():
            continue
        Holiday.objects.filter(date__year=year).delete()
        Holiday.objects.bulk_create(by_year[year])
        CalendarYear.objects.create(year=year, source="chinese-calendar")
        loaded.append(year)
    if loaded:
        audit_log(code="core.calendar.loaded", actor=actor, years=loaded)
        transaction.on_commit(_invalidate)
    return loaded


@transaction.atomic
def calendar_year_publish(
    *, year: int, days: list[tuple[dt.date, bool, str]], actor, source: str = ""
) -> None:
    """Record a year's arrangement as published: its holidays and make-up days, replacing any before."""
    if any(day.year != year for day, _working, _name in days):
        raise ValueError("every day must fall in the year being published")
    Holiday.objects.filter(date__year=year).delete()
    Holiday.objects.bulk_create([Holiday(date=d, is_working_day=w, name=n) for d, w, n in days])
    CalendarYear.objects.update_or_create(year=year, defaults={"source": source or "manual"})
    audit_log(code="core.calendar.published", actor=actor, year=year, days=len(days))
    transaction.on_commit(_invalidate)


def calendar_changed() -> None:
    """Call after editing holidays by hand (the admin does) so every node re-reads them."""
    transaction.on_commit(_invalidate)
