"""`manage.py demo_company`: a realistic steel group to try Lianxin on.

Builds 燕山钢铁集团 (fictional): the group, four companies, about twenty works, a hundred sections
and five hundred teams; ten thousand members with valid ID numbers; union bodies, mass-work rooms
and stations with their six haves, liaisons; and one login per shipped role. The same seed gives the
same company. Members go in with bulk inserts, their history rows too.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from collections import Counter, defaultdict

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from lianxin.appeals.demo import LOGIN_NAMES as APPEAL_LOGINS
from lianxin.appeals.demo import build_demo_appeals, purge_demo_appeals
from lianxin.assistance.demo import LOGIN_NAMES as ASSISTANCE_LOGINS
from lianxin.assistance.demo import build_demo_assistance, purge_demo_assistance
from lianxin.core.capabilities import DEFAULT_ROLES
from lianxin.core.models import AccessLog, AuditEvent, ImportBatch, Role, RoleAssignment, User
from lianxin.members.models import Member, MemberTransfer
from lianxin.members.services import member_build
from lianxin.org import demo_data as data
from lianxin.org.models import Liaison, Post, PostChecklistItem, PostKind, SixHave, UnionBody, Unit
from lianxin.org.selectors import unit_coverage
from lianxin.org.services import liaison_appoint, post_checklist_set, post_create, union_body_save

BATCH = 2000
REASON = "演示数据"
LEVEL_LABELS = [
    ("group", "集团"),
    ("secondary", "二级公司"),
    ("unit", "三级单位"),
    ("section", "区科/车间"),
    ("team", "班组"),
]


class Command(BaseCommand):
    help = "生成演示用的钢铁集团:组织架构、会员、工会组织、群众工作阵地、联络员和各角色的演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子,相同种子生成相同数据(默认 2026)")
        parser.add_argument("--members", type=int, default=10000, help="会员人数(默认 10000)")
        parser.add_argument(
            "--appeals",
            type=int,
            default=-1,
            help="一年的职工诉求件数(默认每二十名会员三件,一万会员即 1500 件;0 不生成)",
        )
        parser.add_argument("--password", default="lianxin2026", help="所有演示账号的密码(默认 lianxin2026)")
        parser.add_argument("--reset", action="store_true", help="先删除已有的演示数据再生成")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="库中已有单位时不生成,只列出已有的演示账号(dev.py demo 用)",
        )

    def handle(
        self,
        *args,
        seed: int,
        members: int,
        password: str,
        reset: bool,
        if_empty: bool,
        appeals: int,
        **options,
    ):
        if not password:
            raise CommandError("密码不能为空。")
        if if_empty and not reset and Unit.objects.exists():
            self.stdout.write(existing_logins(password))
            return
        started = time.monotonic()
        with transaction.atomic():
            if reset:
                demo_purge()
            _refuse_if_occupied()
            builder = DemoBuilder(seed=seed, total=members, password=password)
            builder.build()
            count = appeals if appeals >= 0 else round(members * 0.15)
            if count:
                builder.appeals = build_demo_appeals(
                    root=builder.units[builder.plan.code],
                    now=timezone.now(),
                    seed=seed,
                    count=count,
                    password=password,
                    password_hash=builder.password_hash,
                )
                builder.logins += builder.appeals.logins
            builder.assistance = build_demo_assistance(
                root=builder.units[builder.plan.code],
                now=timezone.now(),
                seed=seed,
                password_hash=builder.password_hash,
            )
            builder.logins += builder.assistance.logins
        self.stdout.write(summary(builder, seconds=time.monotonic() - started))


def _refuse_if_occupied() -> None:
    if Unit.objects.exists():
        raise CommandError(
            "数据库中已有组织单位,演示数据只能建在空库上。加 --reset 删除已有的演示数据后重建"
            "(不是演示生成的单位不会被删除)。"
        )
    names = [username for username, *_rest in data.DEMO_USERS] + APPEAL_LOGINS + ASSISTANCE_LOGINS
    taken = sorted(User.objects.filter(username__in=names).values_list("username", flat=True))
    if taken:
        raise CommandError(f"这些用户名已被占用,请先改名或删除:{'、'.join(taken)}")


# --- Building -------------------------------------------------------------------------------------


class DemoBuilder:
    """Writes the demo company; each step reads what the previous ones left on `self`."""

    def __init__(self, *, seed: int, total: int, password: str):
        self.seed = seed
        self.password = password
        self.plan = data.tree_plan(self._rng("tree"))
        try:
            self.people = data.people_plan(self._rng("people"), self.plan, total)
        except ValueError as exc:
            raise CommandError(
                f"--members 至少为 {exc.args[0]}:每个班组至少一人,每个公司和单位至少一名工会主席。"
            ) from None
        self.units: dict[str, Unit] = {}
        self.members: list[Member] = []
        self.by_unit: dict[str, list[tuple[data.PersonPlan, Member]]] = defaultdict(list)
        self.bodies: dict[str, UnionBody] = {}
        self.liaisons: dict[str, Member] = {}
        self.person_of: dict[int, data.PersonPlan] = {}
        self.logins: list[tuple[str, str, str, str]] = []
        self._focus_works: data.UnitPlan | None = None
        self._focus_team: data.UnitPlan | None = None
        self.password_hash = ""
        self.appeals = None
        self.assistance = None

    def _rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:{step}")  # a str seed is hashed stably (SHA-512)

    def build(self) -> None:
        self._create_units()
        self._create_members()
        self._create_union_bodies()
        self._appoint_liaisons()
        self._create_posts()
        self._create_users()

    def _create_units(self) -> None:
        """The tree through treebeard's bulk load, then one history row per unit it bulk-created."""

        def node(plan: data.UnitPlan) -> dict:
            fields = {
                "name": plan.name,
                "short_name": plan.short_name,
                "code": plan.code,
                "level": plan.level,
            }
            return {"data": fields, "children": [node(child) for child in plan.children]}

        Unit.objects.load_bulk([node(self.plan)], bulk_create=True, batch_size=BATCH)
        root = Unit.objects.get(code=self.plan.code, depth=1)
        units = list(Unit.objects.filter(path__startswith=root.path).order_by("path"))
        Unit.history.bulk_history_create([u for u in units if u.depth > 1], default_change_reason=REASON)
        self.units = {unit.code: unit for unit in units}

    def _create_members(self) -> None:
        """Built with member_build (pinyin, encryption, masks) and inserted in batches with history."""
        for person in self.people:
            member = member_build(
                unit=self.units[person.unit.code],
                member_no=person.member_no,
                name=person.name,
                id_number=person.id_number,
                phone=person.phone,
                gender=person.gender,
                birth_date=person.birth_date,
                job=person.job,
                employment_type=person.employment_type,
                joined_on=person.joined_on,
                status=person.status,
            )
            member.left_on = person.left_on
            self.members.append(member)
            self.by_unit[person.unit.code].append((person, member))
        for start in range(0, len(self.members), BATCH):
            batch = self.members[start : start + BATCH]
            bulk_create_with_history(batch, Member, batch_size=BATCH, default_change_reason=REASON)
        self.person_of = {member.pk: person for person, member in zip(self.people, self.members, strict=True)}

    def _active(self, code: str) -> list[Member]:
        return [member for person, member in self.by_unit[code] if person.status == "active"]

    def _with_job(self, code: str, *jobs: str) -> list[Member]:
        return [member for member in self._active(code) if member.job in jobs]

    def _subtree_counts(self) -> Counter:
        counts: Counter = Counter()
        for person in self.people:
            if person.status == "active":
                code = person.unit.code
                counts.update(code[:end] for end in range(2, len(code) + 1, 2))
        return counts

    def _create_union_bodies(self) -> None:
        rng = self._rng("unions")
        counts = self._subtree_counts()
        for plan in self.plan.walk():
            if plan.level == "team":
                continue
            chairman, vices, staff = self._union_officers(plan)
            self.bodies[plan.code] = union_body_save(
                unit=self.units[plan.code],
                name=union_name(plan),
                chairman=chairman,
                vice_chairmen=vices,
                staff=staff,
                member_count=counts[plan.code],
                founded_on=founding_date(rng, plan.level),
            )

    def _union_officers(self, plan: data.UnitPlan) -> tuple[Member | None, list[Member], list[Member]]:
        """Full-time officers from the unit's office; a section's part-time chairman is its party
        branch secretary or, failing one, the leader of its first team."""
        if plan.level == "section":
            heads = self._with_job(plan.code, "党支部书记")
            leaders = [m for team in plan.children for m in self._with_job(team.code, "班长")]
            chairman = (heads or leaders or [None])[0]
            return chairman, leaders[1:2] if heads else leaders[2:3], []
        chairman = (self._with_job(plan.code, "工会主席") or self._active(plan.code) or [None])[0]
        vices = self._with_job(plan.code, "工会常务副主席", "工会副主席")
        staff = self._with_job(plan.code, *sorted(data.UNION_STAFF_POSTS))
        return chairman, vices, staff

    def _appoint_liaisons(self) -> None:
        """About nine teams in ten get a liaison: a regular member, rarely the team leader."""
        rng = self._rng("liaisons")
        for team in (plan for plan in self.plan.walk() if plan.level == "team"):
            members = self._active(team.code)
            if not members or rng.random() >= 0.9:
                continue
            regular = [m for m in members if m.job != "班长" and m.employment_type == "formal"]
            member = rng.choice(regular or members)
            liaison_appoint(
                team=self.units[team.code],
                member=member,
                appointed_on=data.REFERENCE_DATE - dt.timedelta(days=rng.randint(30, 1200)),
            )
            self.liaisons[team.code] = member

    def _create_posts(self) -> None:
        """Rooms at the group and every company; stations at most works and many sections. One works
        (not the focus one) has no station anywhere, so the one-vote veto shows."""
        rng = self._rng("posts")
        works = [plan for plan in self.plan.walk() if plan.level == "unit"]
        vetoed = rng.choice([plan for plan in works if plan.name != data.FOCUS_UNIT])
        for plan in self.plan.walk():
            if plan.level in ("group", "secondary"):
                self._create_post(rng, plan, PostKind.ROOM)
            elif plan.level in ("unit", "section") and plan.tertiary() is not vetoed:
                share = 0.85 if plan.level == "unit" else 0.6
                if rng.random() < share:
                    self._create_post(rng, plan, PostKind.STATION)

    def _create_post(self, rng: random.Random, plan: data.UnitPlan, kind: str) -> Post:
        body = self.bodies[plan.code]
        if plan.level == "section":
            staff = [self.liaisons[t.code] for t in plan.children if t.code in self.liaisons][:3]
        else:
            staff = [*body.vice_chairmen.all(), *body.staff.all()][:4]
        name = post_name(plan, kind)
        address = data.post_address(rng, plan)
        first_year = 2015 if kind == PostKind.ROOM else 2016
        post = post_create(
            unit=self.units[plan.code],
            kind=kind,
            name=name,
            leader=body.chairman,
            staff=staff,
            address=address,
            established_on=dt.date(rng.randint(first_year, 2023), rng.randint(1, 12), rng.randint(1, 28)),
        )
        leader = body.chairman.name if body.chairman else ""
        for item in SixHave.values:
            if rng.random() < missing_share(kind, item):
                continue
            text = data.evidence(rng, item, post=name, leader=leader, address=address)
            checked = data.REFERENCE_DATE - dt.timedelta(days=rng.randint(10, 200))
            post_checklist_set(post=post, item=item, evidence=text, checked_on=checked)
        return post

    def _create_users(self) -> None:
        """One login per role, on the first company, its focus works and a team of it."""
        rng = self._rng("users")
        hashed = make_password(self.password)  # one Argon2 hash for all: they share the password anyway
        self.password_hash = hashed
        phones = {p.phone for p in self.people}
        phones |= set(User.objects.exclude(phone=None).values_list("phone", flat=True))
        places = self._focus_places()
        roles = {role.code: role for role in Role.objects.filter(code__in=DEFAULT_ROLES)}
        for username, role_code, where, whom in data.DEMO_USERS:
            unit = places[where]
            member = self._login_member(whom, places)
            if member is not None:
                person = self.person_of[member.pk]
                name, phone = person.name, person.phone
            else:
                gender = "F" if rng.random() < 0.3 else "M"
                name = data.person_name(rng, gender, rng.randint(1970, 1995))
                phone = data.phone_number(rng, phones)
            user = User(username=username, full_name=name, phone=phone, is_staff=role_code == "administrator")
            user.email = f"{username}@{data.DEMO_EMAIL_DOMAIN}"
            user.password = hashed
            user.save()
            if member is not None:
                member.user = user
                member.save(update_fields=["user"])
            RoleAssignment.objects.create(user=user, unit=unit, role=roles[role_code])
            self.logins.append((username, str(roles[role_code].name), unit.name, name))

    def _focus_places(self) -> dict[str, Unit]:
        secondary = self.plan.children[0]
        works = next(u for u in secondary.children if u.name == data.FOCUS_UNIT)
        teams = [t for section in works.children for t in section.children]
        # The largest team with a liaison (max() keeps the first of equals).
        team = max(teams, key=lambda t: (t.code in self.liaisons, len(self._active(t.code))))
        self._focus_team, self._focus_works = team, works
        return {
            "group": self.units[self.plan.code],
            "secondary": self.units[secondary.code],
            "unit": self.units[works.code],
            "team": self.units[team.code],
        }

    def _login_member(self, whom: str, places: dict[str, Unit]) -> Member | None:
        """The member a demo login stands for, if the company is big enough to have one."""
        kind, _sep, what = whom.partition(":")
        works, team = self._focus_works, self._focus_team
        if kind == "union":
            body = self.bodies[places["secondary" if what == "chairman" else "unit"].code]
            return body.chairman if what == "chairman" else next(iter(body.staff.all()), None)
        if kind == "post":
            unit = places["group"] if what == "纪委副书记" else places["unit"]
            return next(iter(self._with_job(unit.code, what)), None)
        if kind == "team":
            liaison = self.liaisons.get(team.code)
            if what == "liaison":
                return liaison
            if what == "worker":
                others = [m for m in self._active(team.code) if m is not liaison]
                return min(others, key=lambda m: m.job == "班长", default=None)
            others = [t for s in works.children for t in s.children if t is not team]
            return next((m for t in others for m in self._active(t.code) if m.job != "班长"), None)
        return None


def union_name(plan: data.UnitPlan) -> str:
    if plan.level == "section":
        return f"{plan.parent.name}{plan.name}工会分会"
    return f"{plan.name}工会"


def post_name(plan: data.UnitPlan, kind: str) -> str:
    if kind == PostKind.ROOM:
        return f"{plan.short_name or plan.name}群众工作室"
    if plan.level == "section":
        return f"{plan.parent.name}{plan.name}群众工作站"
    return f"{plan.name}群众工作站"


def founding_date(rng: random.Random, level: str) -> dt.date:
    years = {"group": (1956, 1956), "secondary": (2008, 2010), "unit": (1958, 1998), "section": (1985, 2016)}
    low, high = years[level]
    return dt.date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))


def missing_share(kind: str, item: str) -> float:
    """How often one of the six haves is still missing: ledgers and standards lag behind."""
    if kind == PostKind.ROOM:
        return 0.04
    return {"ledger": 0.18, "standards": 0.15}.get(item, 0.06)


# --- Resetting ------------------------------------------------------------------------------------


def demo_purge() -> None:
    """Delete the demo company, everything hanging on it, its logins and their history rows.

    Only the tree rooted at the demo group's code and users with the demo e-mail domain go;
    PROTECT foreign keys decide the order. Records of other apps that point at demo units or
    logins are deleted with them (they were made while trying the demo). History is switched off
    meanwhile: the demo's history rows are deleted at the end, so "deleted" rows would only be
    written to be deleted again."""
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        _purge_demo()


def _purge_demo() -> None:
    root = Unit.objects.filter(code=data.GROUP[2], depth=1).first()
    users = User.objects.filter(email__endswith=f"@{data.DEMO_EMAIL_DOMAIN}")
    user_ids = list(users.values_list("pk", flat=True))
    unit_ids = (
        list(Unit.objects.filter(path__startswith=root.path).values_list("pk", flat=True)) if root else []
    )
    purge_demo_assistance(unit_ids=unit_ids, user_ids=user_ids)
    purge_demo_appeals(unit_ids=unit_ids, user_ids=user_ids)
    member_ids = list(Member.objects.filter(unit_id__in=unit_ids).values_list("pk", flat=True))
    post_ids = list(Post.objects.filter(unit_id__in=unit_ids).values_list("pk", flat=True))
    body_ids = list(UnionBody.objects.filter(unit_id__in=unit_ids).values_list("pk", flat=True))
    Liaison.objects.filter(Q(team_id__in=unit_ids) | Q(member_id__in=member_ids)).delete()
    Post.objects.filter(pk__in=post_ids).delete()
    UnionBody.objects.filter(pk__in=body_ids).delete()
    MemberTransfer.objects.filter(
        Q(member_id__in=member_ids)
        | Q(from_unit_id__in=unit_ids)
        | Q(to_unit_id__in=unit_ids)
        | Q(recorded_by_id__in=user_ids)
    ).delete()
    RoleAssignment.objects.filter(Q(unit_id__in=unit_ids) | Q(user_id__in=user_ids)).delete()
    AuditEvent.objects.filter(Q(unit_id__in=unit_ids) | Q(actor_id__in=user_ids)).delete()
    AccessLog.objects.filter(user_id__in=user_ids).delete()
    ImportBatch.objects.filter(Q(scope_unit_id__in=unit_ids) | Q(created_by_id__in=user_ids)).delete()
    for ids in _chunks(member_ids):
        _delete_protected_first(Member.objects.filter(pk__in=ids))
    if root is not None:
        _delete_protected_first(Unit.objects.filter(path__startswith=root.path))
    _delete_protected_first(User.objects.filter(pk__in=user_ids))
    _purge_history(unit_ids=unit_ids, post_ids=post_ids, body_ids=body_ids)


def _chunks(ids: list[int], size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _delete_protected_first(queryset, depth: int = 0) -> None:
    """Delete `queryset`; if rows of other apps protect it, delete those first (a few levels deep)."""
    try:
        with transaction.atomic():
            queryset.delete()
        return
    except (ProtectedError, RestrictedError) as exc:
        if depth >= 4:
            raise CommandError(f"无法删除演示数据,仍有记录引用它:{exc}") from None
        blockers = getattr(exc, "protected_objects", None) or exc.restricted_objects
    by_model: dict = defaultdict(list)
    for obj in blockers:
        by_model[type(obj)].append(obj.pk)
    for model, pks in by_model.items():
        _delete_protected_first(model._default_manager.filter(pk__in=pks), depth + 1)
    _delete_protected_first(queryset, depth + 1)


def _purge_history(*, unit_ids: list[int], post_ids: list[int], body_ids: list[int]) -> None:
    """The demo's history rows, including the deletion rows the purge itself just wrote."""
    Unit.history.filter(id__in=unit_ids).delete()
    Member.history.filter(unit_id__in=unit_ids).delete()
    Liaison.history.filter(team_id__in=unit_ids).delete()
    PostChecklistItem.history.filter(post_id__in=post_ids).delete()
    for model, ids in ((Post, post_ids), (UnionBody, body_ids)):
        history = model.history.filter(id__in=ids)
        for rel in model.history.model._meta.related_objects:  # the m2m history tables
            rel.related_model._default_manager.filter(**{f"{rel.field.name}__in": history}).delete()
        history.delete()


# --- Summary --------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def appeals_lines(appeals) -> list[str]:
    if appeals is None:
        return []
    from lianxin.appeals.models import State

    states = ",".join(
        f"{label} {appeals.states[value]}" for value, label in State.choices if appeals.states[value]
    )
    return [
        f"  职工诉求:近一年 {appeals.appeals} 件({states});集中议事会 {appeals.meetings} 次,"
        f"公开答复 {appeals.published} 条"
    ]


def assistance_lines(assistance) -> list[str]:
    if assistance is None:
        return []
    paid = assistance.applications["paid"]
    return [
        f"  困难帮扶:困难职工档案 {assistance.files} 户,帮扶 {sum(assistance.applications.values())} 笔"
        f"(已发放 {paid} 笔,{assistance.paid_amount:,.2f} 元),帮扶项目 {assistance.programmes} 个;"
        f"结对 {assistance.pairings} 对,走访回访 {assistance.visits} 次;互助保障参保 {assistance.enrolled} 人,"
        f"理赔 {assistance.claims} 件;捐款 {assistance.donations} 笔"
    ]


def existing_logins(password: str) -> str:
    """The demo logins already in the database, for a second `dev.py demo`."""
    names = [username for username, *_rest in data.DEMO_USERS] + APPEAL_LOGINS + ASSISTANCE_LOGINS
    assignments = RoleAssignment.objects.filter(user__username__in=names).select_related(
        "user", "role", "unit"
    )
    rows = [("用户名", "角色", "单位", "姓名", "密码")]
    rows += [
        (a.user.username, a.role.name, a.unit.name, a.user.full_name, password)
        for a in sorted(assignments, key=lambda a: names.index(a.user.username))
    ]
    if len(rows) == 1:
        return "库中已有数据,但没有演示账号。"
    return "\n".join(["库中已有演示数据,未重新生成(要重建请用 --reset)。", "", "演示账号:", *table(rows)])


def summary(builder: DemoBuilder, *, seconds: float) -> str:
    root = builder.units[builder.plan.code]
    levels = Counter(Unit.objects.filter(path__startswith=root.path).values_list("level", flat=True))
    kinds = Counter(Post.objects.filter(unit__path__startswith=root.path).values_list("kind", flat=True))
    members = Member.objects.filter(unit__path__startswith=root.path)
    employment = Counter(members.values_list("employment_type", flat=True))
    coverage = unit_coverage(unit=root)
    vetoed = "、".join(unit.name for unit in coverage.vetoed) or "无"
    lines = [
        f"演示数据已生成:{root.name}(随机种子 {builder.seed},用时 {seconds:.1f} 秒)",
        "  单位:" + ",".join(f"{label} {levels[level]} 个" for level, label in LEVEL_LABELS),
        f"  会员:{members.count()} 人(正式 {employment['formal']},劳务派遣 {employment['dispatched']},"
        f"外包 {employment['outsourced']},退休 {employment['retired']};"
        f"离会 {members.filter(status='left').count()})",
        f"  工会组织 {len(builder.bodies)} 个;群众工作室 {kinds[PostKind.ROOM]} 个,"
        f"群众工作站 {kinds[PostKind.STATION]} 个(六有齐全 {coverage.stations_six_haves} 个)",
        f"  联络员 {coverage.teams_with_liaison} 名,班组覆盖率 {coverage.liaison_rate}%;"
        f"区科建站率 {coverage.station_rate}%;一票否决:{vetoed}",
        *appeals_lines(builder.appeals),
        *assistance_lines(builder.assistance),
        "",
        "演示账号:",
    ]
    rows = [("用户名", "角色", "单位", "姓名", "密码")]
    rows += [(user, role, unit, name, builder.password) for user, role, unit, name in builder.logins]
    return "\n".join(lines + table(rows))
