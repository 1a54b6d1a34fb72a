from __future__ import annotations

import factory

from lianxin.core.models import Role, RoleAssignment, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-word-123")


def grant(user: User, unit, role_code: str) -> RoleAssignment:
    from lianxin.core.capabilities import DEFAULT_ROLES
    from lianxin.core.permissions import forget_scope

    forget_scope(user)
    # Transactional tests flush the roles the data migration loaded; bring the one needed back.
    name, capabilities, description = DEFAULT_ROLES[role_code]
    role, _created = Role.objects.get_or_create(
        code=role_code,
        defaults={"name": name, "capabilities": list(capabilities), "description": description},
    )
    return RoleAssignment.objects.create(user=user, unit=unit, role=role)
