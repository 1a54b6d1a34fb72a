"""The idempotency helper on its own: one key, one write, whatever the write makes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.utils import timezone

from lianxin.core.idempotency import (
    IdempotencyKeyReused,
    IdempotencyResultLost,
    fingerprint_of,
    idempotency_purge,
    idempotent,
)
from lianxin.core.models import IdempotencyRecord, User
from lianxin.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


class Writes:
    """A write that makes a user each time it runs, counting its runs."""

    def __init__(self):
        self.runs = 0

    def __call__(self):
        self.runs += 1
        return UserFactory(username=f"made{User.objects.count()}")


def run(user, key, *, write, fingerprint="f1", scope="test.make", sealed=False, status_code=201):
    return idempotent(
        user=user,
        scope=scope,
        key=key,
        fingerprint=fingerprint,
        perform=write,
        target=lambda made: made,
        sealed=sealed,
        status_code=status_code,
    )


def test_without_a_key_the_write_runs_every_time(alice):
    write = Writes()

    first, second = run(alice, None, write=write), run(alice, None, write=write)

    assert write.runs == 2 and first.target != second.target
    assert not IdempotencyRecord.objects.exists()


def test_with_a_key_the_write_runs_once_and_the_retry_gets_its_result(alice):
    write = Writes()

    first = run(alice, "k1", write=write, status_code=202)
    again = run(alice, "k1", write=write, status_code=202)

    assert write.runs == 1
    assert (first.replayed, again.replayed) == (False, True)
    assert again.target == first.target and again.status_code == 202
    assert first.result == first.target and again.result is None
    assert IdempotencyRecord.objects.get(key="k1").target == f"core.user:{first.target.pk}"


def test_the_same_key_with_another_body_is_refused(alice):
    write = Writes()
    run(alice, "k1", write=write, fingerprint="f1")

    with pytest.raises(IdempotencyKeyReused):
        run(alice, "k1", write=write, fingerprint="f2")
    assert write.runs == 1


def test_keys_are_kept_apart_by_user_and_by_scope(alice):
    write = Writes()
    bob = UserFactory(username="bob")

    run(alice, "k1", write=write)
    run(bob, "k1", write=write)
    run(alice, "k1", write=write, scope="test.other")

    assert write.runs == 3


def test_a_write_that_fails_leaves_no_key_behind(alice):
    def failing():
        UserFactory(username="half-made")
        raise IntegrityError("boom")

    with pytest.raises(IntegrityError):
        run(alice, "k1", write=failing)

    assert not IdempotencyRecord.objects.exists()
    assert not User.objects.filter(username="half-made").exists()  # rolled back with the key
    assert run(alice, "k1", write=Writes()).replayed is False


def test_a_sealed_target_does_not_show_the_key_it_points_at_and_still_replays(alice):
    write = Writes()

    first = run(alice, "k1", write=write, sealed=True)
    again = run(alice, "k1", write=write, sealed=True)

    stored = IdempotencyRecord.objects.get(key="k1").target
    assert stored.startswith("core.user:~") and stored != f"core.user:{first.target.pk}"
    assert again.target == first.target and write.runs == 1


def test_a_sealed_target_under_another_secret_is_lost_never_another_record(alice, settings):
    write = Writes()
    run(alice, "k1", write=write, sealed=True)
    for _ in range(3):
        write()  # other records a wrong unmasking could land on

    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    with pytest.raises(IdempotencyResultLost):
        run(alice, "k1", write=write, sealed=True)


def test_a_target_that_is_gone_is_reported_lost(alice):
    made = run(alice, "k1", write=Writes()).target
    IdempotencyRecord.objects.filter(key="k1").update(target=f"core.user:{made.pk + 1000}")

    with pytest.raises(IdempotencyResultLost):
        run(alice, "k1", write=Writes())


def test_fingerprints_of_equal_payloads_agree_whatever_the_key_order():
    assert fingerprint_of({"a": 1, "b": [1, "二"]}) == fingerprint_of({"b": [1, "二"], "a": 1})
    assert fingerprint_of({"a": 1}) != fingerprint_of({"a": 2})
    assert fingerprint_of(b'{"a": 1}') == fingerprint_of('{"a": 1}') != fingerprint_of(b'{"a":1}')
    assert len(fingerprint_of(b"")) == 64


def test_purging_forgets_old_keys_of_one_scope_only(alice):
    run(alice, "old", write=Writes())
    run(alice, "other", write=Writes(), scope="test.other")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    run(alice, "new", write=Writes())

    assert idempotency_purge(scope="test.make", older_than=dt.timedelta(days=1)) == 1
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"other", "new"}
