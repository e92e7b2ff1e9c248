"""``finefake package``: final records (stage ``records``) -> a Hugging Face ``DatasetDict`` (stage ``dataset``).

Output, all under ``<workspace>/dataset/``::

    hf/                               DatasetDict.save_to_disk (memory-mapped Arrow)
    parquet/<split>-NNNNN-of-MMMMM.parquet   the same rows as Parquet shards (features in the schema metadata)
    README.md                         dataset card: YAML metadata + Table-3 statistics
    splits.json                       item id -> split, for stages that split raw records the same way
    manifest.json                     what this run did

Records of an imported dataset (``finefake import mediaeval|fakenewsnet|liar|fakeddit``) are packaged with
features of that dataset's own spec (its label spaces as ClassLabels, its domains and metadata columns), the
split its import published, and a card naming the source dataset; FineFake records as below.

Everything is built in a temporary folder and swapped in at the end, so a failed run leaves the previous
package intact. Records are validated when they are written to a stage; here they are only re-validated when
asked to, or to name the culprit when Arrow rejects a row.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import math
import os
import shutil
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finefake.console import make_progress, track
from finefake.dataset.card import croissant_metadata, render_card, table3
from finefake.dataset.features import record_features, records_to_columns
from finefake.dataset.splits import DEFAULT_RATIOS, SPLIT_NAMES, package_split
from finefake.errors import FinefakeError
from finefake.records import iter_errors
from finefake.workspace import RunManifest, Workspace, atomic_write_json, atomic_write_text

FINEFAKE = "finefake"
OUTPUTS: tuple[str, ...] = ("hf", "parquet", "README.md", "croissant.json", "splits.json", "settings.json")


@dataclass
class PackageConfig:
    """How to package: split ratios and seed, card metadata, shard size, stages read and written."""

    seed: int = 0
    ratios: tuple[float, ...] = DEFAULT_RATIOS
    split_names: tuple[str, ...] = SPLIT_NAMES
    license: str = "unknown"
    pretty_name: str = "FineFake-style multimodal fake news"
    rows_per_shard: int = 5000
    validate: bool = False
    input_stage: str = "records"
    output_stage: str = "dataset"


@dataclass
class PackageReport:
    """What ``package`` wrote: sizes per split, items without a lead image, where the output lives."""

    total: int
    splits: dict[str, int]
    missing_images: int
    output: Path
    parquet_files: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def _quiet_datasets():
    """Silence datasets' own progress bars (ours are shown instead) and restore the previous setting."""
    import datasets

    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while hundreds of thousands of small dicts are built.

    Every few hundred new containers trigger a collection that walks all live records again, which more than
    doubled the time to read and convert 20,000 records; these dicts form no reference cycles, so nothing is
    lost by collecting once at the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_split(columns: dict[str, Any], records: list[dict[str, Any]], features, schema, name: str):
    """One split as a ``Dataset``, converted by Arrow directly from the typed columns.

    ``records_to_columns`` already encodes class ids and image structs, so Arrow's C++ conversion against the
    features' schema replaces ``Dataset.from_list``'s per-value Python encoding (several times faster).
    """
    import pyarrow as pa
    from datasets import Dataset, DatasetInfo, NamedSplit

    try:
        table = pa.Table.from_arrays([columns[column] for column in schema.names], schema=schema)
        # An explicit fingerprint spares datasets from hashing the whole table state with dill.
        digest = hashlib.sha256(name.encode())
        for item in columns["id"]:
            digest.update(item.encode())
        return Dataset(
            table,
            info=DatasetInfo(features=features),
            split=NamedSplit(name),
            fingerprint=digest.hexdigest()[:16],
        )
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
        # Arrow does not say which row broke; the schema check does.
        for record in records:
            for error in iter_errors("record", record):
                raise error from exc
        raise FinefakeError(f"cannot build the dataset from the records: {exc}") from exc


def _swap_in(build: Path, target: Path) -> None:
    """Move the finished outputs from ``build`` into ``target``, replacing the previous ones."""
    for name in OUTPUTS:
        new, old = build / name, target / name
        if not new.exists():
            continue
        trash = target / f".old-{name}-{uuid.uuid4().hex[:8]}"
        if old.exists():
            os.replace(old, trash)
        os.replace(new, old)
        if trash.is_dir():
            shutil.rmtree(trash, ignore_errors=True)
        elif trash.exists():
            trash.unlink()


def package(ws: Workspace, config: PackageConfig | None = None) -> PackageReport:
    """Package the final records of ``ws`` as a Hugging Face dataset (see the module docstring)."""
    config = config or PackageConfig()
    if len(config.ratios) != len(config.split_names):
        raise FinefakeError(f"{len(config.ratios)} split ratios for {len(config.split_names)} split names")
    if not ws.has_records(config.input_stage):
        raise FinefakeError(
            f"no records in {ws.root / config.input_stage}: run `finefake synthesize`, "
            "`finefake import finefake-release` or the annotation consensus first"
        )
    settings = asdict(config) | {"ratios": list(config.ratios), "split_names": list(config.split_names)}
    with ws.run(config.output_stage, inputs=[config.input_stage], config=settings) as run, _quiet_datasets():
        # The records die with _build_package's frame, before the collector is back: it never walks them.
        with _gc_paused():
            return _build_package(ws, config, run)


def _read_records(ws: Workspace, stage: str, kind: str | None) -> list[dict[str, Any]]:
    """All records of ``stage``, with a progress bar advanced per thousand (not per record)."""
    records: list[dict[str, Any]] = []
    stream = ws.read(stage, kind)
    with make_progress() as progress:
        task = progress.add_task("reading records", total=None)
        while batch := list(itertools.islice(stream, 1000)):
            records += batch
            progress.advance(task, len(batch))
    return records


def _without_unverdicted(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Records whose fact-check rating has a verdict, and how many were left out (excluded / unmapped rating).

    A rating the YAML table marks "excluded" has no true/false verdict; one it does not name at all cannot
    vouch for any label. Records without a fact-check rating are kept.
    """
    from finefake.contract import rating_verdict

    kept, left_out = [], Counter()
    for record in records:
        verdict = rating_verdict((record.get("fact_check") or {}).get("rating"))
        if verdict in ("excluded", "unmapped"):
            left_out[
                "excluded_no_verdict_rating" if verdict == "excluded" else "excluded_unmapped_rating"
            ] += 1
        else:
            kept.append(record)
    return kept, {"excluded_no_verdict_rating": 0, "excluded_unmapped_rating": 0} | dict(left_out)


def _build_package(ws: Workspace, config: PackageConfig, run: RunManifest) -> PackageReport:
    """The body of ``package``, run inside its manifest and with the collector paused."""
    kind = "record" if config.validate else None
    records = _read_records(ws, config.input_stage, kind)
    records, excluded = _without_unverdicted(records)
    duplicates = [i for i, c in Counter(r.get("id") for r in records).items() if c > 1]
    if duplicates:
        raise FinefakeError(
            f"{len(duplicates)} duplicate record id(s) in {config.input_stage}, e.g. {duplicates[0]!r}"
        )
    dataset_name = _dataset_of(records)
    if dataset_name != FINEFAKE:
        return _build_imported_package(ws, config, run, records, dataset_name, excluded)
    assignment = package_split(records, config.ratios, config.seed)
    features = record_features()
    per_split: list[list[dict[str, Any]]] = [[] for _ in config.split_names]
    for record, split in zip(records, assignment, strict=True):
        per_split[split].append(record)

    stage_dir = ws.stage_dir(config.output_stage)
    build = stage_dir / f".build-{uuid.uuid4().hex[:8]}"
    build.mkdir(parents=True)
    try:
        from datasets import DatasetDict

        schema = features.arrow_schema
        missing_images = 0
        splits = {}
        for name, split_records in track(
            list(zip(config.split_names, per_split, strict=True)), "converting splits"
        ):
            columns = records_to_columns(split_records, ws.root)
            missing_images += columns["image"].null_count
            splits[name] = _build_split(columns, split_records, features, schema, name)
            del columns
        dataset = DatasetDict(splits)
        tables = {name: split.data.table for name, split in dataset.items()}
        # Parquet encoding runs in Arrow's C++ without the GIL, so a second thread overlaps it with
        # save_to_disk and the statistics; leaving the ``with`` waits for it, also on errors.
        with ThreadPoolExecutor(max_workers=1) as pool:
            parquet = pool.submit(
                _write_parquet, tables, schema.metadata, build / "parquet", config.rows_per_shard
            )
            dataset.save_to_disk(str(build / "hf"))
            stats = table3(records)
            parquet_files = parquet.result()
        sizes = {name: len(ds) for name, ds in dataset.items()}
        atomic_write_text(
            build / "README.md",
            render_card(
                stats,
                sizes,
                license=config.license,
                seed=config.seed,
                ratios=tuple(config.ratios),
                missing_images=missing_images,
                pretty_name=config.pretty_name,
            ),
        )
        atomic_write_json(
            build / "croissant.json",
            croissant_metadata(sizes, license=config.license, pretty_name=config.pretty_name),
        )
        published = {r["id"]: config.split_names[s] for r, s in zip(records, assignment, strict=True)}
        atomic_write_json(build / "splits.json", published)
        from finefake.benchmarks.specs import write_settings_file

        write_settings_file(build / "settings.json", "finefake", records, published, "splits.json")
        _swap_in(build, stage_dir)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    run.counts.update({"records": len(records), "missing_images": missing_images, **sizes, **excluded})
    run.extra["table3"] = stats.as_dict()
    return PackageReport(
        len(records), sizes, missing_images, stage_dir, parquet_files, stats.as_dict(), excluded
    )


def _dataset_of(records: list[dict[str, Any]]) -> str:
    """The one dataset the records belong to (``finefake`` for FineFake's own); mixing is an error."""
    names = Counter(r.get("dataset") or FINEFAKE for r in records)
    if len(names) > 1:
        (first, n), (second, m) = names.most_common(2)
        raise FinefakeError(
            f"the records mix datasets ({first}: {n}, {second}: {m}); package one dataset per workspace"
        )
    return next(iter(names), FINEFAKE)


def _build_imported_package(
    ws: Workspace,
    config: PackageConfig,
    run: RunManifest,
    records: list[dict[str, Any]],
    dataset_name: str,
    excluded: dict[str, int],
) -> PackageReport:
    """Package an imported dataset (MediaEval, FakeNewsNet, LIAR, Fakeddit) with features of its own spec.

    The split is the import's (``benchmark_split``): the release's official split, never re-cut, completed
    the documented way where the release lacks a part; so ``dataset/splits.json`` equals the
    ``records/splits.json`` the import wrote, and ``bench`` gives the same numbers before and after packaging.
    """
    from datasets import DatasetDict

    from finefake.benchmarks.specs import write_settings_file
    from finefake.dataset.card import (
        croissant_metadata,
        dataset_croissant_fields,
        label_counts,
        render_dataset_card,
    )
    from finefake.dataset.importers.common import benchmark_split, source_info, split_stratum
    from finefake.dataset.layout import DatasetLayout
    from finefake.dataset.specs import load_spec

    if tuple(config.ratios) != DEFAULT_RATIOS or config.seed != 0:
        raise FinefakeError(
            f"{dataset_name} keeps the split its import published (records/splits.json): "
            "drop --splits/--seed (they re-cut FineFake records only)"
        )
    spec = load_spec(dataset_name)
    source = source_info(dataset_name)
    layout = DatasetLayout.of(spec, records)
    features = layout.features()
    published = benchmark_split({r["id"]: split_stratum(r) for r in records})
    names = [name for name in config.split_names if name in set(published.values())]
    unknown = set(published.values()) - set(names)
    if unknown:
        raise FinefakeError(f"split(s) {sorted(unknown)} are not among the package's {config.split_names}")
    per_split = {name: [r for r in records if published[r["id"]] == name] for name in names}
    license = config.license if config.license != "unknown" else (source.license if source else "unknown")
    pretty_name = spec.title if config.pretty_name == PackageConfig.pretty_name else config.pretty_name
    stage_dir = ws.stage_dir(config.output_stage)
    build = stage_dir / f".build-{uuid.uuid4().hex[:8]}"
    build.mkdir(parents=True)
    try:
        schema = features.arrow_schema
        missing_images, splits = 0, {}
        for name, split_records in track(list(per_split.items()), "converting splits"):
            columns = layout.columns(split_records, ws.root)
            missing_images += sum(
                1
                for r, gone in zip(split_records, columns["image"].is_null().to_pylist(), strict=True)
                if gone and r["images"]
            )
            splits[name] = _build_split(columns, split_records, features, schema, name)
        dataset = DatasetDict(splits)
        tables = {name: split.data.table for name, split in dataset.items()}
        parquet_files = _write_parquet(tables, schema.metadata, build / "parquet", config.rows_per_shard)
        dataset.save_to_disk(str(build / "hf"))
        sizes = {name: len(ds) for name, ds in dataset.items()}
        counts = label_counts(records, published, spec.label_spaces)
        official = sorted({r["split"] for r in records if r.get("split")})
        atomic_write_text(
            build / "README.md",
            render_dataset_card(
                spec,
                source,
                sizes,
                counts,
                layout,
                official=official,
                license=license,
                missing_images=missing_images,
                pretty_name=pretty_name,
                imported=_import_report(ws),
            ),
        )
        atomic_write_json(
            build / "croissant.json",
            croissant_metadata(
                sizes,
                license=license,
                pretty_name=pretty_name,
                description=f"{pretty_name}, imported and packaged by finefake; "
                f"{sum(sizes.values())} items in splits " + ", ".join(f"{k} ({v})" for k, v in sizes.items()),
                cite_as=source.citation if source else spec.title,
                fields=dataset_croissant_fields(spec, layout),
            ),
        )
        atomic_write_json(build / "splits.json", published)
        write_settings_file(build / "settings.json", dataset_name, records, published, "splits.json")
        _swap_in(build, stage_dir)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    run.counts.update({"records": len(records), "missing_images": missing_images, **sizes, **excluded})
    run.extra["dataset"] = dataset_name
    run.extra["label_counts"] = counts
    return PackageReport(len(records), sizes, missing_images, stage_dir, parquet_files, counts, excluded)


def _write_parquet(tables: dict[str, Any], metadata: dict, folder: Path, rows_per_shard: int) -> list[str]:
    """Write each split as ``<split>-NNNNN-of-MMMMM.parquet`` shards of at most ``rows_per_shard`` rows.

    ``metadata`` is the features' Arrow schema metadata (the ``huggingface`` key), which is how
    ``load_dataset("parquet")`` gets the ClassLabel names and the Image type back.
    """
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        table = table.replace_schema_metadata(metadata)
        rows = table.num_rows
        shards = max(1, math.ceil(rows / max(1, rows_per_shard)))
        size = math.ceil(rows / shards) if rows else 0
        for index in range(shards):
            path = folder / f"{name}-{index:05d}-of-{shards:05d}.parquet"
            pq.write_table(table.slice(index * size, size), str(path), row_group_size=1000)
            written.append(f"parquet/{path.name}")
    return written


def load_dataset_dir(path: str | Path, *, source: str = "auto", cache_dir: str | Path | None = None):
    """Load a packaged dataset folder (``<workspace>/dataset``) as a ``DatasetDict``.

    Args:
        path: the package folder (holding ``hf/`` and/or ``parquet/``), or the ``hf`` folder itself.
        source: ``"hf"`` (load_from_disk), ``"parquet"`` (load_dataset("parquet")) or ``"auto"`` (hf if there).
        cache_dir: where ``load_dataset`` may cache the Parquet conversion (default: datasets' own cache).
    """
    from datasets import DatasetDict, load_dataset, load_from_disk

    path = Path(path)
    if (path / "dataset_dict.json").is_file():
        return load_from_disk(str(path))
    if source in ("auto", "hf") and (path / "hf" / "dataset_dict.json").is_file():
        return load_from_disk(str(path / "hf"))
    parquet = path / "parquet"
    files = sorted(parquet.glob("*.parquet")) if source in ("auto", "parquet") else []
    if not files:
        raise FinefakeError(f"no packaged dataset in {path}: run `finefake package` first")
    data_files: dict[str, list[str]] = {}
    for file in files:
        data_files.setdefault(file.name.split("-")[0], []).append(str(file))
    kwargs = {"cache_dir": str(cache_dir)} if cache_dir else {}
    loaded = load_dataset("parquet", data_files=data_files, **kwargs)
    return DatasetDict(dict(loaded.items()))


def split_assignment(path: str | Path) -> dict[str, str]:
    """The ``id -> split`` map written next to a package (``splits.json``)."""
    return json.loads((Path(path) / "splits.json").read_text(encoding="utf-8"))


def _import_report(ws: Workspace) -> dict[str, Any]:
    """The import's ``records/import_report.json`` (empty where there is none or it is unreadable)."""
    path = ws.stage_dir("records") / "import_report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        return {}
