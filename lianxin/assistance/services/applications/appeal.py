"""Initial values for an application from a hardship appeal."""

from __future__ import annotations

from django.utils import timezone

from lianxin.core.text import to_simplified
from lianxin.members.models import Member
from lianxin.org.models import Unit

from ...models import FileStatus, HardshipFile, Programme, ProgrammeKind

SUGGESTIONS = (
    (ProgrammeKind.SERIOUS_ILLNESS, ("病", "住院", "手术", "医疗", "医药", "治疗", "癌", "化疗", "透析")),
    (ProgrammeKind.SCHOOL_AID, ("学费", "上学", "入学", "助学", "读书", "大学", "高中", "录取")),
    (ProgrammeKind.EMERGENCY, ("灾", "火灾", "洪水", "事故", "意外", "突发", "急需")),
)
"""Words in an appeal that suggest a programme kind; the first kind whose words appear wins."""


def application_initial_from_appeal(*, appeal, fetched_by) -> dict:
    """Initial values for a new application from a hardship appeal (404 if out of scope):
    {"appeal", "member", "file", "reason", "programme"} (member/file/programme may be None).

    An anonymous appeal names no member. The programme is suggested from the appeal's words among
    the active programmes covering the member's unit (or the appeal's unit)."""
    from lianxin.appeals.selectors import appeal_get

    appeal = appeal_get(fetched_by=fetched_by, appeal_id=appeal.pk)
    member = None
    if not appeal.is_anonymous:
        member = appeal.member
        if member is None and appeal.submitted_by_id:
            member = Member.objects.filter(user_id=appeal.submitted_by_id).select_related("unit").first()
    file = HardshipFile.objects.filter(member=member, status=FileStatus.ACTIVE).first() if member else None
    unit = member.unit if member else appeal.origin_unit
    paths = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    today = timezone.localdate()
    programmes = list(
        Programme.objects.filter(unit__path__in=paths, is_active=True)
        .select_related("unit")
        .order_by("-unit__depth", "id")
    )
    programmes = [
        p
        for p in programmes
        if (p.starts_on is None or p.starts_on <= today) and (p.ends_on is None or p.ends_on >= today)
    ]
    text = to_simplified(f"{appeal.title}\n{appeal.text}")
    suggested = None
    for kind, words in SUGGESTIONS:
        if any(word in text for word in words):
            suggested = next((p for p in programmes if p.kind == kind), None)
            if suggested is not None:
                break
    return {
        "appeal": appeal,
        "member": member,
        "file": file,
        "reason": f"{appeal.title}\n{appeal.text}".strip(),
        "programme": suggested,
    }
