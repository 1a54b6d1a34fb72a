"""English is complete: every string of the interface has a translation, and it is used."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    """(msgid, [msgstr…], flags) for each entry of a .po file."""
    for block in text.split("\n\n"):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                parts[key] = match.group(2)
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if "msgid" in parts:
            yield parts["msgid"], [v for k, v in parts.items() if k.startswith("msgstr")], flags


def test_every_string_has_an_english_translation():
    missing = [
        msgid
        for msgid, msgstrs, flags in _entries(PO.read_text(encoding="utf-8"))
        if msgid and (not all(msgstrs) or "fuzzy" in flags)
    ]
    assert missing == []


def test_the_english_catalog_is_compiled_and_used():
    assert PO.with_suffix(".mo").exists(), "run: manage.py compilemessages -l en"
    with translation.override("en"):
        assert translation.gettext("会员名册") != "会员名册"
        assert translation.gettext("组织架构") != "组织架构"
