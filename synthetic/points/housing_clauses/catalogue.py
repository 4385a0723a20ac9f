"""The clause templates and their rendering.

Templates are sources with jinja-style ``{{ slot }}`` placeholders in ``templates/<set>.toml`` (one
list per family), the slots taking the vocabularies of ``templates/slots.toml``. Only plain
placeholders are allowed (no filters, tags or comments), so a template is literal text around its
slots and renders by joining strings in Arrow; a misspelt slot or any other markup fails when the
set is loaded.

Rendering is per distinct combination, not per clause: within one template each clause is coded
as one integer (punctuation, party style, base, a choice per slot the template uses, rate), each
distinct code is rendered once and the texts are spread back with an Arrow ``take``. Slots a
template does not use are not part of its code, so clauses that differ only in unused draws share
one rendering.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.housing_clauses import rates
from synthetic.points.housing_clauses.schema import BASES, PARTIES, TEXT_FAMILIES

CONTRACT_SLOTS = ("S", "B", "base", "rate")
# Punctuation styles: as written; half-width commas, semicolons, colons and brackets; a final
# semicolon instead of the full stop (as clauses read inside a numbered list).
_HALF_WIDTH = str.maketrans("，；：（）", ",;:()")
PUNCTUATION_STYLES = 3
RATE_FORMS_MAX = 16        # rate key = units * RATE_FORMS_MAX + form
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_MARKUP = ("{{", "}}", "{%", "%}", "{#", "#}")
_DRAW_OF = {"S": "party", "B": "party"}     # the draw that picks a contract slot's word


def _read(name: str) -> dict:
    text = resources.files(__package__).joinpath("templates", f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def slot_vocabularies() -> dict[str, tuple[str, ...]]:
    """Every slot of ``slots.toml`` with its values, slots in sorted order."""
    return {name: tuple(values) for name, values in sorted(_read("slots").items())}


@cache
def template_sources(template_set: str) -> dict[str, tuple[str, ...]]:
    """Family -> template sources of one set, in :data:`~schema.TEXT_FAMILIES` order."""
    data = _read(template_set)
    missing = [f for f in TEXT_FAMILIES if not data.get(f)]
    if missing or set(data) - set(TEXT_FAMILIES):
        raise ValueError(f"template set {template_set!r}: families missing {missing}, "
                         f"unknown {sorted(set(data) - set(TEXT_FAMILIES))}")
    return {f: tuple(data[f]) for f in TEXT_FAMILIES}


@dataclass(frozen=True)
class Template:
    """A template source split into its literal text and the slots between: ``literals[0]``,
    ``slots[0]``, ``literals[1]``, ... ``literals[-1]``."""

    literals: tuple[str, ...]
    slots: tuple[str, ...]


def parse(source: str) -> Template:
    """The literal parts and slots of a source; any markup but ``{{ slot }}`` is an error. A
    single trailing newline is dropped, as jinja does."""
    parts = _PLACEHOLDER.split(source.removesuffix("\n"))
    literals, slots = tuple(parts[0::2]), tuple(parts[1::2])
    markup = sorted({m for m in _MARKUP for text in literals if m in text})
    if markup:
        raise ValueError(f"template {source!r}: only plain {{{{ slot }}}} placeholders are "
                         f"supported; found {markup}")
    return Template(literals, slots)


def _variants(piece: str) -> tuple[str, str, str]:
    """A piece of text in each punctuation style; the final-semicolon style changes only the
    last piece of a text, which is never empty."""
    semi = piece[:-1] + "；" if piece.endswith("。") else piece
    return piece, piece.translate(_HALF_WIDTH), semi


def _distinct(values: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of non-negative ints below ``space`` and the position of each
    value among them; a bitmap instead of a sort when ``space`` is small next to the values."""
    if space > 8 * len(values):
        return np.unique(values, return_inverse=True)
    seen = np.zeros(space, dtype=bool)
    seen[values] = True
    position = np.cumsum(seen, dtype=np.int32)
    position -= 1
    return np.flatnonzero(seen), position[values]


@dataclass(frozen=True)
class Renderer:
    """One template set parsed: templates numbered family by family, and the *pieces* texts are
    joined from: piece 0 is empty, then every slot word (party names and bases included), then
    every literal part of every template; rate phrases are added per scenario."""

    template_set: str
    templates: tuple[Template, ...]
    offsets: dict[str, int]          # family -> id of its first template
    counts: dict[str, int]           # family -> number of templates
    uses: np.ndarray                 # (templates, slots + contract slots) bool
    pieces: tuple[str, ...]
    first: dict[str, int]            # slot -> piece of its first word ("S", "B", "base", ...)
    parts: tuple[tuple[int | str, ...], ...]   # per template: literal pieces and slot names

    def render(self, template: np.ndarray, party: np.ndarray, base: np.ndarray,
               punct: np.ndarray, choice: np.ndarray, rate: np.ndarray) -> pa.Array:
        """The text of each clause row. ``choice`` is (rows, slots), an index into each slot's
        vocabulary; ``rate`` is ``units * RATE_FORMS_MAX + form`` (ignored where unused)."""
        texts, index = self.encode(template, party, base, punct, choice, rate)
        return texts.take(pa.array(index))

    def encode(self, template: np.ndarray, party: np.ndarray, base: np.ndarray,
               punct: np.ndarray, choice: np.ndarray, rate: np.ndarray
               ) -> tuple[pa.Array, np.ndarray]:
        """:meth:`render` as distinct texts and the position of each row's text among them, so
        that callers take the texts once, in their final row order."""
        template, party, base, punct, choice, rate = map(
            np.asarray, (template, party, base, punct, choice, rate))
        order = np.argsort(template, kind="stable")
        bounds = np.searchsorted(template[order], np.arange(len(self.templates) + 1))
        index = np.empty(len(template), dtype=np.int32)
        blocks, at = [], 0
        for t in np.flatnonzero(np.diff(bounds)).tolist():
            rows = order[bounds[t]:bounds[t + 1]]
            digits, rate_keys = self._digits(t, rows, party, base, punct, choice, rate)
            key, space = np.zeros(len(rows), dtype=np.int64), 1
            for values, radix in digits.values():      # the first draw is the leading digit
                key *= radix
                key += values
                space *= radix
            codes, position = _distinct(key, space)
            position += at
            index[rows] = position
            at += len(codes)
            value = {}
            for name, (_, radix) in reversed(digits.items()):
                codes, value[name] = np.divmod(codes, radix)
            if "rate" in value:
                value["rate"] = rate_keys[value["rate"]]
            blocks.append((t, value))
        return self._texts(blocks), index

    def _digits(self, t: int, rows: np.ndarray, party, base, punct, choice, rate
                ) -> tuple[dict[str, tuple[np.ndarray, int]], np.ndarray]:
        """Each draw template ``t`` uses, as (values at ``rows``, radix), punctuation first,
        and the distinct rate keys the ``rate`` values index."""
        names = set(self.templates[t].slots)
        digits = {"punct": (punct[rows], PUNCTUATION_STYLES)}
        if names & {"S", "B"}:
            digits["party"] = (party[rows], len(PARTIES))
        if names & {"base", "rate"}:
            digits["base"] = (base[rows], len(BASES))
        for j, (name, values) in enumerate(slot_vocabularies().items()):
            if name in names:
                digits[name] = (choice[rows, j], len(values))
        rate_keys = np.zeros(0, dtype=np.int64)
        if "rate" in names:
            keys = rate[rows]
            rate_keys, position = _distinct(keys, int(keys.max()) + 1)
            digits["rate"] = (position, len(rate_keys))
        return digits, rate_keys

    def _texts(self, blocks: list[tuple[int, dict[str, np.ndarray]]]) -> pa.Array:
        """The texts of the distinct codes of every template, in order. Each text is a row of
        pieces, all joined in one Arrow call; its punctuation style picks each piece's variant."""
        rated = [value for _, value in blocks if "rate" in value]
        pairs, pair_at = np.unique(np.concatenate(
            [v["rate"] * len(BASES) + v["base"] for v in rated] or [np.zeros(0, np.int64)]),
            return_inverse=True)
        phrases = [rates.phrase(*divmod(key, RATE_FORMS_MAX), BASES[b], self.template_set)
                   for key, b in (divmod(p, len(BASES)) for p in pairs.tolist())]
        variants = [_variants(p) for p in (*self.pieces, *phrases)]
        size = len(variants)
        width = max(len(self.parts[t]) for t, _ in blocks) if blocks else 0
        ids = np.zeros((sum(len(v["punct"]) for _, v in blocks), max(width, 1)), dtype=np.int32)
        at = rate_at = 0
        for t, value in blocks:
            n, parts = len(value["punct"]), self.parts[t]
            block = ids[at:at + n]
            for k, part in enumerate(parts):
                if part == "rate":
                    block[:, k] = len(self.pieces) + pair_at[rate_at:rate_at + n]
                    rate_at += n
                elif isinstance(part, str):
                    block[:, k] = self.first[part] + value[_DRAW_OF.get(part, part)]
                else:
                    block[:, k] = part
            if parts:
                block[value["punct"] == 1, :len(parts)] += size
                block[value["punct"] == 2, len(parts) - 1] += 2 * size
            at += n
        pool = pa.array([v[style] for style in range(PUNCTUATION_STYLES) for v in variants],
                        pa.string())
        return pc.binary_join_element_wise(*(pool.take(ids[:, k]) for k in range(ids.shape[1])),
                                           "")


@cache
def renderer(template_set: str) -> Renderer:
    """The parsed templates of ``"default"`` or ``"heldout"``."""
    if template_set not in rates.FORMS:
        raise ValueError(f"template_set must be one of {', '.join(rates.FORMS)}; "
                         f"got {template_set!r}")
    sources = template_sources(template_set)
    vocab = slot_vocabularies()
    names = (*vocab, *CONTRACT_SLOTS)
    templates = tuple(parse(s) for family in sources.values() for s in family)
    unknown = {v for t in templates for v in t.slots} - set(names)
    if unknown:
        raise ValueError(f"template set {template_set!r} names unknown slots {sorted(unknown)}")
    uses = np.array([[name in t.slots for name in names] for t in templates], dtype=bool)
    offsets, counts, at = {}, {}, 0
    for family, family_sources in sources.items():
        offsets[family], counts[family] = at, len(family_sources)
        at += len(family_sources)
    words = {**vocab, "S": tuple(p[0] for p in PARTIES), "B": tuple(p[1] for p in PARTIES),
             "base": BASES}
    if any(w == "" for values in words.values() for w in values):
        raise ValueError("slot words must not be empty")
    pieces, first, parts = [""], {}, []
    for name, values in words.items():
        first[name] = len(pieces)
        pieces += values
    for t in templates:
        part: list[int | str] = []
        for literal, slot in zip(t.literals, (*t.slots, None)):
            if literal:
                part.append(len(pieces))
                pieces.append(literal)
            if slot is not None:
                part.append(slot)
        parts.append(tuple(part))
    return Renderer(template_set, templates, offsets, counts, uses, tuple(pieces), first,
                    tuple(parts))
