"""The clause templates and their rendering.

Templates are jinja2 sources in ``templates/<set>.toml`` (one list per family) with the slot
vocabularies of ``templates/slots.toml``. The environment uses ``StrictUndefined`` so a misspelt
slot fails at once, and ``autoescape=False`` because the output is plain contract text stored in
Parquet, never HTML: escaping would write entities such as ``&#34;`` into the clauses.

Rendering is per distinct combination, not per clause: each clause is a row of small integers
(template, party style, base, punctuation, one choice per slot it uses, rate), identical rows are
rendered once by jinja and the texts are spread back with an Arrow ``take``. Slots a template does
not use are zeroed first, so clauses that differ only in unused draws share one rendering.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jinja2
import jinja2.meta
import numpy as np
import pyarrow as pa

from synthetic.points.housing_clauses import rates
from synthetic.points.housing_clauses.schema import BASES, PARTIES, TEXT_FAMILIES

CONTRACT_SLOTS = ("S", "B", "base", "rate")
# Punctuation styles: as written; half-width commas, semicolons, colons and brackets; a final
# semicolon instead of the full stop (as clauses read inside a numbered list).
_HALF_WIDTH = str.maketrans("，；：（）", ",;:()")
PUNCTUATION_STYLES = 3
RATE_FORMS_MAX = 16        # rate key = units * RATE_FORMS_MAX + form


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


def punctuate(text: str, style: int) -> str:
    if style == 1:
        return text.translate(_HALF_WIDTH)
    if style == 2 and text.endswith("。"):
        return text[:-1] + "；"
    return text


@dataclass(frozen=True)
class Renderer:
    """One template set compiled: templates numbered family by family."""

    template_set: str
    templates: tuple[jinja2.Template, ...]
    offsets: dict[str, int]          # family -> id of its first template
    counts: dict[str, int]           # family -> number of templates
    uses: np.ndarray                 # (templates, slots + contract slots) bool

    def render(self, template: np.ndarray, party: np.ndarray, base: np.ndarray,
               punct: np.ndarray, choice: np.ndarray, rate: np.ndarray) -> pa.Array:
        """The text of each clause row. ``choice`` is (rows, slots), an index into each slot's
        vocabulary; ``rate`` is ``units * RATE_FORMS_MAX + form`` (ignored where unused)."""
        uses = self.uses[template]
        n_slots = choice.shape[1]
        key = np.column_stack([
            template, np.where(uses[:, -4] | uses[:, -3], party, 0),
            np.where(uses[:, -2] | uses[:, -1], base, 0), punct,
            np.where(uses[:, :n_slots], choice, 0), np.where(uses[:, -1], rate, 0)])
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        texts = [self._one(row) for row in uniq.tolist()]
        return pa.array(texts, pa.string()).take(pa.array(inverse.reshape(-1)))

    def _one(self, row: list[int]) -> str:
        template, party, base, punct, *choice, rate = row
        vocab = slot_vocabularies()
        context = {name: values[i] for (name, values), i in zip(vocab.items(), choice)}
        seller, buyer = PARTIES[party]
        units, form = divmod(rate, RATE_FORMS_MAX)
        context.update(S=seller, B=buyer, base=BASES[base],
                       rate=rates.phrase(units, form, BASES[base], self.template_set))
        return punctuate(self.templates[template].render(context), punct)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                              keep_trailing_newline=False)


def variables(source: str) -> set[str]:
    """The slots a template source names."""
    return jinja2.meta.find_undeclared_variables(_environment().parse(source))


@cache
def renderer(template_set: str) -> Renderer:
    """The compiled templates of ``"default"`` or ``"heldout"``."""
    if template_set not in rates.FORMS:
        raise ValueError(f"template_set must be one of {', '.join(rates.FORMS)}; "
                         f"got {template_set!r}")
    env, sources = _environment(), template_sources(template_set)
    names = (*slot_vocabularies(), *CONTRACT_SLOTS)
    flat = [s for family in sources.values() for s in family]
    unknown = {v for s in flat for v in variables(s)} - set(names)
    if unknown:
        raise ValueError(f"template set {template_set!r} names unknown slots {sorted(unknown)}")
    uses = np.array([[name in variables(s) for name in names] for s in flat], dtype=bool)
    offsets, counts, at = {}, {}, 0
    for family, family_sources in sources.items():
        offsets[family], counts[family] = at, len(family_sources)
        at += len(family_sources)
    return Renderer(template_set, tuple(env.from_string(s) for s in flat), offsets, counts, uses)
