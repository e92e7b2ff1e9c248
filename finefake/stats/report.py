"""``finefake stats``: the analysis of section 4 of the FineFake paper on a packaged dataset.

Reads a package written by ``finefake package`` (or by the FineFake release importer followed by ``package``)
and writes, into the output folder::

    stats.json        every number below (Table 3, proportions, distributions, top words/entities, emotions)
    table3.md         Table 3: items, real, fake, average words and entities per topic and platform group
    figures/*.png     top words per domain, emotion tendency per domain (real vs fake), fine-grained label and
                      topic proportions, entity-count distribution (real vs fake), most frequent entities
    report.md         a Markdown report embedding the figures

Only the text, label and entity columns are read (images are never decoded), so it runs on large releases.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.contract import APPENDED_PLATFORMS, FINE_GRAINED_NAMES, LABEL_NAMES, PLATFORMS, TOPICS
from finefake.errors import FinefakeError
from finefake.stats import figures
from finefake.stats.emotion import EMOTIONS, lexicon_scores, tokens
from finefake.workspace import atomic_write_json, atomic_write_text

#: Words left out of the per-domain words: scikit-learn's English stop words plus news boilerplate of our own.
NEWS_WORDS = frozenset(
    "said says say told according reported reports report reporting new one two three week weeks year years "
    "people city monday tuesday wednesday thursday friday saturday sunday last named just also like get got "
    "make made time day days way going know think image photo video post posted shared claim claimed".split()
)


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | NEWS_WORDS | {"it's", "don't", "didn't", "can't", "won't"}


COLUMNS = ["platform", "platform_group", "topic", "label", "fine_grained_label", "text", "entities"]


@dataclass
class StatsConfig:
    """What to compute: how many top words/entities, and an optional local emotion model."""

    top_words: int = 12
    min_word_count: int = 3
    """Words seen fewer times in a domain are never shown as distinctive of it (too little evidence)."""
    top_entities: int = 20
    emotion_model: str | None = None
    batch_size: int = 2048


@dataclass
class StatsReport:
    """What ``write_stats`` produced."""

    stats: dict[str, Any]
    out_dir: Path
    figures: dict[str, Path] = field(default_factory=dict)
    report: Path | None = None


def _rows(dataset: Any, batch_size: int):
    """(platform, group, topic, label, fine, text, entities) for every row of every split, by name."""
    splits = dataset.values() if hasattr(dataset, "values") else [dataset]
    for split in splits:
        features = split.features
        missing = [c for c in COLUMNS if c not in features]
        if missing:
            raise FinefakeError(
                f"the dataset lacks column(s) {', '.join(missing)}: is it a finefake package?"
            )
        names = {
            c: features[c].int2str
            for c in ("platform", "platform_group", "topic", "label", "fine_grained_label")
            if hasattr(features[c], "int2str")
        }
        for batch in split.select_columns(COLUMNS).iter(batch_size=batch_size):
            for i in range(len(batch["text"])):
                row = {c: batch[c][i] for c in COLUMNS}
                for column, to_name in names.items():
                    row[column] = to_name(int(row[column]))
                yield row


def _label_name(value: Any) -> str:
    return value if isinstance(value, str) else LABEL_NAMES[int(value)]


def compute_stats(dataset: Any, config: StatsConfig | None = None) -> dict[str, Any]:
    """Every number of the report from a ``Dataset`` or ``DatasetDict`` (no files written)."""
    from finefake.dataset.card import table3

    config = config or StatsConfig()
    words: dict[str, Counter[str]] = defaultdict(Counter)
    emotion_sum: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    emotion_n: dict[str, Counter[str]] = defaultdict(Counter)
    fine, topics, platforms = Counter(), Counter(), Counter()
    entity_dist: dict[str, Counter[int]] = {"real": Counter(), "fake": Counter()}
    entity_items: Counter[str] = Counter()
    entity_names: dict[str, str] = {}
    texts_for_model: list[tuple[str, str, str]] = []
    n = 0
    stopwords = _stopwords()
    for row in _rows(dataset, config.batch_size):
        n += 1
        topic, label = row["topic"], _label_name(row["label"])
        fine[row["fine_grained_label"]] += 1
        topics[topic] += 1
        platforms[row["platform"]] += 1
        toks = tokens(row["text"])
        words[topic].update(t for t in toks if t not in stopwords and len(t) > 2 and not t.isdigit())
        if config.emotion_model:
            texts_for_model.append((topic, label, row["text"] or ""))
        else:
            for emotion, score in lexicon_scores(row["text"] or "").items():
                emotion_sum[topic][label][emotion] += score
        emotion_n[topic][label] += 1
        entities = row["entities"] or []
        entity_dist[label][len(entities)] += 1
        for qid in {e["qid"] for e in entities if e.get("qid")}:
            entity_items[qid] += 1
        for e in entities:
            if e.get("qid"):
                entity_names.setdefault(e["qid"], e.get("label") or e["qid"])
    if n == 0:
        raise FinefakeError("the dataset has no rows")
    emotions = list(EMOTIONS)
    if config.emotion_model:
        from finefake.stats.emotion import TransformersEmotionScorer

        scorer = TransformersEmotionScorer(config.emotion_model)
        emotions = scorer.labels
        for (topic, label, _), scores in zip(
            texts_for_model, scorer.scores(t for *_, t in texts_for_model), strict=True
        ):
            for emotion, score in scores.items():
                emotion_sum[topic][label][emotion] += score
    emotion_mean = {
        topic: {
            label: {e: emotion_sum[topic][label][e] / emotion_n[topic][label] for e in emotions}
            for label in ("real", "fake")
            if emotion_n[topic][label]
        }
        for topic in TOPICS
        if topic in emotion_n
    }
    return {
        "items": n,
        "table3": table3(dataset).as_dict(),
        "fine_grained": {name: fine.get(name, 0) for name in FINE_GRAINED_NAMES},
        "topics": {t: topics.get(t, 0) for t in TOPICS},
        # the release's eight always; an appended fact-check platform when the dataset holds it
        "platforms": {p: platforms.get(p, 0) for p in PLATFORMS}
        | {p: platforms[p] for p in APPENDED_PLATFORMS if platforms[p]},
        "entity_counts": {
            label: {str(k): v for k, v in sorted(c.items())} for label, c in entity_dist.items()
        },
        "top_entities": [
            {"qid": q, "label": entity_names[q], "items": c}
            for q, c in entity_items.most_common(config.top_entities)
        ],
        "top_words": distinctive_words(
            {t: words[t] for t in TOPICS if t in words}, config.top_words, config.min_word_count
        ),
        "emotion": {"scorer": config.emotion_model or "lexicon", "emotions": emotions, "mean": emotion_mean},
    }


def distinctive_words(
    counts: dict[str, Counter[str]], top: int, min_count: int = 3
) -> dict[str, list[tuple[str, int, float]]]:
    """Per domain, the ``top`` words that most distinguish it from the other domains: (word, count, z).

    Frequency alone ranks the same generic words first in every domain. The weighted log-odds ratio with an
    informative Dirichlet prior (Monroe, Colaresi and Quinn, 2008, "Fightin' Words") compares a word's use in a
    domain with its use in all the others and divides by its standard error, so a word is ranked high only
    when the difference is large and well supported; this is what the paper's Figure 2a means to show.
    """
    import math

    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    n_all = sum(total.values())
    alpha0 = 0.01 * n_all or 1.0  # prior strength: 1% of the corpus, shaped like the corpus
    out: dict[str, list[tuple[str, int, float]]] = {}
    for domain, c in counts.items():
        n_i, n_j = sum(c.values()), n_all - sum(c.values())
        scored = []
        for word, y_i in c.items():
            if y_i < min_count:
                continue
            a_w = alpha0 * total[word] / n_all
            y_j = total[word] - y_i
            delta = math.log((y_i + a_w) / (n_i + alpha0 - y_i - a_w)) - math.log(
                (y_j + a_w) / (n_j + alpha0 - y_j - a_w)
            )
            z = delta / math.sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))
            if z > 0:
                scored.append((word, y_i, round(z, 3)))
        out[domain] = sorted(scored, key=lambda s: (-s[2], s[0]))[:top]
    return out


def load_package(path: str | Path):
    """Load a packaged dataset folder (``<workspace>/dataset`` or its ``hf`` folder) as a ``DatasetDict``."""
    from finefake.dataset.package import load_dataset_dir

    path = Path(path)
    if not path.exists():
        raise FinefakeError(f"no dataset at {path}")
    return load_dataset_dir(path)


def _markdown(stats: dict[str, Any], figs: dict[str, Path], out_dir: Path, source: str) -> str:
    from finefake.dataset.card import StatsRow, Table3

    def rows(entries: list[dict[str, Any]]) -> dict[str, StatsRow]:
        out = {}
        for e in entries:
            row = StatsRow(e["name"], e["total"], e["real"], e["fake"])
            row.words, row.entities = (
                round(e["avg_words"] * e["total"]),
                round(e["avg_entities"] * e["total"]),
            )
            out[e["name"]] = row
        return out

    t3 = stats["table3"]
    overall = rows([t3["overall"]])[t3["overall"]["name"]]
    table = Table3(rows(t3["topic"]), rows(t3["platform_group"]), overall).markdown()
    rel = {k: p.relative_to(out_dir).as_posix() for k, p in figs.items()}
    entities = "\n".join(f"| {e['label']} | {e['qid']} | {e['items']} |" for e in stats["top_entities"])
    return f"""# Dataset statistics

Source: `{source}` — {stats["items"]} items. Emotion scorer: {stats["emotion"]["scorer"]}.

## Table 3

{table}

## Fine-grained labels and topics

![fine-grained label proportions]({rel["fine_grained"]})

![topic proportions]({rel["topics"]})

## Words per domain

The words that most distinguish each topic from the others (weighted log-odds z-score with an informative
Dirichlet prior; stop words removed).

![distinctive words per domain]({rel["top_words"]})

## Emotion tendency (real vs fake)

![emotion tendency per domain]({rel["emotion"]})

## Entities

![entity counts real vs fake]({rel["entity_counts"]})

![most frequent entities]({rel["top_entities"]})

| entity | Wikidata | items |
| --- | --- | ---: |
{entities}
"""


def write_stats(
    dataset_path: str | Path, out_dir: str | Path, config: StatsConfig | None = None
) -> StatsReport:
    """Compute the statistics of a packaged dataset and write JSON, Table 3, figures and the Markdown report."""
    config = config or StatsConfig()
    dataset = load_package(dataset_path)
    stats = compute_stats(dataset, config)
    out = Path(out_dir)
    fig_dir = out / "figures"
    figs = {
        "top_words": figures.top_words(stats["top_words"], fig_dir / "top_words.png"),
        "emotion": figures.emotion(
            stats["emotion"]["mean"], stats["emotion"]["emotions"], fig_dir / "emotion.png"
        ),
        "fine_grained": figures.proportions(
            stats["fine_grained"], "Fine-grained labels", fig_dir / "fine_grained.png", fake_classes=True
        ),
        "topics": figures.proportions(stats["topics"], "Topics", fig_dir / "topics.png"),
        "entity_counts": figures.entity_counts(
            {k: {int(n): c for n, c in v.items()} for k, v in stats["entity_counts"].items()},
            fig_dir / "entity_counts.png",
        ),
        "top_entities": figures.top_entities(
            [(e["label"], e["items"]) for e in stats["top_entities"]], fig_dir / "top_entities.png"
        ),
    }
    atomic_write_json(out / "stats.json", stats)
    markdown = _markdown(stats, figs, out, str(dataset_path))
    atomic_write_text(out / "table3.md", markdown.split("## Table 3\n\n", 1)[1].split("\n\n## ", 1)[0] + "\n")
    report = atomic_write_text(out / "report.md", markdown)
    return StatsReport(stats, out, figs, report)
