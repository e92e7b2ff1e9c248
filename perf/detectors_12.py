"""Fit cost of the knowledge-aware detectors of issue 12 (KAN, KDCN, CompareNet) at realistic sizes.

One training epoch of each model on ``--rows`` synthetic training rows (plus a tenth as validation) at the
real widths (text 384 = MiniLM, image 1280 = EfficientNet-Lite0, TransE 100, 8 entities, 16 sentences,
128 words over a 30,000-word vocabulary with 384-d vectors), with the models' default (paper) sizes. Every
figure is also printed as a ratio to a reference measured in the same run: one epoch of a linear softmax
classifier on the pooled text through the same training loop. CompareNet's LDA fit and its one-off topic
inference are timed on their own.

The extrapolation to ``finefake bench all`` (21 settings x 3 seeds at 17,000 items) counts training rows:
3 classification settings of 0.6 x 17,000 rows, 6 topic-DA sources of ~3,400 rows and 12 platform/dual-DA
sources of ~850 rows: ~61,000 training rows per seed, i.e. ~6.1 epochs of 10,000 rows per epoch of the
grid, times the default epochs (an upper bound: early stopping ends most runs sooner), times 3 seeds.

    OMP_NUM_THREADS=2 python perf/detectors_12.py --rows 10000 --threads 2
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from finefake.baselines.base import Batch
from finefake.baselines.comparenet import CompareNet, fit_topics
from finefake.baselines.kan import Kan
from finefake.baselines.kdcn import Kdcn
from finefake.baselines.training import InputSpec, TorchModel

GRID_TRAIN_ROWS = 3 * 0.6 * 17_000 + 6 * 3_400 + 12 * 850


class LinearText(TorchModel):
    """The reference: a linear softmax classifier on the pooled text, trained by the same loop."""

    inputs = frozenset({"text"})

    def __init__(self, *, epochs=1, batch_size=64, lr=1e-3, weight_decay=0.0, num_threads=0, seed=0):
        self.epochs, self.batch_size, self.lr, self.weight_decay = epochs, batch_size, lr, weight_decay
        self.num_threads, self.seed = num_threads, seed

    def build(self, spec: InputSpec):
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(spec.dim("text"), spec.n_classes)

            def forward(self, x):
                return self.linear(x["text"])

        return Net()


def synthetic(n: int, seed: int = 0, vocab: int = 30_000) -> Batch:
    rng = np.random.default_rng(seed)
    f32 = np.float32
    L, S, K = 128, 16, 8
    lengths = rng.integers(20, L + 1, n)
    word_mask = np.arange(L)[None, :] < lengths[:, None]
    zipf = np.minimum(rng.zipf(1.3, (n, L)) + 1, vocab - 1)  # word frequencies of a natural text
    arrays = {
        "text": rng.normal(size=(n, 384)).astype(f32),
        "image": rng.normal(size=(n, 1280)).astype(f32),
        "image_mask": rng.random(n) > 0.2,
        "word_ids": np.where(word_mask, zipf, 0),
        "word_mask": word_mask,
        "sentences": rng.normal(size=(n, S, 384)).astype(f32),
        "sentence_mask": np.arange(S)[None, :] < rng.integers(1, S + 1, n)[:, None],
        "entity_transe": rng.normal(size=(n, K, 100)).astype(f32),
        "entity_context": rng.normal(size=(n, K, 100)).astype(f32),
        "entity_desc": rng.normal(size=(n, K, 384)).astype(f32),
        "entity_rho": rng.random((n, K)).astype(f32),
        "entity_pos": rng.random((n, K)).astype(f32),
        "entity_mask": np.arange(K)[None, :] < rng.integers(0, K + 1, n)[:, None],
    }
    info = {"knowledge": True, "word_vectors": rng.normal(size=(vocab, 384)).astype(f32)}
    info["word_vectors"][0] = 0
    return Batch([f"i{i}" for i in range(n)], arrays, rng.integers(0, 2, n), 2, info)


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default="kan,kdcn,comparenet")
    args = parser.parse_args()
    data = synthetic(args.rows + args.rows // 10)
    train, val = data.subset(np.arange(args.rows)), data.subset(np.arange(args.rows, len(data)))
    threads = {"num_threads": args.threads}
    LinearText(**threads).fit(train.subset(np.arange(64)).restricted(LinearText.inputs))  # torch warm-up
    reference = timed(LinearText(**threads).fit, train.restricted(LinearText.inputs), val)
    print(f"reference: linear text classifier, 1 epoch on {args.rows} rows: {reference:.2f} s")
    classes = {"kan": Kan, "kdcn": Kdcn, "comparenet": CompareNet}
    for name in args.models.split(","):
        cls = classes[name]
        default_epochs = cls().epochs
        tr, va = train.restricted(cls.inputs), val.restricted(cls.inputs)
        once = 0.0  # CompareNet's per-fit preprocessing: the LDA and one topic inference per document
        if cls is CompareNet:
            words, mask = np.asarray(tr.word_ids), np.asarray(tr.word_mask)
            lda = fit_topics(words, mask, 30_000, n_topics=50, max_iter=10, seed=0)
            lda_s = timed(fit_topics, words, mask, 30_000, n_topics=50, max_iter=10, seed=0)
            probe = CompareNet(top_topics=2)
            probe.vocabulary_, probe.lda_, probe.topic_cache_ = 30_000, lda, {}
            inference_s = timed(probe.document_topics, words, mask)
            once = lda_s + inference_s * 1.1  # the validation rows are inferred too
            print(
                f"  comparenet LDA fit (50 topics, 10 passes, {args.rows} documents): {lda_s:.1f} s; "
                f"topic inference (once per document, memoised): {inference_s:.1f} s"
            )
        seconds = timed(cls(epochs=1, patience=0, **threads).fit, tr, va)
        epoch = seconds - once
        grid = GRID_TRAIN_ROWS / args.rows * (epoch * default_epochs + once) * 3
        print(
            f"{name}: 1 epoch (with validation) {epoch:.1f} s = {epoch / reference:.1f}x reference; "
            f"bench-all grid upper bound ({default_epochs} epochs x 3 seeds) ~{grid / 60:.0f} min"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole script, {args.rows} rows at real widths): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
