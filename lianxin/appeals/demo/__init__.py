"""A year of appeals for the demo company, produced through the services with the clock moved.

`build_demo_appeals` plans every appeal's life first (received when, through which channel, accepted,
referred, deliberated, answered, rated… each step at a planned moment, limits counted with
`deadlines` exactly as the services count them), then runs every step whose moment has come, in the
order of the moments, through the services (`appeal_submit`, `appeal_accept`, `appeal_refer`,
`meeting_decide`, `appeal_rate`…). Steps planned after `now` are not run: recent appeals stay new,
in progress, waiting for a department or for a rating, and late ones are overdue and escalated.

The services stamp rows with the real clock. The builder moves them to the planned moments:
- an appeal's `received_at` goes to `appeal_submit`, so its limits are computed by the service;
- rows a step creates or changes (events, ratings, referrals, meetings, public answers) are
  collected with `post_save` receivers while the step runs; notifications (bulk-created) by id;
  they get the step's moment at the end, in bulk;
- an event's `on_time` (set by the service against the real clock) is set against the limit in
  force at the planned moment, which is what the service would have written then;
- fields later steps read (`answer_due` after a pause, an extension or a reopening, `overdue`
  after an extension, `answered_at` before a lapse) are written as soon as the step has run, so
  the sweep services (`appeal_mark_overdue`, `appeal_escalate`, `appeal_lapse`), given the planned
  moment as `now`, decide as they would have on that day. `answered_at` of an answer the worker
  will rate is written after the rating (the service checks the rating window against the real
  clock).

Same seed, same `now`: the same appeals, texts, states and moments.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import override_settings

from lianxin.org.models import Unit

from .builder import AppealsBuilder, Summary
from .planner import LOGIN_NAMES
from .purge import purge_demo_appeals

__all__ = ["LOGIN_NAMES", "Summary", "build_demo_appeals", "purge_demo_appeals"]


def build_demo_appeals(
    *, root: Unit, now: dt.datetime, seed: int, count: int, password: str, password_hash: str = ""
) -> Summary:
    """Write `count` appeals received over the year before `now` under the demo group `root`."""
    builder = AppealsBuilder(root=root, now=now, seed=seed, count=count, password=password)
    builder.password_hash = password_hash or make_password(password)
    quiet = {
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LIANXIN_SMS_SENDER": "lianxin.appeals.demo.SilentSms",
    }
    pending = len(connection.run_on_commit)
    with override_settings(**quiet):
        builder.build()
    # Inside the caller's transaction the services' mail and SMS wait for its commit: the demo's
    # history is not announced to anyone (the in-app notifications stay, stamped with their moments).
    del connection.run_on_commit[pending:]
    return builder.summary()


class SilentSms:
    """The demo's history sends no text messages."""

    def send(self, phone: str, text: str) -> None:
        return None
