"""The dataset card (``README.md`` with Hugging Face YAML metadata) and the paper's Table-3 statistics.

``table3`` accepts final records (dicts with names) or a packaged ``Dataset``/``DatasetDict`` (class ids), so
``finefake stats`` and the card compute the same numbers the same way. The Croissant metadata written beside
the card is in :mod:`finefake.dataset.croissant` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from finefake.contract import PLATFORM_GROUPS, TOPICS
from finefake.dataset.croissant import CROISSANT_FIELDS as CROISSANT_FIELDS  # re-exported: its old path
from finefake.dataset.croissant import croissant_metadata as croissant_metadata
from finefake.dataset.croissant import dataset_croissant_fields as dataset_croissant_fields
from finefake.dataset.croissant import license_url as license_url

_GROUP_TITLES = {
    "fact_check": "Fact-check (Snopes)",
    "stream": "Stream (Twitter, Reddit)",
    "official": "Official (CNN, AP, CDC, NYT, WaPo)",
}


@dataclass
class StatsRow:
    """One line of Table 3: a topic or platform group (or the total)."""

    name: str
    total: int = 0
    real: int = 0
    fake: int = 0
    words: int = field(default=0, repr=False)
    entities: int = field(default=0, repr=False)

    @property
    def avg_words(self) -> float:
        return self.words / self.total if self.total else 0.0

    @property
    def avg_entities(self) -> float:
        return self.entities / self.total if self.total else 0.0

    def add(self, label: int, words: int, entities: int) -> None:
        self.total += 1
        self.real += label == 1
        self.fake += label == 0
        self.words += words
        self.entities += entities

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "total": self.total,
            "real": self.real,
            "fake": self.fake,
            "avg_words": round(self.avg_words, 2),
            "avg_entities": round(self.avg_entities, 2),
        }


@dataclass
class Table3:
    """Counts, real/fake and average words/entities per topic, per platform group, and overall."""

    by_topic: dict[str, StatsRow]
    by_group: dict[str, StatsRow]
    overall: StatsRow

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": [r.as_dict() for r in self.by_topic.values()],
            "platform_group": [r.as_dict() for r in self.by_group.values()],
            "overall": self.overall.as_dict(),
        }

    def markdown(self) -> str:
        """The statistics as a Markdown table shaped like the paper's Table 3."""
        lines = [
            "| | items | real | fake | avg. words | avg. entities |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]

        def line(title: str, row: StatsRow) -> str:
            return (
                f"| {title} | {row.total} | {row.real} | {row.fake} | {row.avg_words:.1f} | "
                f"{row.avg_entities:.2f} |"
            )

        lines += ["| **Topic** | | | | | |"] + [line(t.capitalize(), r) for t, r in self.by_topic.items()]
        lines += ["| **Platform group** | | | | | |"]
        lines += [line(_GROUP_TITLES.get(g, g), r) for g, r in self.by_group.items()]
        lines.append(line("**Total**", self.overall))
        return "\n".join(lines)


def _iter_dataset(dataset: Any) -> Iterator[tuple[str, str, int, int, int]]:
    """(topic, group, label, words, entities) per row of a packaged Dataset, reading only the needed columns."""
    import pyarrow.compute as pc

    features = dataset.features
    columns = ["topic", "platform_group", "label", "text", "entities"]
    table = dataset.select_columns(columns).with_format("arrow")
    for batch in table.iter(batch_size=4096):
        topics = [features["topic"].int2str(int(t)) for t in batch["topic"].to_pylist()]
        groups = [features["platform_group"].int2str(int(g)) for g in batch["platform_group"].to_pylist()]
        labels = batch["label"].to_pylist()
        texts = batch["text"].to_pylist()
        n_entities = pc.fill_null(pc.list_value_length(batch["entities"]), 0).to_pylist()
        for topic, group, label, text, ents in zip(topics, groups, labels, texts, n_entities, strict=True):
            yield topic, group, int(label), len((text or "").split()), int(ents)


def _iter_source(source: Any) -> Iterator[tuple[str, str, int, int, int]]:
    if hasattr(source, "features") and hasattr(source, "select_columns"):  # datasets.Dataset
        yield from _iter_dataset(source)
    elif hasattr(source, "values") and all(hasattr(v, "features") for v in source.values()):  # DatasetDict
        for split in source.values():
            yield from _iter_dataset(split)
    else:
        for record in source:
            yield (
                record["topic"],
                record["platform_group"],
                int(record["label"]),
                len((record.get("text") or "").split()),
                len(record.get("entities") or []),
            )


def table3(records_or_dataset: Iterable[dict[str, Any]] | Any) -> Table3:
    """Table-3 statistics of final records, a packaged ``Dataset`` or a ``DatasetDict`` (all splits).

    Words are whitespace-separated tokens of ``text``; entities are linked entities per item.
    """
    by_topic = {t: StatsRow(t) for t in TOPICS}
    by_group = {g: StatsRow(g) for g in PLATFORM_GROUPS}
    overall = StatsRow("total")
    # Sum per (topic, group, label) first: a handful of keys instead of three row updates per item.
    sums: dict[tuple[str, str, int], list[int]] = {}
    for topic, group, label, words, entities in _iter_source(records_or_dataset):
        acc = sums.get((topic, group, label))
        if acc is None:
            sums[topic, group, label] = [1, words, entities]
        else:
            acc[0] += 1
            acc[1] += words
            acc[2] += entities
    for (topic, group, label), (count, words, entities) in sums.items():
        for row in (by_topic[topic], by_group[group], overall):
            row.total += count
            row.real += count if label == 1 else 0
            row.fake += count if label == 0 else 0
            row.words += words
            row.entities += entities
    return Table3(by_topic, by_group, overall)


def size_category(n: int) -> str:
    """The Hugging Face ``size_categories`` bucket of ``n`` rows."""
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < limit:
            return name
    return "10M<n<100M"


def card_metadata(
    split_sizes: dict[str, int],
    *,
    license: str,
    parquet_dir: str = "parquet",
    pretty_name: str = "FineFake-style multimodal fake news",
) -> dict[str, Any]:
    """The YAML header of the card: license, language, tasks, size, configs/splits pointing at the Parquet."""
    return {
        "license": license,
        "language": ["en"],
        "pretty_name": pretty_name,
        "task_categories": ["text-classification", "image-classification"],
        "task_ids": ["fact-checking"],
        "tags": ["fake-news", "misinformation", "multimodal", "knowledge-graph", "wikidata"],
        "size_categories": [size_category(sum(split_sizes.values()))],
        "configs": [
            {
                "config_name": "default",
                "data_files": [
                    {"split": name, "path": f"{parquet_dir}/{name}-*.parquet"} for name in split_sizes
                ],
            }
        ],
        "dataset_info": {"splits": [{"name": name, "num_examples": n} for name, n in split_sizes.items()]},
    }


def render_card(
    stats: Table3,
    split_sizes: dict[str, int],
    *,
    license: str,
    seed: int,
    ratios: tuple[float, ...],
    missing_images: int = 0,
    pretty_name: str = "FineFake-style multimodal fake news",
) -> str:
    """The full ``README.md``: YAML front matter, description, splits, label encodings and Table 3."""
    from finefake import __version__
    from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES

    meta = yaml.safe_dump(
        card_metadata(split_sizes, license=license, pretty_name=pretty_name), sort_keys=False
    )
    splits = "\n".join(f"| {name} | {n} |" for name, n in split_sizes.items())
    ratio_text = ":".join(f"{r * 10:g}" for r in ratios)
    labels = ", ".join(f"{i} = {n}" for i, n in enumerate(LABEL_NAMES))
    fine = ", ".join(f"{i} = {n}" for i, n in enumerate(FINE_GRAINED_NAMES))
    missing = (
        f"\n{missing_images} item(s) have no lead image (`image` is null); their `images` list says "
        "what was recorded.\n"
        if missing_images
        else ""
    )
    return f"""---
{meta}---

# {pretty_name}

A multimodal (text + image), multi-domain (6 topics x 8 platforms), knowledge-enriched (Wikidata entities and
one-hop triples) and fine-grained (6 classes) fake-news dataset in the format of FineFake (Zhou et al., 2024),
packaged by finefake {__version__}.

## Loading

```python
from datasets import load_dataset, load_from_disk
ds = load_dataset("parquet", data_files={{"train": "parquet/train-*.parquet",
                                         "validation": "parquet/validation-*.parquet",
                                         "test": "parquet/test-*.parquet"}})
ds = load_from_disk("hf")  # the same rows, memory-mapped Arrow
```

## Splits

Stratified by binary label and platform at {ratio_text} (seed {seed}); near-duplicate clusters are kept inside
one split.

| split | items |
| --- | ---: |
{splits}
{missing}
## Labels

- `label` (binary): {labels}.
- `fine_grained_label`: {fine}.
- `topic`: {", ".join(TOPICS)}; `platform_group`: {", ".join(PLATFORM_GROUPS)}.

`image` holds the lead image; `images` lists every stored image (path, sha256, size). `metadata` is a JSON
string with provenance. `knowledge_embedding` is kept from imported releases (null otherwise).

## License and metadata

License: {license if license != "unknown" else "not given when packaging (set it with `finefake package --license ID` or `license:` in the config's `package:` section)"}.
`croissant.json` beside this card describes the files and columns in Croissant 1.0 (MLCommons).

## Statistics (as the paper's Table 3)

{stats.markdown()}
"""


# --- Imported datasets: the card names the source dataset, its citation, label spaces and official split ---


def label_counts(
    records: list[dict[str, Any]], split: dict[str, str], label_spaces: dict[str, tuple[str, ...]]
) -> dict[str, dict[str, dict[str, int]]]:
    """Items per class of each label space, per split: ``{space: {split: {class name: n}}}``."""
    counts: dict[str, dict[str, dict[str, int]]] = {space: {} for space in label_spaces}
    for record in records:
        part = split[record["id"]]
        for space, value in (record.get("labels") or {}).items():
            per = counts[space].setdefault(part, {c: 0 for c in label_spaces[space]})
            per[label_spaces[space][value]] += 1
    return counts


def render_dataset_card(
    spec: Any,
    source: Any,
    split_sizes: dict[str, int],
    counts: dict[str, dict[str, dict[str, int]]],
    layout: Any,
    *,
    official: list[str],
    license: str,
    missing_images: int = 0,
    pretty_name: str,
    imported: dict[str, Any] | None = None,
) -> str:
    """The ``README.md`` of a packaged import: YAML front matter, the source, splits, label spaces, columns.

    ``imported`` is the import's ``records/import_report.json``: the card says which edition/subset of the
    release it holds and with which label mapping, the whole release's official split sizes, the rows left
    out on purpose, and which modalities the items actually have.

    ``source`` is the importer's ``SourceInfo`` (citation, homepage, license as far as the importer knows);
    ``official`` names the splits the release itself defines, so the card tells them from parts finefake
    added (a validation part cut from the official training part, or a 6:2:2 split where none exists).
    """
    from finefake import __version__

    meta = card_metadata(split_sizes, license=license, pretty_name=pretty_name)
    meta["tags"] = ["fake-news", "misinformation", spec.name]
    if source is not None:
        meta["source_datasets"] = [source.homepage]
    header = yaml.safe_dump(meta, sort_keys=False)
    lines = ["| split | items | origin |", "| --- | ---: | --- |"]
    for name, n in split_sizes.items():
        if name in official:
            origin = "the release's own"
        elif "train" in official:
            origin = (
                "cut by finefake: 10% of the release's train part (stratified by label and platform, seed 0)"
            )
        else:
            origin = (
                "cut by finefake (stratified 6:2:2 by label and platform, seed 0): the release has no split"
            )
        lines.append(f"| {name} | {n} | {origin} |")
    spaces = []
    for space, names in spec.label_spaces.items():
        spaces.append(f"- `{space}`: " + ", ".join(f"{i} = {c}" for i, c in enumerate(names)) + ".")
        table = ["| class | " + " | ".join(split_sizes) + " |", "| --- |" + " ---: |" * len(split_sizes)]
        for index, name in enumerate(names):
            row = [str(counts.get(space, {}).get(part, {}).get(name, 0)) for part in split_sizes]
            table.append(f"| {index} {name} | " + " | ".join(row) + " |")
        spaces.append("\n" + "\n".join(table) + "\n")
    domains = ", ".join(f"`{k}`" for k in layout.domain_kinds) or "none"
    metadata = ", ".join(f"`{k}`" for k in layout.metadata_columns) or "none"
    missing = (
        f"\n{missing_images} item(s) name an image whose file is missing (`image` is null).\n"
        if missing_images
        else ""
    )
    release = _release_section(spec.name, imported or {})
    cite = f"{source.citation}\n\nRelease: {source.homepage}" if source is not None else spec.title
    terms = f" {source.terms}" if source is not None and source.terms else ""
    license_text = (
        license
        if license != "unknown"
        else "unknown: the release states none as far as finefake knows (set one with "
        "`finefake package --license ID` once you know it)"
    )
    return f"""---
{header}---

# {pretty_name}

{source.title if source is not None else spec.title}, imported from its release files by
`finefake import {spec.name}` and packaged by finefake
{__version__}. Not FineFake: the columns follow this dataset's own label spaces and domains.

## Source and citation

{cite}

## Loading

```python
from datasets import load_dataset, load_from_disk
ds = load_dataset("parquet", data_files={{{", ".join(f'"{n}": "parquet/{n}-*.parquet"' for n in split_sizes)}}})
ds = load_from_disk("hf")  # the same rows, memory-mapped Arrow
```

## Splits

`splits.json` (item id -> split) beside this card is the split file `finefake bench --splits` reuses;
`settings.json` gives the items of every setting of every task (each id once in `ids`, each part a
zlib-compressed, base64 bitset over them, most significant bit first; `finefake.benchmarks.specs.part_ids`
reads one).

{chr(10).join(lines)}
{missing}{release}
## Labels

`label` is the binary label in FineFake's encoding (0 = fake, 1 = real). The dataset's own label spaces:

{chr(10).join(spaces)}
## Columns

Domains: {domains} (strings). Metadata columns: {metadata}; the remaining metadata is the JSON string
`metadata`. `image` holds the lead image where the release has one; `images` lists every stored image.

## License

License: {license_text}.{terms}
`croissant.json` beside this card describes the files and columns in Croissant 1.0 (MLCommons).
"""


def _release_section(dataset: str, imported: dict[str, Any]) -> str:
    """The card's "What was imported" section: subset, label mapping, official counts, modalities."""
    from finefake.dataset.importers.common import official_counts
    from finefake.dataset.modalities import describe

    lines = []
    conditions = imported.get("conditions") or {}
    for key, name in (("edition", "Edition"), ("subset", "Subset"), ("label_mapping", "Label mapping")):
        if conditions.get(key):
            lines.append(f"- {name}: {conditions[key]}.")
    counts = official_counts(dataset, conditions)
    if counts:
        lines.append(f"- The whole release's official split: {counts}.")
    for reason, n in (imported.get("excluded") or {}).items():
        lines.append(f"- Left out on purpose: {n} ({reason}).")
    if "modalities" in imported:
        lines.append(f"- {describe(imported['modalities'], int(imported.get('written') or 0)).capitalize()}.")
    return ("\n## What was imported\n\n" + "\n".join(lines) + "\n") if lines else ""
