"""Jobs (Huey): the daily reminders of yearly reviews falling due and of missing follow-ups."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services.reminders import reminders_send


@db_periodic_task(crontab(hour="0", minute="40"))  # Huey reads crontabs in UTC: 08:40 in Shanghai
@lock_task("assistance-reminders")
def assistance_reminders_task() -> None:
    """Safe to run again: each reminder is sent once (see `services.reminders`). Returns nothing,
    so the job queue keeps no result."""
    reminders_send()
