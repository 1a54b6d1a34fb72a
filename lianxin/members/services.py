"""Writes to the member registry."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from lianxin.core import crypto
from lianxin.core.audit import access_log, audit_log, target_of
from lianxin.core.capabilities import MEMBERS_MANAGE, MEMBERS_VIEW_PERSONAL
from lianxin.core.permissions import has_unit_permission
from lianxin.core.text import mask_id_number, mask_phone, name_pinyin, to_simplified

from .models import EmploymentType, Gender, Member, MemberStatus, MemberTransfer

_PHONE = re.compile(r"1[0-9]{10}")
_SEPARATORS = re.compile(r"[\s\-‐‑–—]")


def id_number_clean(value: str) -> str:
    """The resident ID number, compacted and checked (GB 11643); a ValidationError says why not."""
    # Full-width digits from a Chinese input method, spaces and hyphens from copying are accepted.
    number = ric.compact(_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))).upper()
    try:
        ric.validate(number)
    except stdnum_errors.InvalidLength:
        raise ValidationError(_("身份证号应为18位。"), code="id_length") from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("身份证号校验位不正确。"), code="id_checksum") from None
    except stdnum_errors.InvalidComponent:
        _id_number_components_check(number)
    except stdnum_errors.ValidationError:
        raise ValidationError(_("身份证号格式不正确。"), code="id_format") from None
    return number


def _id_number_components_check(number: str) -> None:
    """Birth date and region, where python-stdnum is stricter than the cards people hold.

    python-stdnum also requires the region code to have existed in the birth year. A card keeps
    the code of the office that first issued it, often years after the birth (codes issued from
    1984 on are on cards of people born in the 1950s), so a code that existed at any time is enough.
    """
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.InvalidComponent:
        born = None
    if born is None or not dt.date(1900, 1, 1) <= born <= timezone.localdate():
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth_date")
    if not _region_known(number[:6]):
        raise ValidationError(_("身份证号中的地区码不存在。"), code="id_region")


def _region_known(code: str) -> bool:
    """Whether the six-digit code names a county, in any period."""
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def id_number_facts(number: str) -> tuple[dt.date, str]:
    """Birth date and gender read from an ID number already checked by `id_number_clean`."""
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])), gender


@lru_cache(maxsize=8192)
def _name_forms(name: str) -> tuple[str, str, str]:
    """(simplified name, full pinyin, initials); cached, as names repeat a lot in a large import."""
    name = to_simplified(name.strip())
    return (name, *name_pinyin(name))


def phone_clean(value: str) -> str:
    phone = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE.fullmatch(phone):
        raise ValidationError(_("手机号应为以1开头的11位数字。"), code="phone")
    return phone


def member_personal_fields(*, id_number: str = "", phone: str = "") -> dict:
    """The stored forms (cipher, digest, mask) of already-cleaned personal values."""
    fields: dict = {}
    if id_number:
        fields |= {
            "id_number_cipher": crypto.encrypt(id_number),
            "id_number_digest": crypto.digest(id_number),
            "id_number_masked": mask_id_number(id_number),
        }
    if phone:
        fields |= {
            "phone_cipher": crypto.encrypt(phone),
            "phone_masked": mask_phone(phone),
            "phone_tail": phone[-4:],
        }
    return fields


def member_build(
    *,
    unit,
    member_no: str,
    name: str,
    id_number: str = "",
    phone: str = "",
    gender: str = "",
    birth_date: dt.date | None = None,
    job: str = "",
    employment_type: str = EmploymentType.FORMAL,
    joined_on: dt.date | None = None,
    status: str = MemberStatus.ACTIVE,
) -> Member:
    """An unsaved member from already-cleaned values (shared by the form, the API and the import)."""
    name, full, initials = _name_forms(name or "")
    if id_number:
        id_birth, id_gender = id_number_facts(id_number)
        birth_date = birth_date or id_birth
        gender = gender or id_gender
    return Member(
        unit=unit,
        member_no=member_no.strip(),
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=gender or Gender.MALE,
        birth_date=birth_date,
        job=job.strip(),
        employment_type=employment_type,
        joined_on=joined_on,
        status=status,
        **member_personal_fields(id_number=id_number, phone=phone),
    )


def _require(user, unit, code: str = MEMBERS_MANAGE) -> None:
    if user is not None and not has_unit_permission(user, unit, code):
        raise PermissionDenied(_("您没有维护该单位会员的权限。"))


def _personal_errors(
    *, id_number: str, phone: str, exclude_pk: int | None = None
) -> tuple[str, str, dict[str, list[str]]]:
    """Cleaned ID number and phone, and the errors (by field) found while cleaning them."""
    errors: dict[str, list[str]] = {}
    others = Member.objects.exclude(pk=exclude_pk) if exclude_pk else Member.objects.all()
    if id_number:
        try:
            id_number = id_number_clean(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            if others.filter(id_number_digest=crypto.digest(id_number)).exists():
                errors["id_number"] = [_("该身份证号已登记为会员。")]
    if phone:
        try:
            phone = phone_clean(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    return id_number, phone, errors


def _member_no_taken(member_no: str, exclude_pk: int | None = None) -> bool:
    others = Member.objects.exclude(pk=exclude_pk) if exclude_pk else Member.objects.all()
    return others.filter(member_no=member_no.strip()).exists()


def _save(member: Member, **kwargs) -> None:
    """Save, turning a uniqueness race lost to a concurrent writer into a form error."""
    try:
        with transaction.atomic():
            member.save(**kwargs)
    except IntegrityError:
        raise ValidationError(_("会员号或身份证号刚被他人登记,请核对后重试。")) from None


@transaction.atomic
def member_create(
    *, created_by, unit, member_no: str, name: str, id_number: str = "", phone: str = "", **fields
) -> Member:
    _require(created_by, unit)
    id_number, phone, errors = _personal_errors(id_number=id_number, phone=phone)
    if _member_no_taken(member_no):
        errors["member_no"] = [_("会员号 %(no)s 已存在。") % {"no": member_no}]
    if errors:
        raise ValidationError(errors)
    member = member_build(
        unit=unit, member_no=member_no, name=name, id_number=id_number, phone=phone, **fields
    )
    member.full_clean(exclude=["unit", "user"], validate_unique=False)
    _save(member)
    audit_log(code="members.member.created", actor=created_by, target=member, unit=unit)
    return member


# Fields `member_update` may change; the unit changes through `member_transfer`, the status through
# `member_leave`.
UPDATABLE_FIELDS = ("member_no", "name", "gender", "birth_date", "job", "employment_type", "joined_on")


def _apply_changes(member: Member, changes: dict, id_number: str, phone: str) -> list[str]:
    """Set changed values on `member`; the names of the stored fields that changed."""
    changed: list[str] = []
    if "name" in changes:
        changes["name"], changes["name_pinyin"], changes["name_initials"] = _name_forms(changes["name"])
    if "member_no" in changes:
        changes["member_no"] = changes["member_no"].strip()
    if id_number:
        changes["birth_date"], changes["gender"] = id_number_facts(id_number)
        changes |= member_personal_fields(id_number=id_number)
        if changes["id_number_digest"] == member.id_number_digest:
            changes = {k: v for k, v in changes.items() if not k.startswith("id_number_")}
    if phone and crypto.decrypt(member.phone_cipher) != phone:
        changes |= member_personal_fields(phone=phone)
    for field, value in changes.items():
        if getattr(member, field) != value:
            setattr(member, field, value)
            changed.append(field)
    return changed


@transaction.atomic
def member_update(*, member: Member, updated_by, id_number: str = "", phone: str = "", **changes) -> Member:
    """Change a member's basic fields; a blank ID number or phone keeps the stored one.

    A new ID number also sets the birth date and gender it encodes. The change is audited (field
    names only, never values) and simple-history keeps the old version.
    """
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"member_update cannot change {sorted(unknown)}")
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    _require(updated_by, member.unit)
    id_number, phone, errors = _personal_errors(id_number=id_number, phone=phone, exclude_pk=member.pk)
    if changes.get("member_no") and _member_no_taken(changes["member_no"], exclude_pk=member.pk):
        errors["member_no"] = [_("会员号 %(no)s 已存在。") % {"no": changes["member_no"]}]
    if errors:
        raise ValidationError(errors)
    changed = _apply_changes(member, dict(changes), id_number, phone)
    if not changed:
        return member
    member.full_clean(exclude=["unit", "user"], validate_unique=False)
    _save(member, update_fields=changed)
    public = sorted(
        {f.removesuffix("_cipher").removesuffix("_digest").removesuffix("_masked") for f in changed}
    )
    audit_log(
        code="members.member.updated",
        actor=updated_by,
        target=member,
        unit=member.unit,
        fields=[f for f in public if f not in ("name_pinyin", "name_initials", "phone_tail")],
    )
    return member


@transaction.atomic
def member_transfer(
    *, member: Member, to_unit, transferred_by, reason: str = "", on: dt.date | None = None
) -> Member:
    """Move a member to another unit; the transfer is recorded and the history kept."""
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    _require(transferred_by, member.unit)
    _require(transferred_by, to_unit)
    if member.unit_id == to_unit.pk:
        raise ValidationError({"to_unit": _("调入单位与当前单位相同。")})
    from_unit = member.unit
    MemberTransfer.objects.create(
        member=member,
        from_unit=from_unit,
        to_unit=to_unit,
        transferred_on=on or timezone.localdate(),
        reason=reason,
        recorded_by=transferred_by,
    )
    member.unit = to_unit
    member.save(update_fields=["unit"])
    audit_log(
        code="members.member.transferred",
        actor=transferred_by,
        target=member,
        unit=to_unit,
        from_unit=from_unit.pk,
        to_unit=to_unit.pk,
        reason=reason,
    )
    return member


@transaction.atomic
def member_leave(*, member: Member, left_by, on: dt.date | None = None, reason: str = "") -> Member:
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    _require(left_by, member.unit)
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"on": _("该会员已离会。")})
    on = on or timezone.localdate()
    if member.joined_on and on < member.joined_on:
        raise ValidationError({"on": _("离会日期不能早于入会日期。")})
    member.status = MemberStatus.LEFT
    member.left_on = on
    member.save(update_fields=["status", "left_on"])
    audit_log(code="members.member.left", actor=left_by, target=member, unit=member.unit, reason=reason)
    return member


def member_reveal_personal(*, member: Member, revealed_by, request=None) -> dict[str, str]:
    """The clear ID number and phone of a member, for a user allowed to see them; the look is logged."""
    if not has_unit_permission(revealed_by, member.unit, MEMBERS_VIEW_PERSONAL):
        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    access_log(
        user=revealed_by,
        action="view",
        subject=target_of(member),
        fields=["id_number", "phone"],
        request=request,
    )
    return {
        "id_number": crypto.decrypt(member.id_number_cipher),
        "phone": crypto.decrypt(member.phone_cipher),
    }
