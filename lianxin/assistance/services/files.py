"""Hardship files (困难职工档案): open, update, review yearly, exit; the suggested level; documents.

A file is opened for one member (one active file per member) with the household's persons and
their incomes. Income per head = the household's monthly income / its size, compared with the
local minimum-living standard (`LocalStandard`) of the nearest unit above the member that has one
in force; the level rules (`LevelRule`, first match by `order`) suggest a level. The cadre may
choose another level: the file keeps both (`level`, `suggested_level`). Without a standard in
force there is no suggestion and the cadre must choose.

Every change writes a `FileEvent` in the same transaction and an audit entry. A file is reviewed
once a year (`next_review_on` = the review's date + 1 year) and leaves hardship (脱困) with a
reason; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianxin.appeals.attachments import attachment_check
from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_RECORD
from lianxin.members.models import Member

from ..models import (
    ZERO,
    Cause,
    FileEvent,
    FileStatus,
    HardshipDocument,
    HardshipFile,
    Health,
    HouseholdPerson,
    Level,
    LevelRule,
    LocalStandard,
    Pairing,
    Relation,
    SchoolLevel,
)
from .applications import member_require_in_union
from .base import AssistanceError, check_version, next_number, require_permission

CENT = Decimal("0.01")
MAX_INCOME = Decimal("9999999.99")
MAX_PERSONS = 20
MAX_DOCUMENTS = 30
Action = FileEvent.Action

FILE_TRANSITIONS = {
    FileStatus.ACTIVE: {FileStatus.EXITED},
    FileStatus.EXITED: set(),
}
"""A file in hardship may leave it (脱困); a family in hardship again gets a new file."""


# --- dates -----------------------------------------------------------------------------------------


def one_year_after(day: dt.date) -> dt.date:
    """The same day next year (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


# --- the standard and the suggested level ------------------------------------------------------------


def local_standard_for(*, unit, on: dt.date | None = None) -> LocalStandard | None:
    """The standard in force on `on` for `unit`: that of the nearest unit (itself or above) having one."""
    on = on or timezone.localdate()
    paths = [unit.path[:end] for end in range(unit.steplen, len(unit.path) + 1, unit.steplen)]
    return (
        LocalStandard.objects.filter(unit__path__in=paths, effective_from__lte=on)
        .order_by("-unit__depth", "-effective_from")
        .first()
    )


def level_for(*, income_per_head: Decimal, standard: Decimal, causes, rules) -> str:
    """The level of the first rule matching the household, or ""."""
    named = set(causes or [])
    for rule in rules:
        if income_per_head > rule.max_ratio * standard:
            continue
        if rule.causes and not named.intersection(rule.causes):
            continue
        return rule.level
    return ""


def level_suggest(*, unit, income_per_head, causes, on: dt.date | None = None) -> tuple[str, Decimal | None]:
    """(suggested level, the local standard applied). ("", None) without a standard in force;
    ("", standard) when no active rule matches."""
    standard = local_standard_for(unit=unit, on=on)
    if standard is None:
        return "", None
    rules = list(LevelRule.objects.filter(is_active=True).order_by("order", "id"))
    level = level_for(
        income_per_head=Decimal(income_per_head),
        standard=standard.monthly_per_head,
        causes=causes,
        rules=rules,
    )
    return level, standard.monthly_per_head


def household_figures(persons: list[dict]) -> tuple[int, Decimal, Decimal]:
    """(household size, monthly income, income per head) of cleaned persons."""
    size = len(persons)
    total = sum((person["monthly_income"] for person in persons), ZERO)
    per_head = (total / size).quantize(CENT, rounding=ROUND_HALF_UP) if size else ZERO
    return size, total, per_head


# --- cleaning input ----------------------------------------------------------------------------------


def _income(value) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(_("收入应为数字(元)。")) from None
    if not amount.is_finite():
        raise ValueError(_("收入应为数字(元)。"))
    if amount < 0:
        raise ValueError(_("收入不能为负数,没有收入请填 0。"))
    if amount > MAX_INCOME:
        raise ValueError(_("收入过大,请核对。"))
    if amount != amount.quantize(CENT):
        raise ValueError(_("收入最多保留两位小数(分)。"))
    return amount.quantize(CENT)


def _text(value, limit: int) -> str:
    return str(value or "").strip()[:limit] if value is not None else ""


def clean_persons(persons) -> list[dict]:
    """The household as plain values; `ValidationError` with paths like `persons.1.monthly_income`."""
    if not isinstance(persons, list | tuple) or not persons:
        raise ValidationError({"persons": _("请至少填写一名家庭成员(含职工本人)。")})
    if len(persons) > MAX_PERSONS:
        raise ValidationError({"persons": _("家庭成员最多 %(n)d 人。") % {"n": MAX_PERSONS}})
    errors: dict[str, str] = {}
    rows: list[dict] = []
    this_year = timezone.localdate().year
    for index, raw in enumerate(persons):
        raw = dict(raw or {})
        where = f"persons.{index}"
        name = _text(raw.get("name"), 200)
        if not name:
            errors[f"{where}.name"] = _("请填写姓名。")
        elif len(name) > 50:
            errors[f"{where}.name"] = _("姓名最多 50 个字。")
        relation = raw.get("relation") or ""
        if relation not in Relation.values:
            errors[f"{where}.relation"] = _("请选择与职工的关系。")
        birth_year = raw.get("birth_year")
        if birth_year in ("", None):
            birth_year = None
        else:
            try:
                birth_year = int(birth_year)
            except (TypeError, ValueError):
                birth_year = -1
            if not 1900 <= birth_year <= this_year:
                errors[f"{where}.birth_year"] = _("出生年份应在 1900 到 %(year)d 之间。") % {
                    "year": this_year
                }
        try:
            income = _income(raw.get("monthly_income"))
        except ValueError as exc:
            errors[f"{where}.monthly_income"] = str(exc)
            income = ZERO
        school_level = raw.get("school_level") or ""
        if school_level not in SchoolLevel.values:
            errors[f"{where}.school_level"] = _("在读学段不正确。")
        health = raw.get("health") or Health.HEALTHY
        if health not in Health.values:
            errors[f"{where}.health"] = _("健康状况不正确。")
        rows.append(
            {
                "name": name[:50],
                "relation": relation,
                "birth_year": birth_year,
                "occupation": _text(raw.get("occupation"), 60),
                "monthly_income": income,
                "school_level": school_level,
                "health": health,
                "note": _text(raw.get("note"), 200),
            }
        )
    if sum(1 for row in rows if row["relation"] == Relation.SELF) > 1:
        errors.setdefault("persons", _("“本人”只能有一人。"))
    if errors:
        raise ValidationError(errors)
    return rows


def clean_causes(causes) -> list[str]:
    chosen: list[str] = []
    for cause in causes or []:
        if cause not in Cause.values:
            raise ValidationError({"causes": _("没有这个致困原因:%(cause)s。") % {"cause": cause}})
        if cause not in chosen:
            chosen.append(cause)
    if not chosen:
        raise ValidationError({"causes": _("请至少选择一个致困原因。")})
    return chosen


def _clean_level(level) -> str:
    if level in (None, ""):
        return ""
    if level not in Level.values:
        raise ValidationError({"level": _("没有这个困难类别。")})
    return level


def _clean(*, causes, persons) -> tuple[list[str], list[dict]]:
    """Both checked, their errors together."""
    errors: dict = {}
    cleaned_causes: list[str] = []
    rows: list[dict] = []
    try:
        cleaned_causes = clean_causes(causes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        rows = clean_persons(persons)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned_causes, rows


def _persons_of(file: HardshipFile, rows: list[dict]) -> list[HouseholdPerson]:
    return [HouseholdPerson(file=file, **row) for row in rows]


def _lock(file: HardshipFile) -> HardshipFile:
    return HardshipFile.objects.select_for_update().select_related("unit").get(pk=file.pk)


def _event(file: HardshipFile, action: str, actor, note: str = "", **detail) -> FileEvent:
    return FileEvent.objects.create(file=file, action=action, actor=actor, note=note, detail=detail)


# --- opening a file ----------------------------------------------------------------------------------


def file_open(
    *,
    actor,
    member: Member,
    causes,
    situation: str,
    persons: list[dict],
    address: str = "",
    level: str | None = None,
    appeal=None,
    on: dt.date | None = None,
) -> HardshipFile:
    """Open a hardship file for `member` (assistance.record on the member's unit).

    `level` None or "" takes the suggested one; with no suggestion the cadre must choose.
    """
    on = on or timezone.localdate()
    require_permission(actor, member.unit, ASSISTANCE_RECORD)
    causes, rows = _clean(causes=causes, persons=persons)
    chosen = _clean_level(level)
    size, total, per_head = household_figures(rows)
    suggested, standard = level_suggest(unit=member.unit, income_per_head=per_head, causes=causes, on=on)
    if not (chosen or suggested):
        message = (
            _("未设置当地低保标准,无法给出建议类别,请选择困难类别。")
            if standard is None
            else _("按现行认定规则不符合任何困难类别,如确有困难请选择类别。")
        )
        raise ValidationError({"level": message})
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
        member_require_in_union(member, pgettext("离会后不能做的事", "建立困难档案"))
        if HardshipFile.objects.filter(member=member, status=FileStatus.ACTIVE).exists():
            raise ValidationError({"member": _("这名职工已有在档的困难档案。")})
        file = HardshipFile.objects.create(
            number=next_number("KN", on.year),
            unit=member.unit,
            member=member,
            level=chosen or suggested,
            suggested_level=suggested,
            causes=causes,
            situation=(situation or "").strip(),
            address=(address or "").strip()[:200],
            household_size=size,
            monthly_income=total,
            income_per_head=per_head,
            local_standard=standard,
            opened_on=on,
            opened_by=actor,
            next_review_on=one_year_after(on),
            appeal=appeal,
        )
        HouseholdPerson.objects.bulk_create(_persons_of(file, rows))
        _event(
            file,
            Action.OPENED,
            actor,
            level=file.level,
            suggested_level=suggested,
            income_per_head=str(per_head),
            local_standard=str(standard) if standard is not None else None,
        )
        audit_log(code="assistance.file.opened", actor=actor, target=file, unit=file.unit, number=file.number)
    return file


# --- changing a file ---------------------------------------------------------------------------------


def _apply(
    file: HardshipFile,
    *,
    on: dt.date,
    causes=None,
    situation=None,
    persons=None,
    address=None,
    level=None,
) -> tuple[dict, list[str], list[dict] | None]:
    """Apply the given parts to the locked `file` (not saved): (changes, fields, new persons).

    The figures and the suggestion are worked out again from the household and the standard in
    force on `on`. `level` None keeps the level; "" takes the suggestion (or keeps it when none).
    """
    errors: dict = {}
    rows = None
    if causes is not None:
        try:
            causes = clean_causes(causes)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if persons is not None:
        try:
            rows = clean_persons(persons)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        chosen = _clean_level(level)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        chosen = ""
    if errors:
        raise ValidationError(errors)
    before = {
        "causes": list(file.causes),
        "situation": file.situation,
        "address": file.address,
        "household_size": file.household_size,
        "monthly_income": str(file.monthly_income),
        "income_per_head": str(file.income_per_head),
        "local_standard": str(file.local_standard) if file.local_standard is not None else None,
        "suggested_level": file.suggested_level,
        "level": file.level,
    }
    if causes is not None:
        file.causes = causes
    if situation is not None:
        file.situation = situation.strip()
    if address is not None:
        file.address = address.strip()[:200]
    if rows is not None:
        file.household_size, file.monthly_income, file.income_per_head = household_figures(rows)
    suggested, standard = level_suggest(
        unit=file.unit, income_per_head=file.income_per_head, causes=file.causes, on=on
    )
    file.suggested_level = suggested
    file.local_standard = standard
    if level is not None:
        file.level = chosen or suggested or file.level
    after = {
        "causes": list(file.causes),
        "situation": file.situation,
        "address": file.address,
        "household_size": file.household_size,
        "monthly_income": str(file.monthly_income),
        "income_per_head": str(file.income_per_head),
        "local_standard": str(file.local_standard) if file.local_standard is not None else None,
        "suggested_level": file.suggested_level,
        "level": file.level,
    }
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if rows is not None:
        old = list(file.persons.values("name", "relation", "monthly_income"))
        new = [{k: row[k] for k in ("name", "relation", "monthly_income")} for row in rows]
        if old != new:
            changes.setdefault("persons", [len(old), len(new)])
    fields = [
        "causes",
        "situation",
        "address",
        "household_size",
        "monthly_income",
        "income_per_head",
        "local_standard",
        "suggested_level",
        "level",
    ]
    return changes, fields, rows


def _replace_persons(file: HardshipFile, rows: list[dict] | None) -> None:
    """The household as it now is; the earlier one stays in the file's history (event detail)."""
    if rows is None:
        return
    file.persons.all().delete()
    HouseholdPerson.objects.bulk_create(_persons_of(file, rows))


def _require_active(file: HardshipFile) -> None:
    if file.status != FileStatus.ACTIVE:
        raise AssistanceError(_("档案已脱困,不能再修改;如再次陷入困难,请重新建档。"))


def _old_persons(file: HardshipFile) -> list[dict]:
    return [
        {
            "name": person.name,
            "relation": person.relation,
            "birth_year": person.birth_year,
            "occupation": person.occupation,
            "monthly_income": str(person.monthly_income),
            "school_level": person.school_level,
            "health": person.health,
        }
        for person in file.persons.all()
    ]


def file_update(
    *,
    actor,
    file: HardshipFile,
    version: int | None,
    causes=None,
    situation: str | None = None,
    persons: list[dict] | None = None,
    address: str | None = None,
    level: str | None = None,
    note: str = "",
) -> HardshipFile:
    """Correct or bring up to date an active file between reviews (parts left None stay)."""
    require_permission(actor, file.unit, ASSISTANCE_RECORD)
    with transaction.atomic():
        file = _lock(file)
        check_version(file, version)
        _require_active(file)
        old_level = file.level
        household = _old_persons(file) if persons is not None else None
        changes, fields, rows = _apply(
            file,
            on=timezone.localdate(),
            causes=causes,
            situation=situation,
            persons=persons,
            address=address,
            level=level,
        )
        if not changes:
            return file
        file.version += 1
        file.save(update_fields=[*fields, "version"])
        _replace_persons(file, rows)
        _event(file, Action.UPDATED, actor, note=note.strip(), changes=changes, earlier_persons=household)
        if file.level != old_level:
            _event(file, Action.LEVEL_CHANGED, actor, note=note.strip(), level=[old_level, file.level])
        audit_log(code="assistance.file.updated", actor=actor, target=file, unit=file.unit, changes=changes)
    return file


def file_review(
    *,
    actor,
    file: HardshipFile,
    version: int | None,
    note: str = "",
    reviewed_on: dt.date | None = None,
    causes=None,
    situation: str | None = None,
    persons: list[dict] | None = None,
    address: str | None = None,
    level: str | None = None,
) -> HardshipFile:
    """The yearly review (年度复核): the household as found, the level confirmed or changed, the
    next review a year after this one."""
    require_permission(actor, file.unit, ASSISTANCE_RECORD)
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise ValidationError({"reviewed_on": _("复核日期不能晚于今天。")})
    with transaction.atomic():
        file = _lock(file)
        check_version(file, version)
        _require_active(file)
        if reviewed_on < file.opened_on:
            raise ValidationError({"reviewed_on": _("复核日期不能早于建档日期。")})
        old_level = file.level
        household = _old_persons(file) if persons is not None else None
        changes, fields, rows = _apply(
            file,
            on=reviewed_on,
            causes=causes,
            situation=situation,
            persons=persons,
            address=address,
            level=level,
        )
        file.reviewed_on = reviewed_on
        file.next_review_on = one_year_after(reviewed_on)
        file.version += 1
        file.save(update_fields=[*fields, "reviewed_on", "next_review_on", "version"])
        _replace_persons(file, rows)
        _event(
            file,
            Action.REVIEWED,
            actor,
            note=note.strip(),
            reviewed_on=reviewed_on.isoformat(),
            next_review_on=file.next_review_on.isoformat(),
            changes=changes,
            earlier_persons=household,
        )
        if file.level != old_level:
            _event(file, Action.LEVEL_CHANGED, actor, note=note.strip(), level=[old_level, file.level])
        audit_log(
            code="assistance.file.reviewed",
            actor=actor,
            target=file,
            unit=file.unit,
            next_review_on=file.next_review_on.isoformat(),
            level=file.level,
        )
    return file


def file_exit(
    *, actor, file: HardshipFile, version: int | None, reason: str, on: dt.date | None = None
) -> HardshipFile:
    """The family leaves hardship (脱困), with the reason on record. Its pairings end with it."""
    require_permission(actor, file.unit, ASSISTANCE_RECORD)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明脱困原因。")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("脱困原因最多 200 个字。")})
    on = on or timezone.localdate()
    with transaction.atomic():
        file = _lock(file)
        check_version(file, version)
        if FileStatus.EXITED not in FILE_TRANSITIONS[FileStatus(file.status)]:
            raise AssistanceError(_("档案已脱困。"))
        if on < file.opened_on or on > timezone.localdate():
            raise ValidationError({"exited_on": _("脱困日期应在建档日期和今天之间。")})
        old = file.status
        file.status = FileStatus.EXITED
        file.exited_on = on
        file.exit_reason = reason
        file.version += 1
        file.save(update_fields=["status", "exited_on", "exit_reason", "version"])
        ended = Pairing.objects.filter(file=file, ended_on__isnull=True).update(
            ended_on=on, end_reason=_("家庭已脱困")
        )
        _event(file, Action.EXITED, actor, note=reason, from_status=old, pairings_ended=ended)
        audit_log(code="assistance.file.exited", actor=actor, target=file, unit=file.unit, reason=reason)
    return file


# --- documents ---------------------------------------------------------------------------------------


def document_add(*, actor, file: HardshipFile, title: str, upload) -> HardshipDocument:
    """Check (by its first bytes: a photo or a PDF) and store one supporting document on the file.

    Stored under MEDIA_ROOT with a name of our own; served only to those who may see the file.
    """
    require_permission(actor, file.unit, ASSISTANCE_RECORD)
    kind = attachment_check(upload)
    original = os.path.basename(upload.name or "") or f"document{kind.extension}"
    title = (title or "").strip() or os.path.splitext(original)[0]
    with transaction.atomic():
        file = _lock(file)
        if file.documents.count() >= MAX_DOCUMENTS:
            raise ValidationError(
                {"upload": _("每份档案最多 %(n)d 份材料。") % {"n": MAX_DOCUMENTS}}, code="too_many"
            )
        document = HardshipDocument(
            file=file,
            title=title[:100],
            token=secrets.token_hex(16),
            extension=kind.extension.lstrip("."),
            original_name=original[:200],
            content_type=kind.content_type,
            size=upload.size,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        document.stored.save(original, upload, save=False)
        try:
            document.save()
            _event(file, Action.DOCUMENT_ADDED, actor, note=document.title, document=document.pk)
            audit_log(
                code="assistance.file.document_added",
                actor=actor,
                target=file,
                unit=file.unit,
                document=document.token,
                content_type=kind.content_type,
                size=upload.size,
            )
        except Exception:
            document.stored.delete(save=False)
            raise
    return document


__all__ = [
    "FILE_TRANSITIONS",
    "clean_persons",
    "document_add",
    "file_exit",
    "file_open",
    "file_review",
    "file_update",
    "household_figures",
    "level_for",
    "level_suggest",
    "local_standard_for",
    "one_year_after",
    "one_year_before",
]
