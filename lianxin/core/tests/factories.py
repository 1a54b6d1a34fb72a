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
    from lianxin.core.permissions import forget_scope

    forget_scope(user)
    return RoleAssignment.objects.create(user=user, unit=unit, role=Role.objects.get(code=role_code))
