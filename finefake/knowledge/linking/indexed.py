"""The offline linker over a ``build-kb`` index: millions of entities, looked up on disk as they are needed.

:class:`IndexedLinker` is :class:`~finefake.knowledge.linking.local.LocalLinker` with its in-memory tables
(surface index, kinds, IDF, profiles, entities) replaced by read-only views of ``index.sqlite`` with LRU
caches, so rho is computed by the very same code. Only the set of lookup keys is held in memory.

Mentions come from spaCy NER as in the local linker (``ner=True``), or, much faster, from the index itself
(``ner=False``): the longest run of up to five words that starts with a capital letter (or is all caps) and is
a label or alias of some entity; single stop words never count. That mode needs no language model and links
hundreds of real-length texts per second; NER labels are then unknown, so the type factor is neutral.
"""

from __future__ import annotations

import dataclasses
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError
from finefake.knowledge.linking.base import Candidate
from finefake.knowledge.linking.local import (
    STOPWORDS,
    LocalLinker,
    LocalLinkerConfig,
    load_priors,
    tokens,
)

_WORD = re.compile(r"[^\W_][\w'’.&-]*")
_DOTS = re.compile(r"[.,]")
MAX_WORDS = 5


@dataclass(frozen=True)
class IndexedEntity:
    label: str
    description: str
    kind: str | None
    vector: dict[str, float]


class KbIndex:
    """Read-only access to ``index.sqlite`` (see :mod:`finefake.knowledge.kb`)."""

    def __init__(self, path: str | Path, *, cache_size: int = 200_000):
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / "index.sqlite"
        if not self.path.is_file():
            raise FinefakeError(
                f"knowledge index not found: {self.path} (build it with `finefake knowledge build-kb`)"
            )
        self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self.db.execute("PRAGMA mmap_size = 1073741824")  # page reads become memory reads
        self.db.execute("PRAGMA cache_size = -131072")  # 128 MB of page cache
        meta = dict(self.db.execute("SELECT k, v FROM meta"))
        if meta.get("finished") != "1":
            raise FinefakeError(
                f"knowledge index {self.path} is unfinished: run build-kb again to complete it"
            )
        self.idf_unknown = float(meta["idf_unknown"])
        self.entity = lru_cache(maxsize=cache_size)(self._entity)
        self.candidates = lru_cache(maxsize=cache_size)(self._candidates)
        self._idf: dict[str, float] = {}

    def keys(self) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT DISTINCT key FROM surface")}

    def _candidates(self, key: str) -> tuple[tuple[str, str, float], ...]:
        return tuple(self.db.execute("SELECT qid, exact, weight FROM surface WHERE key = ?", (key,)))

    def _entity(self, qid: str) -> IndexedEntity | None:
        row = self.db.execute(
            "SELECT label, description, kind, vector FROM entity WHERE qid = ?", (qid,)
        ).fetchone()
        if row is None:
            return None
        vector = {}
        for item in (row[3] or "").split():
            token, weight = item.rsplit(":", 1)
            vector[token] = float(weight)
        return IndexedEntity(row[0], row[1] or "", row[2], vector)

    def idf(self, words: Iterable[str]) -> dict[str, float]:
        missing = [w for w in set(words) if w not in self._idf]
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            found = dict(
                self.db.execute(
                    f"SELECT token, value FROM idf WHERE token IN ({','.join('?' * len(chunk))})", chunk
                )
            )
            for w in chunk:
                self._idf[w] = found.get(w, self.idf_unknown)
        if len(self._idf) > 1_000_000:
            self._idf.clear()
        return self._idf


class _View:
    """A dict-like window on the index, for the :class:`LocalLinker` code that reads its tables."""

    def __init__(self, get):
        self._get = get

    def get(self, key, default=None):
        value = self._get(key)
        return default if value is None else value

    def __getitem__(self, key):
        value = self._get(key)
        if value is None:
            raise KeyError(key)
        return value


class IndexedLinker(LocalLinker):
    """:class:`LocalLinker` over a ``build-kb`` index (see the module docstring)."""

    name = "local"

    def __init__(
        self,
        index: KbIndex | str | Path,
        config: LocalLinkerConfig | None = None,
        *,
        ner: bool = True,
        nlp: Any = None,
        priors: dict[str, dict[str, float]] | None = None,
    ):
        self.index = index if isinstance(index, KbIndex) else KbIndex(index)
        # no phrase matcher over millions of names: mentions come from NER or from name_mentions()
        self.config = dataclasses.replace(config or LocalLinkerConfig(), gazetteer=False)
        self.ner = ner
        self._nlp, self._matcher = nlp, None
        self.priors = load_priors() if priors is None else priors
        self._keys = self.index.keys()
        self.entities = _View(self.index.entity)
        self._kinds = _View(lambda q: (self.index.entity(q) or _NONE).kind)
        self._profiles = _View(lambda q: (self.index.entity(q) or _NONE).vector)
        self._index = _View(lambda key: list(self.index.candidates(key)) if key in self._keys else None)
        self._idf: dict[str, float] = {}
        self._idf_for: Counter[str] | None = None
        self._norms: dict[frozenset[str], float] = {}
        self._idf_unknown = self.index.idf_unknown

    def _fit(self, qid: str, context: Counter[str], exclude: set[str]) -> float:
        """:meth:`LocalLinker._fit`, walking the entity's short profile instead of the whole text.

        Same cosine: the text's norm (without the mention's words) is computed once per text and mention.
        """
        if context is not self._idf_for:  # the IDF of a text's words is fetched once per text
            self._idf, self._idf_for = self.index.idf(context.keys()), context
            self._norms = {}
        key = frozenset(exclude)
        norm2 = self._norms.get(key)
        if norm2 is None:
            norm2 = sum(
                (c * self._idf.get(t, self._idf_unknown)) ** 2 for t, c in context.items() if t not in exclude
            )
            self._norms[key] = norm2
        if not norm2:
            return 0.0
        profile = self._profiles.get(qid, {})
        dot = sum(
            w * context[t] * self._idf.get(t, self._idf_unknown)
            for t, w in profile.items()
            if t in context and t not in exclude
        )
        return dot / math.sqrt(norm2)

    def name_mentions(self, text: str) -> list[tuple[int, int]]:
        """Longest runs of up to five words, starting capitalised, that are a name in the index."""
        words = []
        for m in _WORD.finditer(text):
            word, end = m.group(), m.end()
            if word.endswith(".") and word.count(".") == 1 and len(word) > 2:
                word, end = word[:-1], end - 1  # a sentence's full stop, not an initial ("U.S.", "J.")
            words.append((m.start(), end, word, _DOTS.sub("", word.casefold())))
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            first = words[i][2]
            if not first[0].isupper():
                i += 1
                continue
            for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
                if n == 1 and first.lower() in STOPWORDS:
                    continue
                key = " ".join(w[3] for w in words[i : i + n] if w[3])
                if key in self._keys:
                    out.append((words[i][0], words[i + n - 1][1]))
                    i += n
                    break
            else:
                i += 1
        return out

    def link_many(self, texts: Iterable[str]) -> list[list[Candidate]]:
        if self.ner:
            return super().link_many(texts)
        out: list[list[Candidate]] = []
        for text in texts:
            context = Counter(tokens(text))
            found = []
            for start, end in self.name_mentions(text):
                surface = text[start:end]
                ranked = self.score(surface, None, context)
                if ranked:
                    qid, rho = ranked[0]
                    e = self.entities[qid]
                    found.append(Candidate(surface, start, end, qid, e.label, e.description, rho, None))
            out.append(found)
        return out


_NONE = IndexedEntity("", "", None, {})
