"""Writes to the organization tree. Each checks permission, changes, and logs in one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ORG_MANAGE
from lianxin.core.permissions import has_unit_permission
from lianxin.core.text import join_list
from lianxin.members.models import MemberStatus

from .models import (
    POST_LEVELS,
    Liaison,
    Post,
    PostChecklistItem,
    PostKind,
    SixHave,
    UnionBody,
    Unit,
    UnitLevel,
)


def _require(user, unit: Unit) -> None:
    if user is not None and not has_unit_permission(user, unit, ORG_MANAGE):
        raise PermissionDenied(_("您没有维护该单位的权限。"))


@transaction.atomic
def unit_create(
    *, parent: Unit | None, name: str, code: str, level: str, short_name: str = "", created_by=None
) -> Unit:
    fields = {"name": name.strip(), "code": code.strip(), "level": level, "short_name": short_name.strip()}
    if level not in UnitLevel.values:
        raise ValidationError({"level": _("未知的层级。")})
    if not fields["name"]:
        raise ValidationError({"name": _("请填写单位名称。")})
    if not fields["code"]:
        raise ValidationError({"code": _("请填写单位编码。")})
    if Unit.objects.filter(code=fields["code"]).exists():
        raise ValidationError({"code": _("单位编码 %(code)s 已存在。") % {"code": fields["code"]}})
    if parent is None:
        if created_by is not None and not created_by.is_superuser:
            raise PermissionDenied(_("只有系统管理员可以建立顶层单位。"))
        unit = Unit.objects.add_root(instance=Unit(**fields))
    else:
        _require(created_by, parent)
        unit = Unit.objects.add_child(Unit.objects.get(pk=parent.pk), instance=Unit(**fields))
    audit_log(code="org.unit.created", actor=created_by, target=unit, unit=unit, name=unit.name)
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit, moved_by=None) -> Unit:
    """Move a unit and its subtree under another parent. Records hang on ids, so all stay attached."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    _require(moved_by, unit)
    _require(moved_by, new_parent)
    if new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("不能把单位移到它自己或它的下级之下。")})
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        raise ValidationError({"parent": _("该单位已经在 %(name)s 之下。") % {"name": new_parent.name}})
    Unit.objects.move(unit, new_parent, pos="last-child")
    unit.refresh_from_db()
    audit_log(
        code="org.unit.moved",
        actor=moved_by,
        target=unit,
        unit=unit,
        from_parent=old_parent.pk if old_parent else None,
        to_parent=new_parent.pk,
    )
    return unit


@transaction.atomic
def union_body_save(*, unit: Unit, saved_by=None, **fields) -> UnionBody:
    _require(saved_by, unit)
    vice_chairmen = fields.pop("vice_chairmen", None)
    staff = fields.pop("staff", None)
    body, created = UnionBody.objects.update_or_create(unit=unit, defaults=fields)
    if vice_chairmen is not None:
        body.vice_chairmen.set(vice_chairmen)
    if staff is not None:
        body.staff.set(staff)
    audit_log(
        code="org.union_body.created" if created else "org.union_body.updated",
        actor=saved_by,
        target=body,
        unit=unit,
        fields=sorted(fields),
    )
    return body


@transaction.atomic
def post_create(
    *,
    unit: Unit,
    kind: str,
    name: str,
    created_by=None,
    leader=None,
    staff=(),
    address: str = "",
    established_on: dt.date | None = None,
) -> Post:
    _require(created_by, unit)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写阵地名称。")})
    if kind not in PostKind.values:
        raise ValidationError({"kind": _("未知的阵地类型。")})
    if unit.level not in POST_LEVELS[kind]:
        allowed = join_list(str(UnitLevel(level).label) for level in sorted(POST_LEVELS[kind]))
        raise ValidationError(
            {
                "unit": _("%(kind)s只能建在这些层级:%(levels)s。")
                % {"kind": PostKind(kind).label, "levels": allowed}
            }
        )
    post = Post.objects.create(
        unit=unit, kind=kind, name=name, leader=leader, address=address, established_on=established_on
    )
    if staff:
        post.staff.set(staff)
    audit_log(code="org.post.created", actor=created_by, target=post, unit=unit, kind=kind, name=name)
    return post


@transaction.atomic
def post_checklist_set(
    *, post: Post, item: str, evidence: str, checked_on: dt.date | None = None, checked_by=None
) -> PostChecklistItem:
    """Record (or update) one of the six haves with its evidence."""
    _require(checked_by, post.unit)
    if item not in SixHave.values:
        raise ValidationError({"item": _("未知的核查项目。")})
    if not evidence.strip():
        raise ValidationError({"evidence": _("请填写佐证材料。")})
    row, _created = PostChecklistItem.objects.update_or_create(
        post=post,
        item=item,
        defaults={"evidence": evidence.strip(), "checked_on": checked_on or timezone.localdate()},
    )
    audit_log(code="org.post.checklist_set", actor=checked_by, target=post, unit=post.unit, item=item)
    return row


@transaction.atomic
def post_checklist_clear(*, post: Post, item: str, cleared_by=None, reason: str) -> None:
    _require(cleared_by, post.unit)
    deleted, _rows = PostChecklistItem.objects.filter(post=post, item=item).delete()
    if deleted:
        audit_log(
            code="org.post.checklist_cleared",
            actor=cleared_by,
            target=post,
            unit=post.unit,
            item=item,
            reason=reason,
        )


@transaction.atomic
def liaison_appoint(*, team: Unit, member, appointed_by=None, appointed_on: dt.date | None = None) -> Liaison:
    """Name a member as the team's liaison; the previous one, if any, steps down the same day."""
    _require(appointed_by, team)
    if team.level != UnitLevel.TEAM:
        raise ValidationError({"team": _("联络员只能设在班组。")})
    if not member.unit.path.startswith(Unit.objects.get_parent(team).path if team.depth > 1 else team.path):
        raise ValidationError({"member": _("联络员应是本班组或所在车间的会员。")})
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("该会员已离会,不能担任联络员。")})
    day = appointed_on or timezone.localdate()
    previous = list(Liaison.objects.select_for_update().filter(team=team, ended_on__isnull=True))
    for old in previous:
        old.ended_on = day
        old.save(update_fields=["ended_on"])
    liaison = Liaison.objects.create(team=team, member=member, appointed_on=day)
    audit_log(
        code="org.liaison.appointed",
        actor=appointed_by,
        target=liaison,
        unit=team,
        member=member.pk,
        replaced=[old.member_id for old in previous],
    )
    return liaison


@transaction.atomic
def liaison_end(*, liaison: Liaison, ended_by=None, ended_on: dt.date | None = None) -> Liaison:
    _require(ended_by, liaison.team)
    liaison = Liaison.objects.select_for_update().get(pk=liaison.pk)
    if liaison.ended_on is None:
        liaison.ended_on = ended_on or timezone.localdate()
        liaison.save(update_fields=["ended_on"])
        audit_log(code="org.liaison.ended", actor=ended_by, target=liaison, unit=liaison.team)
    return liaison
