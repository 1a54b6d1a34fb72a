import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lianxin import settings as lianxin_settings

ROOT = Path(__file__).resolve().parents[3]


def test_env_example_lists_every_variable_the_settings_read():
    source = (ROOT / "lianxin" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|env_bool|env_int|env_list)\(\s*"([A-Z_]+)"', source))
    documented = (ROOT / ".env.example").read_text()
    assert read, "no variables found: the pattern above is stale"
    assert sorted(name for name in read if name not in documented) == []


def test_malformed_boolean_stops_the_start(monkeypatch):
    monkeypatch.setenv("LIANXIN_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="LIANXIN_DEBUG"):
        lianxin_settings.env_bool("LIANXIN_DEBUG", True)


def test_malformed_number_stops_the_start(monkeypatch):
    monkeypatch.setenv("LIANXIN_PAGE_SIZE", "fifty")
    with pytest.raises(ImproperlyConfigured, match="LIANXIN_PAGE_SIZE"):
        lianxin_settings.env_int("LIANXIN_PAGE_SIZE", 50)
