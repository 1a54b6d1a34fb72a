"""Scheduled jobs (Huey): the deadline sweep, and forgetting old intake retry keys."""

import datetime as dt

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from lianxin.core.idempotency import idempotency_purge

from .api import SUBMIT_SCOPE
from .services import appeals_sweep

SUBMIT_KEY_DAYS = 2
"""An intake retry comes within seconds or minutes; keys older than this only link people to appeals."""


@db_periodic_task(crontab(minute=f"*/{settings.LIANXIN_SWEEP_MINUTES}"))
@lock_task("appeals-sweep")
def appeals_sweep_task():
    return appeals_sweep()


@db_periodic_task(crontab(hour="3", minute="17"))
def appeals_submit_keys_purge_task():
    return idempotency_purge(scope=SUBMIT_SCOPE, older_than=dt.timedelta(days=SUBMIT_KEY_DAYS))
