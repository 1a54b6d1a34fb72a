"""Aid under programmes (帮扶申请): record, approve, return, resubmit, void, pay, reverse.

The programme's rules are checked here: who is eligible (an active programme within its dates,
a member inside the programme unit's subtree, an active hardship file of an eligible level where
the programme asks for one), how much (the standard, the school level's amount, or within the
minimum and maximum), the caps per person and per household per calendar year, and once per
period. Caps count the applications in `COUNTING_STATUSES`; the member's row (and the household's
file row) is locked while they are counted, so two concurrent records cannot both slip under a
cap. Once per period is also held by the unique `once_key`, cleared when an application is voided
or reversed.

Money: approval reserves the amount in the programme's fund of that moment and records it as
`Application.fund`; a return after approval releases it there, payment consumes it there
(`fund_pay`), a reversal is a counter-entry on the payment's own entry (`fund_reverse`). A programme
moved to another fund therefore never pays or releases its earlier approvals on the new one. Lock
order: the application row, then the member and the file, then the fund. The recorder never
approves; where the programme says so, the approver never pays. Each step writes an
`ApplicationEvent` and an audit row in its transaction and tells the people who must act next once
it has committed.

A member who has left the union (离会) gets no new aid (`member_require_in_union`, checked under the
member's row lock); what was recorded before stays and goes on through its steps.

Errors: `ValidationError({field: …})` for a missing or malformed field (reason, reference, amount,
school level), `AssistanceError` (422) for a rule, `AssistanceConflict` (409) for a stale version
or a step the status does not allow, `PermissionDenied` (403) for a missing capability.

Modules by step: `rules` (the programme's rules, `member_require_in_union`), `steps` (what
every step shares, `holders`), `record` (record, resubmit), `approval` (approve, return, void),
`payment` (pay, reverse), `appeal` (initial values from an appeal), `fund_admin` (funds and
campaigns). Other code imports from this package (or from `lianxin.assistance.services`), not
from the modules.
"""

from .appeal import SUGGESTIONS, application_initial_from_appeal
from .approval import application_approve, application_return, application_void
from .fund_admin import (
    campaign_create,
    fund_create,
    fund_entry_reverse,
    fund_income_record,
    fund_transfer_record,
    fund_update,
)
from .payment import PAY_SCOPE, application_pay, application_reverse
from .record import application_record, application_resubmit
from .rules import approval_unit_for, member_require_in_union, period_key, programme_amount
from .steps import MAX_REASON, Action, Status, holders

__all__ = [
    "Action",
    "MAX_REASON",
    "PAY_SCOPE",
    "SUGGESTIONS",
    "Status",
    "application_approve",
    "application_initial_from_appeal",
    "application_pay",
    "application_record",
    "application_resubmit",
    "application_return",
    "application_reverse",
    "application_void",
    "approval_unit_for",
    "campaign_create",
    "fund_create",
    "fund_entry_reverse",
    "fund_income_record",
    "fund_transfer_record",
    "fund_update",
    "holders",
    "member_require_in_union",
    "period_key",
    "programme_amount",
]
