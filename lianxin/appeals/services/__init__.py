"""Writes on appeals: intake and every step of the six-step workflow.

The package: `intake` (numbering, routing, flags, duplicates; the part after commit runs as a job),
`steps` (every transition after intake), `meetings` (deliberation meetings, public answers), `sweep`
(overdue, escalation, lapsed ratings, intakes whose job was lost) and `base` (what they share).
Import from `lianxin.appeals.services`.

Each transition (STYLE.md): re-read the row with `select_for_update`, check the transition, set the
state with `update_fields`, write the `AppealEvent` in the same transaction, and leave side effects
(notifications) to `transaction.on_commit`. Two handlers acting at once: the second finds the state
changed (or its `expected_version` stale) and gets `AppealConflict`, which the API answers with 409.
"""

from .base import (  # noqa: F401
    MAX_TEXT,
    RESPONSES,
    TRACK_ALPHABET,
    Action,
    AppealConflict,
    AppealError,
    _ancestors,
    _check_text,
    _check_worker,
    _clock,
    _event,
    _first,
    _locked,
    _require,
    _require_state,
    _response_on_time,
    _save,
    _worker_side_actor,
    track_digest,
    worker_may_act,
)
from .intake import (  # noqa: F401
    RECORDED_CHANNELS,
    SELF_CHANNELS,
    Intake,
    _new_track_code,
    _next_number,
    _own_member,
    _pg_next_in_sequence,
    appeal_intake_finish,
    appeal_submit,
    handling_unit_for,
)
from .meetings import (  # noqa: F401
    deadline_rules,
    meeting_create,
    meeting_decide,
    public_answer_publish,
)
from .steps import (  # noqa: F401
    REMIND_BEFORE,
    _pass_answer,
    _reopen,
    _reopen_unit,
    appeal_accept,
    appeal_answer,
    appeal_assign,
    appeal_confirm_flags,
    appeal_extend,
    appeal_lapse,
    appeal_merge,
    appeal_provide_info,
    appeal_rate,
    appeal_refer,
    appeal_reject,
    appeal_remind,
    appeal_request_info,
    appeal_send_to_deliberation,
    appeal_start,
    appeal_withdraw,
    can_answer_referral,
    department_choices,
    meeting_add_item,
    rating_window_end,
    referral_answer,
)
from .sweep import (  # noqa: F401
    _escalation_pending,
    _grace,
    _overdue_limit,
    _reminder_pending,
    appeal_escalate,
    appeal_mark_overdue,
    appeal_remind_due,
    appeals_sweep,
    escalation_due,
    unfinished_intakes,
)
