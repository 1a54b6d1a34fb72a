"""What Lianxin reads in an appeal's text on intake: flags, a suggested category, search tokens.

Rules work on the simplified, whitespace-collapsed text, so traditional input matches the same
words. They suggest; a person confirms (the flags on an appeal carry `flags_confirmed`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import jieba

from lianxin.core.text import to_simplified

from . import reference
from .models import Flag

jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter is not for users

_SPACE = re.compile(r"\s+")

FLAG_WORDS: dict[str, tuple[str, ...]] = {
    Flag.COLLECTIVE: (
        "集体",
        "大家都",
        "全班",
        "全车间",
        "联名",
        "一起去",
        "好几十人",
        "几十个人",
        "上百人",
        "很多人",
        "罢工",
        "停工",
        "集体上访",
        "围堵",
        "聚集",
        "拉横幅",
        "工友们都",
        "全体",
        "上访",
        "堵门",
        "堵路",
        "静坐",
        "集体去",
        "一百多人",
        "几百人",
    ),
    Flag.SAFETY_URGENT: (
        "漏气",
        "煤气泄漏",
        "泄漏",
        "着火",
        "起火",
        "冒烟",
        "爆炸",
        "坍塌",
        "塌方",
        "触电",
        "漏电",
        "有毒",
        "中毒",
        "随时可能",
        "马上要出事",
        "危险",
        "隐患严重",
        "安全隐患",
        "护栏断",
        "没有防护",
        "违章指挥",
        "强令冒险",
        "随时会掉",
        "随时会塌",
        "快塌了",
        "要塌了",
        "钢丝绳断",
        "砸到人",
        "有人中暑",
        "消防通道被堵",
        "跑不出去",
    ),
    Flag.DISTRESS: (
        "不想活",
        "活不下去",
        "想死",
        "轻生",
        "自杀",
        "跳楼",
        "寻短见",
        "了结",
        "绝望",
        "撑不下去",
        "没有希望",
        "崩溃",
        "走投无路",
        "活着没意思",
        "活着没有意思",
        "不如死了",
        "一死了之",
        "结束生命",
        "遗书",
    ),
    Flag.ARREARS: (
        "欠薪",
        "拖欠工资",
        "工资没发",
        "工资未发",
        "没发工资",
        "拖欠",
        "欠发",
        "克扣",
        "不发工资",
        "工资迟发",
        "加班费没",
        "绩效没发",
        "个月没发",
        "一分没有",
        "一分钱没",
        "讨薪",
        "讨工资",
    ),
}


def normalize(text: str) -> str:
    """Simplified characters, whitespace collapsed, trimmed."""
    simplified = to_simplified(text or "")
    if "著" in simplified:
        # Taiwan usage writes 着 as 著 (活著, 睡不著), which the general conversion leaves alone.
        simplified = _taiwan_to_simplified().convert(simplified)
    return _SPACE.sub(" ", simplified).strip()


@lru_cache(maxsize=1)
def _taiwan_to_simplified():
    import opencc

    return opencc.OpenCC("tw2s")


def words(normalized: str) -> list[str]:
    """jieba's cut of a normalized text (its default, precise mode): what the search tokens and the
    duplicate signature are both made of, so intake cuts a text once."""
    return jieba.lcut(normalized)


def tokens(normalized: str, *, cut: list[str] | None = None) -> list[str]:
    """Search words of a normalized text: jieba's search-engine cut, punctuation and spaces dropped.

    The search-engine cut is the precise cut with, before each word longer than two characters, its
    two- and three-character parts that are dictionary words (`jieba.cut_for_search`, step for
    step); given the precise cut as `cut`, it is not cut again."""
    if cut is None:
        cut = words(normalized)
    jieba.dt.check_initialized()
    known = jieba.dt.FREQ
    out: list[str] = []
    for word in cut:
        if len(word) > 2:
            out.extend(gram for i in range(len(word) - 1) if known.get(gram := word[i : i + 2]))
        if len(word) > 3:
            out.extend(gram for i in range(len(word) - 2) if known.get(gram := word[i : i + 3]))
        out.append(word)
    return [word.lower() for word in out if word.strip() and _is_word(word)]


def _is_word(word: str) -> bool:
    return any(ch.isalnum() for ch in word)


def search_tokens(normalized: str, *, cut: list[str] | None = None) -> str:
    return " ".join(dict.fromkeys(tokens(normalized, cut=cut)))


def find_flags(normalized: str) -> list[str]:
    return [flag for flag, words in FLAG_WORDS.items() if any(word in normalized for word in words)]


def title_from(normalized: str, limit: int = 30) -> str:
    first = re.split(r"[。!?!?\n]", normalized, maxsplit=1)[0].strip() or normalized
    return first if len(first) <= limit else first[: limit - 1] + "…"


def keyword_table() -> tuple[tuple[str, str], ...]:
    """(category code, simplified keyword) for every active category (kept per process, see
    `reference`)."""
    return reference.current().keywords


def suggest_category(normalized: str, *, table: Iterable[tuple[str, str]] | None = None) -> str | None:
    """The category whose keywords occur most often in the text; None when nothing matches."""
    hits: Counter[str] = Counter()
    for code, word in table if table is not None else keyword_table():
        if word and word in normalized:
            hits[code] += len(word)
    if not hits:
        return None
    return hits.most_common(1)[0][0]
