"""`manage.py appeal_stats_rebuild`: recompute the rates' daily rollup from the events.

Run it after loading appeals or events outside the services (the bench loader does), after
migrating a large database to `appeals/0007`, or to repair the rollup. `--from` and `--to` limit it
to the appeals received in that period. The sweep keeps the rollup current otherwise (stats.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from lianxin.appeals import stats
from lianxin.appeals.models import AppealDayStats, AppealDayStatsMark


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("不是日期(YYYY-MM-DD):%(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = "从办理记录重新计算诉求“三率”的按日汇总(导入数据后或修复时运行)。"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=_date, help="只算此日起收到的诉求(YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", type=_date, help="只算此日止收到的诉求(YYYY-MM-DD)")

    def handle(self, *args, date_from=None, date_to=None, **options):
        if date_from and date_to and date_from > date_to:
            raise CommandError(_("结束日期不能早于开始日期。"))
        started = time.monotonic()
        rows = stats.rebuild(date_from=date_from, date_to=date_to)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh planner statistics, and the marks' dead rows gone (readers scan that table).
            with connection.cursor() as cursor:
                for model in (AppealDayStats, AppealDayStatsMark):
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        seconds = time.monotonic() - started
        self.stdout.write(
            _("已重新计算 %(rows)d 个单位日的汇总,用时 %(seconds).1f 秒。")
            % {"rows": rows, "seconds": seconds}
        )
