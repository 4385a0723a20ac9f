"""Chinese names drawn from the shared pools, as code points, kept apart when asked.

Surnames follow Faker's frequencies (Walker alias tables: one uniform per name); a given name is
a listed one of the person's sex or (60%) two of its one-character names, as
``synthetic.pools.person_names`` draws them. Names are compared as numbers, never as strings, so
keeping a hundred thousand of them distinct costs a few array passes.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from synthetic import pools

TWO_CHAR_GIVEN_SHARE = pools.TWO_CHAR_GIVEN_SHARE
MAX_REDRAWS = 200


def later_repeats(keys: np.ndarray) -> np.ndarray:
    """Rows whose key equals an earlier row's (a hash table, not a sort)."""
    return pd.Series(keys).duplicated().to_numpy()


def _points(values) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype="U2")).view(np.uint32).reshape(-1, 2)


def _alias(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker alias tables (acceptance, alias): one uniform draws an index by ``weights``."""
    k = len(weights)
    scaled, alias = weights * k, np.arange(k)
    small, large = [i for i in range(k) if scaled[i] < 1], [i for i in range(k) if scaled[i] >= 1]
    while small and large:
        s, g = small.pop(), large.pop()
        alias[s] = g
        scaled[g] -= 1 - scaled[s]
        (small if scaled[g] < 1 else large).append(g)
    return np.minimum(scaled, 1.0), alias


@cache
def _name_pools() -> dict:
    """The surnames, with alias tables for their frequencies, and every given name either sex
    may carry, each distinct text once; per sex (men first), its listed given names and then
    each pair of its one-character ones. A name is numbered surname x given, and a two-character
    surname whose first character is a surname too (欧阳) is renumbered where the same text
    splits the other way (欧 + 阳明), so equal names get equal numbers. Texts are compared as
    code points, two 16-bit characters to a given name."""
    surnames = _points(pools.pool("last_names"))
    keys, listed = [], []
    for sex in ("male", "female"):
        names = _points(pools.pool(f"first_names_{sex}")).astype(np.int64)
        single = names[names[:, 1] == 0, 0]
        keys.append(np.concatenate([names[:, 0] << 16 | names[:, 1],
                                    (single[:, None] << 16 | single[None, :]).ravel()]))
        listed.append(len(names))
    given = np.unique(np.concatenate(keys))
    splits = []
    for two in np.flatnonzero(surnames[:, 1]):
        first = np.flatnonzero((surnames[:, 0] == surnames[two, 0]) & (surnames[:, 1] == 0))
        if len(first):
            rest = np.where(given & 0xFFFF, -1, surnames[two, 1] << 16 | given >> 16)
            at = np.minimum(np.searchsorted(given, rest), len(given) - 1)
            splits.append((two, first[0], np.where(given[at] == rest, at, -1)))
    accept, alias = _alias(pools.pool_weights("last_names"))
    return {"surnames": surnames, "accept": accept, "alias": alias,
            "given": np.column_stack([given >> 16, given & 0xFFFF]).astype(np.uint32),
            "sexes": np.searchsorted(given, np.concatenate(keys)),
            "listed": np.array(listed), "pairs": np.array([len(k) for k in keys]) - listed,
            "start": np.array([0, len(keys[0])]), "splits": splits}


def _surname_draws(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surname numbers by frequency (one uniform per row)."""
    p = _name_pools()
    u = rng.random(n) * len(p["alias"])
    column = u.astype(np.int64)
    return np.where(u - column < p["accept"][column], column, p["alias"][column])


def _given_draws(rng: np.random.Generator, male: np.ndarray,
                 pairs: float = TWO_CHAR_GIVEN_SHARE) -> np.ndarray:
    """Given-name numbers: a listed one of the sex or (a share ``pairs``) two of its
    one-character names."""
    p = _name_pools()
    (m, f), u = p["listed"], rng.random(len(male))
    listed = np.where(male, m, f)
    rest = (u - pairs) / (1 - pairs) if pairs < 1 else u
    at = np.where(u < pairs, listed + u / pairs * np.where(male, *p["pairs"]), rest * listed)
    return np.take(p["sexes"], np.where(male, 0, p["start"][1]) + at.astype(np.int64))


def _name_numbers(surname: np.ndarray, given: np.ndarray) -> np.ndarray:
    """One number per name text (see :func:`_name_pools`)."""
    p = _name_pools()
    for two, first, rest in p["splits"]:
        split = (surname == two) & (rest[given] >= 0)
        surname, given = np.where(split, first, surname), np.where(split, rest[given], given)
    return surname * len(p["given"]) + given


def _distinct(rng: np.random.Generator, male: np.ndarray, surname: np.ndarray,
              given: np.ndarray) -> None:
    """Redraw, in place, each name that repeats an earlier one, with two one-character given
    names (whose many combinations soon give a new name), until every name is new: the names
    taken are marked in a table of every possible name, so a round costs what its rows do."""
    number = _name_numbers(surname, given)
    pending = np.flatnonzero(later_repeats(number))
    taken = np.zeros(len(_name_pools()["surnames"]) * len(_name_pools()["given"]), dtype=bool)
    taken[number] = True
    for _ in range(MAX_REDRAWS):
        if len(pending) == 0:
            return
        surname[pending] = _surname_draws(rng, len(pending))
        given[pending] = _given_draws(rng, male[pending], 1.0)
        number = _name_numbers(surname[pending], given[pending])
        new = ~taken[number] & ~later_repeats(number)
        taken[number[new]] = True
        pending = pending[~new]
    raise ValueError(f"cannot give {len(male)} people distinct names from the pools")


def names(rng: np.random.Generator, male: np.ndarray, *, distinct: bool) -> np.ndarray:
    """``(n, 4)`` code points of names for people of the given sexes (surname, then given name,
    zero-padded); ``distinct`` keeps them apart."""
    p = _name_pools()
    surname, given = _surname_draws(rng, len(male)), _given_draws(rng, male)
    if distinct:
        _distinct(rng, male, surname, given)
    surname, given = np.take(p["surnames"], surname, axis=0), np.take(p["given"], given, axis=0)
    two = surname[:, 1] != 0
    out = np.empty((len(male), 4), dtype=np.uint32)
    out[:, 0] = surname[:, 0]
    out[:, 1] = np.where(two, surname[:, 1], given[:, 0])
    out[:, 2] = np.where(two, given[:, 0], given[:, 1])
    out[:, 3] = np.where(two, given[:, 1], 0)
    return out
