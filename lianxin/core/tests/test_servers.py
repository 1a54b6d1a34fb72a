"""The servers a configured deployment uses must answer; a missing one fails here, loudly."""

import os

import pytest
from django.core.cache import cache, caches
from django.db import connection


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: the local-memory cache is in use"
)
def test_redis_cache_round_trips_when_configured():
    cache.set("lianxin:probe", {"ok": 1}, 30)
    assert cache.get("lianxin:probe") == {"ok": 1}
    assert "Redis" in type(caches["default"]).__name__


@pytest.mark.django_db
def test_database_is_the_configured_one():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
