"""Presentation noise: the variants a model must normalise, never a change of fact.

Each ``noise_*`` function takes a column (numpy array or pandas Series of ``str``), the noise
stream's generator and ``rate``, the probability that a cell is rewritten; a rewritten cell gets
one variant chosen uniformly among those that apply to it. Missing or empty cells are left alone.
``rate=0`` returns an untouched copy. ``synthetic.normalize`` inverts every variant, so
``normalize(noise(x)) == x`` for canonical values.

>>> noise_dates(["2023-07-05"], np.random.default_rng(0), 1.0)[0] in (
...     "2023/7/5", "20230705", "2023年7月5日")
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.strings  # noqa: F401  (np.strings loads lazily; load it with this module)
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_S = np.dtypes.StringDType()
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + i) for i in range(10)))
_SWAP_BRACKETS = str.maketrans("（）()", "()（）")
_LEGACY_YEARS = (1900, 1999)

# A variant: (which cells it applies to, given the cells and their row numbers; the rewrite).
Applies = Callable[[np.ndarray, np.ndarray], np.ndarray]
Rewrite = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _check_rate(rate: float) -> None:
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be between 0 and 1; got {rate!r}")


def _column(values) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object, na_value=None, copy=True)
    return np.array(values, dtype=object, copy=True)


def _cat(*parts) -> np.ndarray:
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out


def _present(cells: np.ndarray) -> np.ndarray:
    """Which cells hold a non-empty ``str``; an all-``str`` column (the usual one) is checked
    in C rather than cell by cell."""
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":
        return cells != ""
    return np.fromiter((isinstance(v, str) and v != "" for v in cells), bool, len(cells))


def _always(cells: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return np.ones(len(cells), dtype=bool)


def _surrounding_spaces(cells: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    m = len(cells)
    side = rng.integers(0, 3, m)  # 0 leading, 1 trailing, 2 both
    space = np.where(rng.integers(1, 3, m) == 1, " ", "  ")
    left = np.where(side != 1, space, "").astype(_S)
    right = np.where(side != 0, space, "").astype(_S)
    return _cat(left, cells, right)


def _apply(values, rng: np.random.Generator, rate: float,
           variants: list[tuple[Applies, Rewrite]]) -> np.ndarray:
    out = _column(values)
    _check_rate(rate)
    if rate == 0.0 or len(out) == 0:
        return out
    hit = np.flatnonzero(rng.random(len(out)) < rate)
    pick = rng.random(len(hit))
    present = _present(out[hit])
    rows, pick = hit[present], pick[present]
    cells = out[rows].astype(_S)
    chosen = _choose(cells, rows, pick, variants)
    for k, (_, rewrite) in enumerate(variants):
        sel = chosen == k
        if sel.any():
            out[rows[sel]] = rewrite(cells[sel], rng).astype(object)
    return out


def _choose(cells, rows: np.ndarray, pick: np.ndarray, variants: list) -> np.ndarray:
    """Per cell, the variant ``pick`` chooses uniformly among those that apply (-1 if none)."""
    tested = {applies: applies(cells, rows) for applies in dict.fromkeys(a for a, _ in variants)}
    ok = np.column_stack([tested[applies] for applies, _ in variants])
    count = ok.sum(axis=1)
    rank = (pick * count).astype(np.int64)
    return np.where(count > 0, np.argmax(np.cumsum(ok, axis=1) > rank[:, None], axis=1), -1)


def noise_ids(values, rng: np.random.Generator, rate: float, *, legacy: bool = False,
              births=None) -> np.ndarray:
    """ID numbers as clerks type them: lower-case ``x``, surrounding or inner spaces, full-width
    digits and, with ``legacy=True``, the 15-digit form for people born 1900-1999.

    The birth year is read from the ID itself; ``births`` (aligned dates) may supply it instead.
    """
    years = None if births is None else (
        np.asarray(births, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970)

    def ends_in_x(cells, rows):
        return np.strings.endswith(cells, "X")

    def full_length(cells, rows):
        return np.strings.str_len(cells) == 18

    def born_19xx(cells, rows):
        if not legacy:
            return np.zeros(len(cells), dtype=bool)
        year = years[rows] if years is not None else np.where(
            full_length(cells, rows), np.strings.slice(cells, 6, 10), "0").astype(np.int64)
        return full_length(cells, rows) & (year >= _LEGACY_YEARS[0]) & (year <= _LEGACY_YEARS[1])

    def inner_spaces(cells, rng):
        return _cat(np.strings.slice(cells, 0, 6), " ", np.strings.slice(cells, 6, 14), " ",
                    np.strings.slice(cells, 14, None))

    return _apply(values, rng, rate, [
        (ends_in_x, lambda cells, rng: np.strings.replace(cells, "X", "x")),
        (_always, _surrounding_spaces),
        (full_length, inner_spaces),
        (_always, lambda cells, rng: np.strings.translate(cells, _FULL_WIDTH_DIGITS)),
        (born_19xx, lambda cells, rng: _cat(np.strings.slice(cells, 0, 6),
                                            np.strings.slice(cells, 8, 17))),
    ])


def noise_credit_codes(values, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Credit codes in lower case or with surrounding spaces."""
    def has_letters(cells, rows):
        return np.strings.lower(cells) != cells

    return _apply(values, rng, rate, [
        (has_letters, lambda cells, rng: np.strings.lower(cells)),
        (_always, _surrounding_spaces),
    ])


def empty_mask(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Which of ``n`` credit codes a point generator blanks (it keeps the registered name)."""
    _check_rate(rate)
    return rng.random(n) < rate


def noise_dates(values_iso, rng: np.random.Generator, rate: float) -> np.ndarray:
    """``YYYY-MM-DD`` dates rewritten as ``YYYY/M/D``, ``YYYYMMDD`` or ``YYYY年M月D日``."""
    def iso(cells, rows):
        return (np.strings.str_len(cells) == 10) & (np.strings.slice(cells, 4, 5) == "-")

    def parts(cells):
        month, day = np.strings.slice(cells, 5, 7), np.strings.slice(cells, 8, 10)
        return (np.strings.slice(cells, 0, 4), np.strings.lstrip(month, "0"),
                np.strings.lstrip(day, "0"))

    def joined(sep1, sep2, sep3):
        def rewrite(cells, rng):
            y, m, d = parts(cells)
            return _cat(y, sep1, m, sep2, d, sep3)
        return rewrite

    return _apply(values_iso, rng, rate, [
        (iso, joined("/", "/", "")),
        (iso, lambda cells, rng: np.strings.replace(cells, "-", "")),
        (iso, joined("年", "月", "日")),
    ])


def noise_company_names(values, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Company names with full-width and half-width brackets swapped, or surrounding spaces."""
    def has_brackets(cells, rows):
        # the swap changes exactly the cells holding a bracket (one Arrow scan, no translation)
        found = pc.match_substring_regex(pa.array(cells, pa.string()), "[（）()]")
        return found.to_numpy(zero_copy_only=False)

    return _apply(values, rng, rate, [
        (has_brackets, lambda cells, rng: np.strings.translate(cells, _SWAP_BRACKETS)),
        (_always, _surrounding_spaces),
    ])


def noise_person_names(values, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Person names with surrounding spaces."""
    return _apply(values, rng, rate, [(_always, _surrounding_spaces)])


# --- the same noise on Arrow string arrays ----------------------------------------------------
# Generators that keep their columns in Arrow use these twins: the same draws and the same
# variants as the functions above, without turning cells into Python strings and back. The
# twins of code and date noise take the functions above for a column with non-ASCII text, whose
# case and digits Python and Arrow might read differently.

_SPACES = pa.array(["", " ", "  "], pa.string())


def _mask(flags: pa.Array) -> np.ndarray:
    return flags.to_numpy(zero_copy_only=False)


def _slice(cells: pa.Array, start: int, stop: int | None = None) -> pa.Array:
    return pc.utf8_slice_codeunits(cells, start, stop)


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _every(cells: pa.Array, rows: np.ndarray) -> np.ndarray:
    return np.ones(len(cells), dtype=bool)


def _spaces_around(cells: pa.Array, rng: np.random.Generator) -> pa.Array:
    """:func:`_surrounding_spaces` (the same draws)."""
    m = len(cells)
    side = rng.integers(0, 3, m)
    width = np.where(rng.integers(1, 3, m) == 1, 1, 2)
    return _join(_SPACES.take(pa.array(np.where(side != 1, width, 0))), cells,
                 _SPACES.take(pa.array(np.where(side != 0, width, 0))))


def _apply_arrow(values: pa.Array, rng: np.random.Generator, rate: float,
                 variants: list) -> pa.Array:
    """:func:`_apply` on an Arrow string array: the variants of a kind are made together and
    the column is put back together by one ``take``."""
    _check_rate(rate)
    values = values.cast(pa.string())
    n = len(values)
    if rate == 0.0 or n == 0:
        return values
    hit = np.flatnonzero(rng.random(n) < rate)
    pick = rng.random(len(hit))
    cells = values.take(pa.array(hit))
    present = _mask(pc.fill_null(pc.not_equal(cells, ""), False))
    rows, pick, cells = hit[present], pick[present], cells.filter(pa.array(present))
    chosen = _choose(cells, rows, pick, variants)
    parts, index, at = [values], np.arange(n), n
    for k, (_, rewrite) in enumerate(variants):
        sel = chosen == k
        if sel.any():
            index[rows[sel]] = at + np.arange(int(sel.sum()))
            at += int(sel.sum())
            parts.append(rewrite(cells.filter(pa.array(sel)), rng).cast(pa.string()))
    return values if len(parts) == 1 else pa.concat_arrays(parts).take(pa.array(index))


def _non_ascii_fallback(numpy_twin, values: pa.Array, rng: np.random.Generator, rate: float,
                        **options) -> pa.Array | None:
    """``numpy_twin``'s result as an Arrow array when ``values`` holds non-ASCII text, else
    None (the Arrow twin applies)."""
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return None
    return pa.array(numpy_twin(values.to_numpy(zero_copy_only=False), rng, rate, **options),
                    pa.string())


def noise_ids_arrow(values: pa.Array, rng: np.random.Generator, rate: float, *,
                    legacy: bool = False) -> pa.Array:
    """:func:`noise_ids` on an Arrow string array (the birth year read from the ID)."""
    fallback = _non_ascii_fallback(noise_ids, values, rng, rate, legacy=legacy)
    if fallback is not None:
        return fallback

    def ends_in_x(cells, rows):
        return _mask(pc.ends_with(cells, "X"))

    def full_length(cells, rows):
        return _mask(pc.equal(pc.utf8_length(cells), 18))

    def born_19xx(cells, rows):
        if not legacy:
            return np.zeros(len(cells), dtype=bool)
        full = full_length(cells, rows)
        year = np.zeros(len(cells), dtype=np.int64)
        digits = _slice(cells.filter(pa.array(full)), 6, 10)
        year[full] = pc.cast(digits, pa.int64()).to_numpy()
        return full & (year >= _LEGACY_YEARS[0]) & (year <= _LEGACY_YEARS[1])

    def full_width(cells, rng):
        for digit in range(10):
            cells = pc.replace_substring(cells, str(digit), chr(0xFF10 + digit))
        return cells

    return _apply_arrow(values, rng, rate, [
        (ends_in_x, lambda cells, rng: pc.replace_substring(cells, "X", "x")),
        (_every, _spaces_around),
        (full_length, lambda cells, rng: _join(_slice(cells, 0, 6), " ", _slice(cells, 6, 14),
                                               " ", _slice(cells, 14))),
        (_every, full_width),
        (born_19xx, lambda cells, rng: _join(_slice(cells, 0, 6), _slice(cells, 8, 17))),
    ])


def noise_credit_codes_arrow(values: pa.Array, rng: np.random.Generator,
                             rate: float) -> pa.Array:
    """:func:`noise_credit_codes` on an Arrow string array."""
    fallback = _non_ascii_fallback(noise_credit_codes, values, rng, rate)
    if fallback is not None:
        return fallback

    def has_letters(cells, rows):
        return _mask(pc.not_equal(pc.ascii_lower(cells), cells))

    return _apply_arrow(values, rng, rate, [
        (has_letters, lambda cells, rng: pc.ascii_lower(cells)),
        (_every, _spaces_around),
    ])


def noise_dates_arrow(values_iso: pa.Array, rng: np.random.Generator,
                      rate: float) -> pa.Array:
    """:func:`noise_dates` on an Arrow string array."""
    fallback = _non_ascii_fallback(noise_dates, values_iso, rng, rate)
    if fallback is not None:
        return fallback

    def iso(cells, rows):
        return _mask(pc.and_(pc.equal(pc.utf8_length(cells), 10),
                             pc.equal(_slice(cells, 4, 5), "-")))

    def joined(sep1, sep2, sep3):
        def rewrite(cells, rng):
            return _join(_slice(cells, 0, 4), sep1, pc.utf8_ltrim(_slice(cells, 5, 7), "0"), sep2,
                         pc.utf8_ltrim(_slice(cells, 8, 10), "0"), sep3)
        return rewrite

    return _apply_arrow(values_iso, rng, rate, [
        (iso, joined("/", "/", "")),
        (iso, lambda cells, rng: pc.replace_substring(cells, "-", "")),
        (iso, joined("年", "月", "日")),
    ])


def noise_company_names_arrow(values: pa.Array, rng: np.random.Generator,
                              rate: float) -> pa.Array:
    """:func:`noise_company_names` on an Arrow string array."""
    def has_brackets(cells, rows):
        return _mask(pc.match_substring_regex(cells, "[（）()]"))

    def swap_brackets(cells, rng):       # the few names with brackets, through Python strings
        text = cells.to_numpy(zero_copy_only=False).astype(_S)
        return pa.array(np.strings.translate(text, _SWAP_BRACKETS).astype(object), pa.string())

    return _apply_arrow(values, rng, rate, [(has_brackets, swap_brackets),
                                            (_every, _spaces_around)])


def noise_person_names_arrow(values: pa.Array, rng: np.random.Generator,
                             rate: float) -> pa.Array:
    """:func:`noise_person_names` on an Arrow string array."""
    return _apply_arrow(values, rng, rate, [(_every, _spaces_around)])


def add_duplicate_rows(table: pa.Table, rng: np.random.Generator, rate: float) -> pa.Table:
    """About ``rate`` of the rows again as exact duplicates, each inserted before a random row.

    The original rows keep their relative order; no duplicate lands after the last row.
    """
    _check_rate(rate)
    n = table.num_rows
    if rate == 0.0 or n == 0:
        return table
    return table.take(pa.array(duplicated_order(n, rng, rate)))


def duplicated_order(n: int, rng: np.random.Generator, rate: float) -> np.ndarray:
    """The row numbers :func:`add_duplicate_rows` takes from ``n > 0`` rows (the same draws),
    for generators that hold their columns apart."""
    _check_rate(rate)
    k = int(rng.binomial(n, rate))
    source = np.sort(rng.choice(n, size=k, replace=False))
    before = rng.integers(0, n, k)
    # duplicates before one row keep their order; each original row is counted into place,
    # so only the few duplicates are sorted
    by_place = np.argsort(before, kind="stable")
    duplicate = np.zeros(n + k, dtype=bool)
    duplicate[before[by_place] + np.arange(k)] = True
    take = np.empty(n + k, dtype=np.int64)
    take[~duplicate] = np.arange(n)
    take[duplicate] = source[by_place]
    return take
