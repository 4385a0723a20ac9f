"""Daily penalty rates as contracts write them.

A rate is an exact integer number of *units* of 1/100,000 of the price per day (十万分之一/日), so
万分之五 per day is 50 units and rates compare exactly. Each form writes the rate together with its
base (the price it applies to); the default and held-out sets use disjoint forms.

>>> phrase(50, 0, "总房款", "default"), phrase(150, 5, "总房款", "default")
('每日按总房款的万分之五', '按总房款千分之一点五/日')
>>> phrase(50, 1, "总房款", "heldout")
'按总房款的0.05%/日'
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

UNITS_PER_WAN = 10        # 万分之一 = 10 units
_DIGITS = "零一二三四五六七八九"


def _int_cn(n: int) -> str:
    """0 <= n < 1000 in Chinese numerals as contracts write them: 十五, 二十, 一百零五."""
    if n < 10:
        return _DIGITS[n]
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = _DIGITS[hundreds] + "百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (_DIGITS[ones] if ones else "")


def cn_number(value: Decimal) -> str:
    """A non-negative decimal in Chinese numerals: 5 -> 五, 1.5 -> 一点五, 0.15 -> 零点一五."""
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return _int_cn(int(whole)) + ("点" + "".join(_DIGITS[int(d)] for d in frac) if frac else "")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


@cache
def _parts(units: int) -> dict[str, str]:
    u = Decimal(units)
    return {"wan": cn_number(u / 10), "wan_arabic": _plain(u / 10), "pct": _plain(u / 1000),
            "qian": cn_number(u / 100), "permille": _plain(u / 100), "shiwan": cn_number(u)}


FORMS = {
    "default": (
        "每日按{base}的万分之{wan}",
        "按{base}的日万分之{wan}",
        "按{base}万分之{wan}/日",
        "按{base}每日{pct}%",
        "按{base}的日{pct}%",
        "按{base}千分之{qian}/日",
        "按{base}每日{permille}‰",
        "每天按{base}的万分之{wan}",
    ),
    "heldout": (
        "按{base}的万分之{wan_arabic}/天",
        "按{base}的{pct}%/日",
        "按{base}每日十万分之{shiwan}",
        "以{base}为基数按每天{permille}‰",
    ),
}


@cache
def phrase(units: int, form: int, base: str, template_set: str) -> str:
    """The rate of ``units`` written in form number ``form`` of ``template_set`` (cached: a
    scenario writes a few hundred distinct rates a million times)."""
    return FORMS[template_set][form].format(base=base, **_parts(units))
