"""Scheduled jobs (Huey): the deadline sweep."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import appeals_sweep


@db_periodic_task(crontab(minute=f"*/{settings.LIANXIN_SWEEP_MINUTES}"))
@lock_task("appeals-sweep")
def appeals_sweep_task():
    return appeals_sweep()
