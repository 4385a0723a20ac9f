"""The inverse of ``synthetic.noise``: canonical values from any variant the contract allows.

Tests use it to check that rules applied to noised tables give the clean labels; it is also the
reference for what a model must normalise. Blank or missing cells normalise to ``None``.

>>> normalize_id(" 34020719800517123x ")
'34020719800517123X'
>>> normalize_date("2023年7月5日")
datetime.date(2023, 7, 5)
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from synthetic.idnumbers import from_legacy15, make_ids

_WHITESPACE = re.compile(r"\s+")
_DATE_FORMATS = (
    re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
_TO_FULL_WIDTH = str.maketrans("()", "（）")


def _text(s: object) -> str | None:
    """``s`` as a string, or None when it is missing (None, NaN, NA)."""
    if s is None or (not isinstance(s, str) and pd.isna(s)):
        return None
    return str(s)


def _code(s: object) -> str | None:
    text = _text(s)
    if text is None:
        return None
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).upper()
    return text or None


def normalize_id(s: object) -> str | None:
    """Half-width, no whitespace, upper-case ``X``; a 15-digit legacy ID becomes 18 digits."""
    code = _code(s)
    if code is not None and len(code) == 15 and code.isdigit():
        return from_legacy15(code)
    return code


def normalize_uscc(s: object) -> str | None:
    """Half-width, no whitespace, upper case."""
    return _code(s)


def normalize_date(s: object) -> dt.date | None:
    """A date from ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYYMMDD`` or ``YYYY年M月D日``."""
    text = _text(s)
    if text is None or not text.strip():
        return None
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            return dt.date(*(int(g) for g in match.groups()))
    raise ValueError(f"not a date in a known format: {s!r}")


def normalize_company_name(s: object) -> str | None:
    """Trimmed, with full-width brackets as registered."""
    text = _text(s)
    text = None if text is None else text.strip().translate(_TO_FULL_WIDTH)
    return text or None


def normalize_person_name(s: object) -> str | None:
    """Trimmed."""
    text = _text(s)
    text = None if text is None else text.strip()
    return text or None


def _strings(series) -> pd.Series:
    return pd.Series(series, dtype="string")


def _blank_to_none(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.fillna("") != "", None)


def normalize_uscc_series(series) -> pd.Series:
    s = _strings(series).str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.upper()
    return _blank_to_none(s)


def normalize_id_series(series) -> pd.Series:
    s = _strings(series).str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.upper()
    legacy = (s.str.len() == 15) & s.str.fullmatch(r"\d{15}")
    legacy = legacy.fillna(False).astype(bool)
    if legacy.any():
        old = s[legacy]
        births = pd.to_datetime("19" + old.str[6:12], format="%Y%m%d").to_numpy("datetime64[D]")
        s[legacy] = make_ids(old.str[:6].to_numpy(), births,
                             old.str[12:15].astype(int).to_numpy())
    return _blank_to_none(s)


def normalize_date_series(series) -> pd.Series:
    """Dates as ``datetime64``; raises on a value in no known format."""
    s = _strings(series).str.normalize("NFKC").str.strip()
    parts = pd.DataFrame(index=s.index, columns=["year", "month", "day"], dtype="string")
    for pattern in _DATE_FORMATS:
        found = s.str.extract(f"^{pattern.pattern}$").set_axis(["year", "month", "day"], axis=1)
        parts = parts.combine_first(found)
    bad = (s.fillna("") != "") & parts["year"].isna()
    if bad.any():
        raise ValueError(f"not a date in a known format: {s[bad].iloc[0]!r}")
    iso = parts["year"] + "-" + parts["month"].str.zfill(2) + "-" + parts["day"].str.zfill(2)
    return pd.to_datetime(iso, format="%Y-%m-%d")


def normalize_company_name_series(series) -> pd.Series:
    s = _strings(series).str.strip().str.replace("(", "（").str.replace(")", "）")
    return _blank_to_none(s)


def normalize_person_name_series(series) -> pd.Series:
    return _blank_to_none(_strings(series).str.strip())

