"""Appeal fixtures: departments, care contacts and appeals driven to any state through the services."""

from __future__ import annotations

import itertools

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, Category, Channel, Department, Kind, State

_n = itertools.count(1)

TEXTS = [
    "炼钢车间三号转炉旁的休息室空调坏了两个星期,夏天高温作业下来没地方降温,希望尽快维修。",
    "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问人力资源部。",
    "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?",
    "申请金秋助学,孩子今年考上大学,家里老人住院,学费凑不齐。",
]


def make_department(
    unit, name: str = "人力资源部", kind: str = Department.Kind.HR, handlers=()
) -> Department:
    department = Department.objects.create(unit=unit, name=name, kind=kind)
    department.handlers.set(handlers)
    return department


def category(code: str = "other") -> Category:
    return Category.objects.get(code=code)


def make_appeal(
    *,
    unit,
    by=None,
    text: str | None = None,
    anonymous: bool = False,
    channel: str = "",
    kind: str = Kind.CONSULTATION,
    code: str | None = None,
    **extra,
) -> Appeal:
    """An appeal raised through the intake service, with the rest of its intake done (what the job
    after the commit does: duplicate bands, notifications). `by` records it (hotline) unless a worker
    raises it."""
    text = text or f"{TEXTS[next(_n) % len(TEXTS)]}(第{next(_n)}条)"
    if by is None:
        raise ValueError("make_appeal needs `by`: the worker or the recorder")
    channel = channel or (Channel.WEB if not _records(by, unit) else Channel.HOTLINE)
    intake = services.appeal_submit(
        submitted_by=by,
        origin_unit=unit,
        text=text,
        channel=channel,
        kind=kind,
        anonymous=anonymous,
        category=category(code) if code else None,
        **extra,
    )
    services.appeal_intake_finish(appeal_id=intake.appeal.pk)
    intake.appeal.track_code = intake.track_code
    return intake.appeal


def _records(user, unit) -> bool:
    from lianxin.core.capabilities import APPEALS_RECORD
    from lianxin.core.permissions import has_unit_permission

    return has_unit_permission(user, unit, APPEALS_RECORD)


def drive(appeal: Appeal, to: str, *, handler) -> Appeal:
    """Take an appeal through the usual steps up to state `to` (accepted, in_progress, answered, closed)."""
    order = [State.ACCEPTED, State.IN_PROGRESS, State.ANSWERED, State.CLOSED]
    for step in order[: order.index(to) + 1]:
        appeal.refresh_from_db()
        if step == State.ACCEPTED:
            services.appeal_accept(appeal=appeal, accepted_by=handler)
        elif step == State.IN_PROGRESS:
            services.appeal_start(appeal=appeal, started_by=handler)
        elif step == State.ANSWERED:
            services.appeal_answer(appeal=appeal, answered_by=handler, answer="已协调相关部门解决,请您查看。")
        elif step == State.CLOSED:
            services.appeal_rate(appeal=appeal, score="satisfied", comment="很好")
    appeal.refresh_from_db()
    return appeal
