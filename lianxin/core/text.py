"""Chinese text helpers: traditional → simplified, pinyin for names, masking."""

from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC
from xpinyin import Pinyin


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _pinyin() -> Pinyin:
    return Pinyin()


def to_simplified(text: str) -> str:
    """Simplified form of `text`, for search and analysis; the original is always kept too."""
    if not text:
        return text
    if text.isascii():
        return text
    return _t2s().convert(text)


def name_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, lowercase without separators: ('zhangwei', 'zw')."""
    simplified = to_simplified(name.strip())
    full = _pinyin().get_pinyin(simplified, "").lower()
    initials = _pinyin().get_initials(simplified, "").lower()
    return "".join(ch for ch in full if ch.isalnum()), "".join(ch for ch in initials if ch.isalnum())


def mask_id_number(value: str) -> str:
    """110105199001010023 -> 110105********0023: region kept, birth date hidden."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(name: str) -> str:
    """王小工 -> 王*工, 张伟 -> 张*, 欧阳小明 -> 欧**明: enough to recognise on paper, not to identify."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def join_list(items) -> str:
    """Items joined with the enumeration comma of the active language (、 in Chinese, ", " in English)."""
    from django.utils.translation import gettext

    return gettext("、").join(str(item) for item in items)
