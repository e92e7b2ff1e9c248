"""``finefake clean --engine ray``: the clean stage as mapped shards and key shuffles on a Ray cluster.

The plan (every rule comes from :mod:`finefake.clean.filters`, :mod:`finefake.clean.stage` and
:mod:`finefake.clean.dedup`, so the output is the local engine's, byte for byte):

1. **Filter blocks** (the engine driver, ``finefake.engines.run_stage``, one crawl shard per batch): each Ray
   worker holds one language model and one image checker (:class:`ShardFilters`), parses its shard, runs the
   filters and the image checks (images are read from the workspace's image store, on the shared
   filesystem), and computes the MinHash signature, text digest and lead-image pHash of every survivor. The result is a Parquet block checkpoint under
   ``clean/ray-checkpoint/<config key>/``, named by the SHA-1 of the shard's bytes: a restarted run reuses
   every block that was finished.
2. **Shuffles on keys** (:mod:`finefake.clean.ray_shuffle`; Ray tasks, hash-partitioned numpy arrays,
   sorted and grouped in the reducers): item ids (a repeated id is dropped after its first occurrence), text digests (exact duplicates), LSH band keys
   ``(band, band hash values)`` with datasketch's (bands, rows) (near-duplicate candidates), pHash band keys
   (pHash neighbours), and pHash values with their neighbours (the image candidates of each item).
3. **On the driver**: the signatures of the candidate items only (few: they grow with the duplicates, not
   with the items) verify the candidate pairs; union-find over the verified edges gives the clusters. Edges
   and clustered items are what remain of the corpus at this point, so the driver's memory grows with the
   duplicates.
4. **Write** (Ray tasks, one per shard): the kept items of each shard, serialised as news_item lines; then
   one task per output shard copies its line ranges into it, cut where the local engine's writer cuts, and
   the new shards replace the old ones at once. The driver writes the same report.

Positions are ``shard rank << 32 | line``: the same order as the local engine's reading order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from finefake.clean.config import CleanConfig, check_config
from finefake.clean.dedup import (
    EXACT,
    Member,
    components,
    edge_kind,
    lsh_params,
    resolve_clusters,
    signatures,
    similar,
    text_digest,
)
from finefake.clean.filters import (
    ImageChecker,
    LanguageId,
    check_shape,
    filter_item,
    news_item,
    normalize_text,
)
from finefake.clean.ray_shuffle import pairs_of, read_block, shuffle, sig_matrix
from finefake.clean.stage import STAGE, CleanReport, build_report, finish, input_stages
from finefake.engine import EngineConfig
from finefake.engines import open_mapper, run_stage
from finefake.errors import FinefakeError
from finefake.records import RecordError, check_categories, validate
from finefake.workspace import Workspace, atomic_write_bytes, atomic_write_text, read_jsonl, record_line

log = logging.getLogger(__name__)

CHECKPOINTS = "ray-checkpoint"
_NO_PHASH = -1


def _config_key(config: CleanConfig) -> str:
    """What a block checkpoint depends on besides its shard's bytes: the whole config (stages aside)."""
    values = {k: v for k, v in sorted(config.__dict__.items()) if k != "stages"}
    return hashlib.sha1(json.dumps(values, default=str).encode()).hexdigest()[:16]


# --- 1. filter blocks -------------------------------------------------------------------------------------


def _as_int64(value: int) -> int:
    """A 64-bit pHash as the int64 with the same bits (Arrow and numpy columns are signed)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def filter_block(path: Path, lang: Any, images: ImageChecker, config: CleanConfig) -> Any:
    """One crawl shard -> a table with one row per record: the filter outcome and, for survivors, what the
    duplicate rules and the writer need (the repeated-id test is left to the id shuffle)."""
    import pyarrow as pa

    rows: dict[str, list[Any]] = defaultdict(list)
    tokens: list[list[str]] = []
    for item in read_jsonl(path):
        check_categories(item)
        check_shape(item)
        before = images.rejections.copy()
        reason, info = filter_item(item, set(), lang, images, config)
        keep = reason is None
        usable = info["images"] if keep else []
        raw_images = item.get("images") or []
        rows["id"].append(item["id"])
        rows["platform"].append(item["platform"])
        rows["reason"].append(reason or "")
        rows["rejections"].append(",".join(sorted((images.rejections - before).elements())))
        rows["survivor"].append(keep)
        rows["has_phash"].append(bool(usable))
        rows["phash"].append(_as_int64(usable[0][1]) if usable else 0)
        rows["fact_checked"].append(item.get("fact_check") is not None)
        rows["images"].append(len(usable))
        rows["text_chars"].append(len(item["text"]) if keep else 0)
        rows["language_score"].append(info.get("language_score", 0.0))
        rows["topic"].append((info.get("topic") or "") if keep else "")
        rows["usable"].append([k for k, im in enumerate(raw_images) if any(im is u for u, _ in usable)])
        if keep:
            tokens.append(normalize_text(item["text"]))
    n, width = len(rows["id"]), 4 * config.num_perm
    digests, sigs = [bytes(20)] * n, [bytes(width)] * n
    matrix = signatures(tokens, config.ngram, config.max_words, config.num_perm)
    positions = [i for i, keep in enumerate(rows["survivor"]) if keep]
    for i, toks, sig in zip(positions, tokens, matrix, strict=True):
        digests[i] = text_digest(toks)
        sigs[i] = sig.tobytes()
    table = pa.table(dict(rows)) if n else _empty_table(config)
    if n:
        table = table.append_column("digest", pa.array(digests, type=pa.binary(20)))
        table = table.append_column("sig", pa.array(sigs, type=pa.binary(width)))
    return table


def _empty_table(config: CleanConfig) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "id": pa.array([], pa.string()),
            "platform": pa.array([], pa.string()),
            "reason": pa.array([], pa.string()),
            "rejections": pa.array([], pa.string()),
            "survivor": pa.array([], pa.bool_()),
            "has_phash": pa.array([], pa.bool_()),
            "phash": pa.array([], pa.int64()),
            "fact_checked": pa.array([], pa.bool_()),
            "images": pa.array([], pa.int64()),
            "text_chars": pa.array([], pa.int64()),
            "language_score": pa.array([], pa.float64()),
            "topic": pa.array([], pa.string()),
            "usable": pa.array([], pa.list_(pa.int64())),
            "digest": pa.array([], pa.binary(20)),
            "sig": pa.array([], pa.binary(4 * config.num_perm)),
        }
    )


class FilterShard:
    """The per-batch function of the Ray filter phase: one crawl shard ``(rank, path)`` -> where its block
    checkpoint is (``rank``, ``path``, ``block``, ``reused``, ``error``).

    A worker loads the language model once and keeps one image checker (its cache of checked images lives as
    long as the worker). A shard whose checkpoint exists (same bytes, same config) is not processed again.
    """

    def __init__(self, root: str, config: CleanConfig, folder: str):
        self.ws, self.config, self.folder = Workspace(root), config, Path(folder)
        self.lang: LanguageId | None = None
        self.images = ImageChecker(self.ws, config)

    def __call__(self, shard: tuple[int, str]) -> dict[str, Any]:
        import pyarrow.parquet as pq

        rank, path = shard
        target = self.folder / f"block-{hashlib.sha1(Path(path).read_bytes()).hexdigest()}.parquet"
        reused, error = target.exists(), ""
        if not reused:
            try:
                self.lang = self.lang or LanguageId()
                table = filter_block(Path(path), self.lang, self.images, self.config)
            except (FinefakeError, RecordError) as exc:  # the user's data: one line, raised by the driver
                error = str(exc)
            else:
                tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp")
                pq.write_table(table, tmp)
                os.replace(tmp, target)
        return {"rank": int(rank), "path": str(path), "block": str(target), "reused": reused, "error": error}


@dataclass(frozen=True)
class ShardFilters:
    """The worker factory of the Ray filter phase: a :class:`FilterShard` per Ray worker process."""

    root: str
    config: CleanConfig
    folder: str

    def __call__(self) -> FilterShard:
        return FilterShard(self.root, self.config, self.folder)


# --- 3. candidate items, verification ---------------------------------------------------------------------


def gather_members(blocks: list[tuple[int, str]], wanted: np.ndarray, num_perm: int) -> dict[str, Any]:
    """The signatures and ranking fields of the ``wanted`` positions among ``blocks``."""
    columns = ["id", "platform", "digest", "sig", "fact_checked", "images", "text_chars"]
    out: dict[str, list[Any]] = defaultdict(list)
    for rank, block in blocks:
        pos, table = read_block(block, rank, columns)
        keep = np.nonzero(np.isin(pos, wanted))[0]
        if not len(keep):
            continue
        sub = table.take(keep)
        out["position"].append(pos[keep])
        out["sig"].append(sig_matrix(sub.column("sig"), num_perm))
        for name in ("id", "platform", "digest", "fact_checked", "images", "text_chars"):
            out[name].extend(sub.column(name).to_pylist())
    return dict(out)


def _merge_members(parts: list[dict[str, Any]], num_perm: int) -> dict[str, Any]:
    merged: dict[str, Any] = {"position": [], "sig": [], "rest": defaultdict(list)}
    for part in parts:
        if not part:
            continue
        merged["position"].extend(part["position"])
        merged["sig"].extend(part["sig"])
        for name in ("id", "platform", "digest", "fact_checked", "images", "text_chars"):
            merged["rest"][name].extend(part[name])
    positions = np.concatenate(merged["position"]) if merged["position"] else np.zeros(0, np.int64)
    sigs = np.concatenate(merged["sig"]) if merged["sig"] else np.zeros((0, num_perm), np.uint32)
    order = np.argsort(positions)
    rest = {k: [v[i] for i in order.tolist()] for k, v in merged["rest"].items()}
    return {"position": positions[order], "sig": sigs[order], **rest}


def verified_edges(
    exact: np.ndarray, near: np.ndarray, image: np.ndarray, members: dict[str, Any], config: CleanConfig
) -> list[tuple[int, int, str]]:
    """The verified pairs with their kinds, by the rules the local engine applies (see dedup)."""
    where = {p: i for i, p in enumerate(members["position"].tolist())}
    sig, digest = members["sig"], members["digest"]

    def rows(pairs: np.ndarray) -> tuple[list[int], list[int]]:
        return [where[a] for a in pairs[:, 0].tolist()], [where[b] for b in pairs[:, 1].tolist()]

    edges = [(a, b, EXACT) for a, b in exact.tolist()]
    near_ok: set[tuple[int, int]] = set()
    if len(near):
        ra, rb = rows(near)
        for (a, b), ok, ia, ib in zip(
            near.tolist(), similar(sig[ra], sig[rb], config.text_threshold), ra, rb, strict=True
        ):
            if ok:
                near_ok.add((a, b))
                edges.append((a, b, edge_kind(digest[ia] == digest[ib], True)))
    if len(image):
        ra, rb = rows(image)
        for (a, b), ok, ia, ib in zip(
            image.tolist(), similar(sig[ra], sig[rb], config.image_text_threshold), ra, rb, strict=True
        ):
            if ok:
                edges.append((a, b, edge_kind(digest[ia] == digest[ib], (a, b) in near_ok)))
    return edges


# --- 4. write ---------------------------------------------------------------------------------------------


def write_block(
    rank: int, path: str, block: str, target: str, status: dict[int, tuple[str, str]], repeated: np.ndarray
) -> dict[str, Any]:
    """The kept news_items of one shard, serialised in input order to ``target``; and the shard's counts."""
    import pyarrow.parquet as pq

    columns = ["platform", "reason", "rejections", "usable", "language_score", "topic"]
    table = pq.read_table(block, columns=columns).to_pydict()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    rejections: Counter[str] = Counter()
    lines: list[str] = []
    base = rank << 32
    dropped = set(np.asarray(repeated)[(repeated >> 32) == rank].tolist())
    for line, item in enumerate(read_jsonl(path)):
        position = base | line
        platform = table["platform"][line]
        counts[platform]["input"] += 1
        if position in dropped:
            counts[platform]["repeated_id"] += 1
            continue
        if table["rejections"][line]:
            rejections.update(table["rejections"][line].split(","))
        if table["reason"][line]:
            counts[platform][table["reason"][line]] += 1
            continue
        outcome, cluster = status.get(position, ("kept", None))
        counts[platform][outcome] += 1
        if outcome == "kept":
            raw_images = item.get("images") or []
            info = {
                "images": [(raw_images[k], None) for k in table["usable"][line]],
                "language_score": table["language_score"][line],
                "topic": table["topic"][line],
            }
            lines.append(record_line(validate("news_item", news_item(item, info, cluster))))
    atomic_write_bytes(target, "".join(f"{line}\n" for line in lines).encode())
    return {
        "counts": {k: dict(v) for k, v in counts.items()},
        "rejections": dict(rejections),
        "kept": len(lines),
    }


def assemble_shard(target: str, pieces: list[tuple[str, int, int]]) -> None:
    """One output shard from line ranges of the per-block files (bytes as written: no parsing)."""
    lines: list[str] = []
    for path, start, stop in pieces:
        with open(path, encoding="utf-8") as fh:
            lines.extend(itertools.islice(fh, start, stop))
    atomic_write_text(target, "".join(lines))


def shard_plan(kept: list[int], shard_size: int) -> list[list[tuple[int, int, int]]]:
    """Which (block, first line, end line) ranges make each output shard, so that the shards are cut exactly
    where one writer reading the blocks in order would cut them."""
    plan: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    room = shard_size
    for block, count in enumerate(kept):
        start = 0
        while start < count:
            take = min(room, count - start)
            current.append((block, start, start + take))
            start, room = start + take, room - take
            if room == 0:
                plan.append(current)
                current, room = [], shard_size
    if current:
        plan.append(current)
    return plan


# --- the stage --------------------------------------------------------------------------------------------


def _chunks(blocks: list[tuple[int, str]], n: int) -> list[list[tuple[int, str]]]:
    size = max(1, -(-len(blocks) // n))
    return [blocks[i : i + size] for i in range(0, len(blocks), size)]


def clean_ray(ws: Workspace, config: CleanConfig, engine: EngineConfig) -> CleanReport:
    """``finefake clean`` on Ray: the local engine's output (records, clusters, report) computed in parallel."""
    check_config(config)
    stages = input_stages(ws, config)
    t0 = time.perf_counter()
    files = [shard for stage in stages for shard in ws.shards(stage)]
    with (
        open_mapper(engine) as mapper,
        ws.run(STAGE, inputs=stages, config=dict(config.__dict__, stages=stages)) as manifest,
    ):
        ray = mapper.ray()  # the shuffles below need it even when there are no shards to filter
        folder = ws.stage_dir(STAGE) / CHECKPOINTS / _config_key(config)
        folder.mkdir(parents=True, exist_ok=True)
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        done: list[dict[str, Any]] = []
        run_stage(  # 1. the filter phase: one crawl shard per batch, through the engine driver
            [(k, str(p)) for k, p in enumerate(files)],
            ShardFilters(str(ws.root), config, str(folder)),
            lambda shard, row: done.append(row),
            mapper=mapper,
            options={"num_cpus": 1},
            label="clean: filtering shards",
        )
        errors = [row["error"] for row in done if row["error"]]
        if errors:
            raise FinefakeError(errors[0])
        reused = sum(row["reused"] for row in done)
        manifest.extra.update(engine="ray", blocks=len(done), reused_blocks=reused)
        if reused:
            log.info("clean: %d of %d blocks reused from an earlier, unfinished run", reused, len(done))
        blocks = [(row["rank"], row["block"]) for row in done]
        chunks = _chunks(blocks, 2 * cpus)
        parts = max(2, cpus)
        bands, rows = lsh_params(config.text_threshold, config.num_perm)
        params = {
            "bands": bands,
            "rows": rows,
            "num_perm": config.num_perm,
            "distance": config.image_distance,
            "limit": config.max_image_candidates,
        }
        nothing = ray.put({"repeated": np.zeros(0, np.int64)})
        repeated = np.unique(
            np.concatenate(ray.get(shuffle(ray, chunks, "repeated", params, nothing, parts)))
        ).astype(np.int64)
        shared = ray.put({"repeated": repeated})
        exact_refs = shuffle(ray, chunks, "exact", params, shared, parts)
        near_refs = shuffle(ray, chunks, "band", params, shared, parts)
        image = np.zeros((0, 2), dtype=np.int64)
        if config.image_duplicates:
            close = pairs_of(ray.get(shuffle(ray, chunks, "phash_band", params, shared, parts)))
            both = np.concatenate([close, close[:, ::-1]]).view(np.uint64)
            both = both[np.lexsort((both[:, 1], both[:, 0]))]
            neighbours = ray.put(
                {"repeated": repeated, "neighbour_from": both[:, 0].copy(), "neighbour_to": both[:, 1].copy()}
            )
            image = pairs_of(ray.get(shuffle(ray, chunks, "phash_group", params, neighbours, parts)))
        exact, near = pairs_of(ray.get(exact_refs)), pairs_of(ray.get(near_refs))
        wanted = np.unique(np.concatenate([exact.ravel(), near.ravel(), image.ravel()]))
        wanted_ref = ray.put(wanted)
        gather = ray.remote(gather_members)
        members = _merge_members(
            ray.get([gather.remote(chunk, wanted_ref, config.num_perm) for chunk in chunks]), config.num_perm
        )
        groups = components(verified_edges(exact, near, image, members, config))
        where = {p: i for i, p in enumerate(members["position"].tolist())}

        def member(position: int) -> Member:
            i = where[position]
            return Member(
                position=position,
                id=members["id"][i],
                platform=members["platform"][i],
                digest=members["digest"][i],
                fact_checked=members["fact_checked"][i],
                images=members["images"][i],
                text_chars=members["text_chars"][i],
            )

        status, clusters = resolve_clusters(
            (([member(p) for p in group], kinds) for group, kinds in groups), config.near_duplicates
        )
        outputs = folder / "out"
        outputs.mkdir(exist_ok=True)
        status_ref, repeated_ref = ray.put(status), ray.put(repeated)
        writer_task = ray.remote(write_block)
        written = ray.get(
            [
                writer_task.remote(
                    rank,
                    str(files[rank]),
                    block,
                    str(outputs / f"{rank:06d}.jsonl"),
                    status_ref,
                    repeated_ref,
                )
                for rank, block in blocks
            ]
        )
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        rejections: Counter[str] = Counter()
        for result in written:
            for platform, c in result["counts"].items():
                counts[platform].update(c)
            rejections.update(result["rejections"])
        with ws.writer(STAGE, None, mode="replace") as writer:  # swaps the new shards in on close
            fragments = [str(outputs / f"{rank:06d}.jsonl") for rank, _ in blocks]
            plan = shard_plan([result["kept"] for result in written], writer.shard_size)
            assemble = ray.remote(assemble_shard)
            ray.get(
                [
                    assemble.remote(
                        str(writer.target / f"part-{index:05d}.jsonl"),
                        [(fragments[block], start, stop) for block, start, stop in pieces],
                    )
                    for index, pieces in enumerate(plan)
                ]
            )
        report = build_report(counts, rejections, len(clusters))
        finish(ws, manifest, report, clusters, t0)
    shutil.rmtree(ws.stage_dir(STAGE) / CHECKPOINTS, ignore_errors=True)
    return report
