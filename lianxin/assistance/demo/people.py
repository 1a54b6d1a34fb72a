"""Who keeps each demo company's assistance: the one who records, the one who approves, the treasurer.

The first company has the demo's own logins (`cadre` in 炼钢厂, `bangfu` elsewhere, `chairman`,
`caiwu`, and `leader` for pairings). Each of the other companies has its union's people: the cadre
login the appeals demo gave it (`kuangye`, `wuliu`, `zhuangbei`), or `<company>_bangfu` when there
is none, records; `<company>_zhuxi` (its union's chairman, or a vice-chairman when the chairman
already has a login) approves; `<company>_caiwu` (a union officer) pays. Above a programme's
threshold the group's chairman (`jituan`, else `admin`) approves, as in the first company.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lianxin.core.models import Role, RoleAssignment, User
from lianxin.members.models import Member
from lianxin.org.models import UnionBody, Unit

DEMO_EMAIL_DOMAIN = "demo.lianxin.invalid"
# (username, role code) on the first company: its union's treasurer (财务, pays aid and records
# money in), and the officer of its assistance centre who records aid outside 炼钢厂.
DEMO_LOGINS = [("caiwu", "treasurer"), ("bangfu", "cadre")]
# The companies after the first, in the tree's order (the names the appeals demo gives their cadres),
# and the logins each of them gets: (suffix, role code).
COMPANY_PREFIXES = ["kuangye", "wuliu", "zhuangbei"]
COMPANY_LOGINS = [("zhuxi", "chairman"), ("caiwu", "treasurer"), ("bangfu", "cadre")]
LOGIN_NAMES = [username for username, *_rest in DEMO_LOGINS] + [
    f"{prefix}_{suffix}" for prefix in COMPANY_PREFIXES for suffix, _role in COMPANY_LOGINS
]


@dataclass
class Cadres:
    """One company's people in its assistance: recorder, approver and treasurer are different."""

    index: int  # the company's place among the group's companies; 0 is the demo's own
    chairman: User  # sets up the funds, programmes and plan; approves
    cadre: User  # records in the focus works
    bangfu: User  # records in the company's other works
    caiwu: User  # pays, records money in
    upper: User  # approves above a programme's threshold (the group's chairman)
    leader: User | None = None  # the focus works' director, paired with households


def _login(
    username: str, name: str, password_hash: str, member: Member | None, unit: Unit, role: Role
) -> User:
    user = User(username=username, full_name=name, email=f"{username}@{DEMO_EMAIL_DOMAIN}")
    user.password = password_hash
    user.save()
    if member is not None:
        Member.objects.filter(pk=member.pk).update(user=user)
        member.user_id = user.pk
    RoleAssignment.objects.create(user=user, unit=unit, role=role)
    return user


def _name(rng: random.Random, member: Member | None) -> str:
    from lianxin.org import demo_data as org_data

    if member is not None:
        return member.name
    return org_data.person_name(rng, rng.choice("MF"), rng.randint(1975, 1992))


def demo_people(root: Unit, password_hash: str, rng: random.Random) -> tuple[dict[str, User], list[tuple]]:
    """The demo logins assistance needs: the existing ones, and `caiwu` and `bangfu` if missing."""
    users = {u.username: u for u in User.objects.filter(username__in=[
        "admin", "chairman", "cadre", "leader", "jituan", *LOGIN_NAMES,
    ])}  # fmt: skip
    company = Unit.objects.filter(path__startswith=root.path, depth=2).order_by("path").first()
    body = UnionBody.objects.filter(unit=company).first()
    staff = list(body.staff.order_by("member_no")) if body else []
    roles = {role.code: role for role in Role.objects.filter(code__in=["treasurer", "cadre"])}
    logins = []
    for index, (username, role) in enumerate(DEMO_LOGINS):
        if username in users:
            continue
        member = next((m for m in staff[index:] if m.user_id is None), None)
        name = _name(rng, member)
        users[username] = _login(username, name, password_hash, member, company, roles[role])
        logins.append((username, str(roles[role].name), company.name, name))
    return users, logins


def first_company_cadres(users: dict[str, User]) -> Cadres:
    return Cadres(
        index=0, chairman=users["chairman"], cadre=users["cadre"], bangfu=users["bangfu"],
        caiwu=users["caiwu"], upper=users.get("jituan") or users["admin"], leader=users.get("leader"),
    )  # fmt: skip


def company_cadres(
    company: Unit, index: int, *, upper: User, password_hash: str, rng: random.Random
) -> tuple[Cadres, list[tuple]]:
    """The people of a company after the first, made from its union's officers where it has them."""
    prefix = COMPANY_PREFIXES[index - 1] if index <= len(COMPANY_PREFIXES) else f"gongsi{index}"
    roles = {role.code: role for role in Role.objects.filter(code__in=[r for _s, r in COMPANY_LOGINS])}
    body = UnionBody.objects.filter(unit=company).select_related("chairman").first()
    heads = [body.chairman, *body.vice_chairmen.order_by("member_no")] if body and body.chairman else []
    staff = list(body.staff.order_by("member_no")) if body else []
    recorder = (
        User.objects.filter(
            is_active=True, role_assignments__unit=company, role_assignments__role__code="cadre"
        )
        .order_by("username")
        .first()
    )
    made: dict[str, User] = {}
    logins = []
    for suffix, role in COMPANY_LOGINS:
        if suffix == "bangfu" and recorder is not None:
            continue
        if suffix == "zhuxi":
            member = next((m for m in heads if m.user_id is None), None)
        else:
            member = next((m for m in staff if m.user_id is None), None)
        username, name = f"{prefix}_{suffix}", _name(rng, member)
        made[suffix] = _login(username, name, password_hash, member, company, roles[role])
        logins.append((username, str(roles[role].name), company.name, name))
    recorder = recorder or made["bangfu"]
    cadres = Cadres(
        index=index, chairman=made["zhuxi"], cadre=recorder, bangfu=recorder, caiwu=made["caiwu"], upper=upper
    )
    return cadres, logins
