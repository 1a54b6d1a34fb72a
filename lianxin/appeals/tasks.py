"""Jobs (Huey): the rest of each intake, the deadline sweep, and forgetting old intake retry keys."""

import datetime as dt

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from lianxin.core.idempotency import idempotency_purge

from .api import SUBMIT_SCOPE
from .services import appeal_intake_finish, appeals_sweep

SUBMIT_KEY_DAYS = 2
"""An intake retry comes within seconds or minutes; keys older than this only link people to appeals."""


@db_task(retries=3, retry_delay=10)
def appeal_intake_finish_task(appeal_id: int) -> None:
    """Enqueued when an intake commits: duplicate signature and bands, notifications (see
    `services.appeal_intake_finish`). Safe to run again; the sweep runs it for any intake it missed.
    Returns nothing, so the job queue keeps no result per appeal."""
    appeal_intake_finish(appeal_id=appeal_id)


@db_periodic_task(crontab(minute=f"*/{settings.LIANXIN_SWEEP_MINUTES}"))
@lock_task("appeals-sweep")
def appeals_sweep_task():
    return appeals_sweep()


@db_periodic_task(crontab(hour="3", minute="17"))
def appeals_submit_keys_purge_task():
    return idempotency_purge(scope=SUBMIT_SCOPE, older_than=dt.timedelta(days=SUBMIT_KEY_DAYS))
