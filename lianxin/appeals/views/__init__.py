"""Pages of the appeals app: `worker` (raise, follow, rate; phones first), `office` (worklist,
record, detail and every step), `committee` (meetings, referrals, supervision, rates, ledger)."""
