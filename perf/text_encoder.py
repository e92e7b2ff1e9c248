"""Text encoder speed: eager torch vs ONNX Runtime, and encode_full (tokens + sentences) vs pooled only.

On the same generated news-like texts (title + "\\n" + a 150-400-word body of 8-20-word sentences drawn from
the synthetic generator's vocabulary, so most fill MiniLM's 256-wordpiece window), in one run, best of
``--repeats`` after a warm-up, alternating the variants so that load from other processes hits all alike:

* today's path: ``SentenceTransformer.encode`` (eager torch, what ``encode`` ran before the ONNX backend);
* ``encode`` (pooled only) on the torch backend and on the ONNX backend (goal: ONNX >= 2x today's path);
* ``encode_full`` (pooled + 128 token states + sentence vectors) on each backend (goal: <= 1.15x the
  pooled-only time on the same backend).

The on-disk size of the token states for 17,000 items is computed arithmetically from the shapes (float16
states, bool mask, int32 ids), not measured on a 17,000-item run.

Both wall and CPU time are printed; on a shared, loaded machine run with ``--threads 1`` and read the CPU
figures. Usage: ``OMP_NUM_THREADS=1 python perf/text_encoder.py --items 256 --threads 1``.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def news_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` title + body texts of 150-400 words in sentences of 8-20 words (synthetic vocabulary)."""
    from finefake.dataset.synthetic import COMMON_WORDS, TOPIC_WORDS

    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        topic = rng.choice(sorted(TOPIC_WORDS))
        vocab = [*TOPIC_WORDS[topic], *COMMON_WORDS]
        title = " ".join(rng.choice(vocab) for _ in range(rng.randint(5, 10))).capitalize()
        words, sentences = rng.randint(150, 400), []
        while words > 0:
            k = min(words, rng.randint(8, 20))
            sentences.append(" ".join(rng.choice(vocab) for _ in range(k)).capitalize() + ".")
            words -= k
        texts.append(title + "\n" + " ".join(sentences))
    return texts


def best_times(repeats: int, variants: dict[str, Callable[[], object]]) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) seconds of each variant; CPU time is what to compare on a machine shared with others
    (with one thread it is the work done, whatever the load; wall time then also counts waiting for a core)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {name: (min(w for w, _ in v), min(c for _, c in v)) for name, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch and onnxruntime intra-op threads")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--scale", type=int, default=17_000, help="items for the on-disk size estimate")
    args = parser.parse_args()

    import numpy as np
    import torch

    from finefake.features.registry import get_encoder

    torch.set_num_threads(args.threads)
    texts, bs, n = news_texts(args.items), args.batch_size, args.items
    with tempfile.TemporaryDirectory() as tmp:
        options = dict(cache_dir=tmp, threads=args.threads)
        eager, onnx = get_encoder("minilm", backend="torch", **options), get_encoder("minilm", **options)
        reference = eager.model
        for encoder in (eager, onnx):  # warm-up: model load, ONNX export and session
            encoder.encode_full(texts[:bs], batch_size=bs, max_tokens=args.max_tokens)
        reference.encode(texts[:bs], batch_size=bs)
        lengths = [
            len(ids)
            for ids in onnx.tokenizer(texts, truncation=True, max_length=onnx.max_length)["input_ids"]
        ]
        print(
            f"{n} texts, {np.mean([len(t.split()) for t in texts]):.0f} words and {np.mean(lengths):.0f} "
            f"wordpieces on average (window {onnx.max_length}), batch size {bs}, {args.threads} threads, "
            f"best of {args.repeats}"
        )

        def full(encoder: object) -> Callable[[], object]:
            return lambda: encoder.encode_full(texts, batch_size=bs, max_tokens=args.max_tokens)

        times = best_times(
            args.repeats,
            {
                "sentence-transformers (today)": lambda: reference.encode(texts, batch_size=bs),
                "torch pooled": lambda: eager.encode(texts, batch_size=bs),
                "onnx pooled": lambda: onnx.encode(texts, batch_size=bs),
                "torch full": full(eager),
                "onnx full": full(onnx),
            },
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for name, (wall, cpu) in times.items():
            print(f"  {name:<30} wall {wall:6.2f} s ({n / wall:5.1f}/s)  cpu {cpu:6.2f} s ({n / cpu:5.1f}/s)")
        for clock, k in (("wall", 0), ("cpu", 1)):
            today, onnx_s, torch_s = (
                times[v][k] for v in ("sentence-transformers (today)", "onnx pooled", "torch pooled")
            )
            print(
                f"[{clock}] ONNX speed-up: {today / onnx_s:.2f}x vs today's eager torch (goal >= 2x), "
                f"{torch_s / onnx_s:.2f}x vs our torch backend; our torch backend {today / torch_s:.2f}x vs today"
            )
            for backend in ("onnx", "torch"):
                ratio = times[f"{backend} full"][k] / times[f"{backend} pooled"][k]
                print(f"[{clock}] encode_full / pooled-only on {backend}: {ratio:.2f}x (goal <= 1.15x)")

        a = eager.encode_full(texts[:64], batch_size=bs, max_tokens=args.max_tokens)
        b = onnx.encode_full(texts[:64], batch_size=bs, max_tokens=args.max_tokens)
        st = reference.encode(texts[:64], batch_size=bs, convert_to_numpy=True)
        print(
            f"max |diff| on 64 texts: pooled onnx-torch {np.abs(a.pooled - b.pooled).max():.1e}, "
            f"pooled onnx-sentence-transformers {np.abs(b.pooled - st).max():.1e}, "
            f"tokens onnx-torch {np.abs(a.tokens.astype(np.float32) - b.tokens.astype(np.float32)).max():.1e} "
            f"(float16), sentences onnx-torch {np.abs(a.sentence_vectors - b.sentence_vectors).max():.1e}"
        )

    items, t, d = args.scale, args.max_tokens, onnx.dim
    token_bytes = items * t * (d * 2 + 1 + 4)  # float16 states + bool mask + int32 ids
    sentence_bytes = items * 16 * (d * 4 + 1)  # float32 vectors + bool mask
    print(
        f"on disk for {items:,} items (computed from the shapes): token states {items}x{t}x{d} float16 + mask "
        f"+ ids = {token_bytes / 2**30:.2f} GiB; sentence vectors {items}x16x{d} float32 + mask = "
        f"{sentence_bytes / 2**30:.2f} GiB"
    )


if __name__ == "__main__":
    main()
