"""Mutual-aid protection (互助保障): plans, enrolments and claims.

A plan runs for a period and pays from its own fund (a fund of kind `mutual_aid`). Members are
enrolled once per plan; their premiums go into the plan's fund as one PREMIUM entry per batch.
A claim lists a member's medical invoices; its benefit follows the plan's rules:

    benefit = min(cap_per_claim, (eligible − deductible) × rate, what is left of cap_per_member)

rounded to the cent (half up). A claim whose benefit would be zero is refused, saying why.

The claim's steps: recorded (pending) → approved (the plan's fund reserves the benefit) → paid
(the treasurer, with an idempotency key) → reversed (a counter-entry, with a reason). A pending
claim may be returned to its recorder (and resubmitted) or rejected; an approved one may be
returned (the reservation is released). The recorder never approves; the payer is neither the
recorder nor the approver. Each step re-reads the claim under a row lock, checks the move against
`CLAIM_TRANSITIONS`, writes a `ClaimEvent` and an audit row in the same transaction, and tells the
person who must act next (`notify` writes the in-app row now, mail and SMS after commit).

An invoice counts once: while its claim counts (pending, returned, approved, paid) the invoice's
normalised number sits in `ClaimInvoice.active_key`, unique in the table; rejecting or reversing
the claim clears it, so the invoice may be claimed again.

Modules by step: `plans`, `enrolment`, `benefit` (the rules above, `COUNTING`), `claims`
(recording a claim and its invoices; what every later step shares), `approval` (resubmit,
approve, return, reject), `payment` (pay, reverse). Other code imports from this package
(or from `lianxin.assistance.services`), not from the modules.
"""

from .approval import claim_approve, claim_reject, claim_resubmit, claim_return
from .benefit import (
    COUNTING,
    Benefit,
    benefit_compute,
    claim_benefit,
    claim_benefit_explained,
    enrolment_used,
)
from .claims import (
    Action,
    approval_unit_for,
    claim_record,
    invoice_key,
    invoices_clean,
    may_approve,
    may_pay,
    may_record,
)
from .enrolment import enrolment_add, enrolment_add_unit
from .payment import PAY_SCOPE, claim_pay, claim_reverse
from .plans import plan_accepts_enrolment, plan_close, plan_create

__all__ = [
    "Action",
    "Benefit",
    "COUNTING",
    "PAY_SCOPE",
    "approval_unit_for",
    "benefit_compute",
    "claim_approve",
    "claim_benefit",
    "claim_benefit_explained",
    "claim_pay",
    "claim_record",
    "claim_reject",
    "claim_resubmit",
    "claim_return",
    "claim_reverse",
    "enrolment_add",
    "enrolment_add_unit",
    "enrolment_used",
    "invoice_key",
    "invoices_clean",
    "may_approve",
    "may_pay",
    "may_record",
    "plan_accepts_enrolment",
    "plan_close",
    "plan_create",
]
