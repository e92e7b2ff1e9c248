"""Overhead of the shared training loop (``TorchModel.train_network``) against a bare hand-written torch loop.

Same network (KEAN-sized MLP branches over text 384 + image 1280 + classifier), same data (random inputs of
real widths with a planted signal), same optimiser (Adam, fused when available), batch size, epochs, and the
same per-epoch validation pass and best-checkpoint copy that a hand-written loop selecting on validation would
do. Runs alternate (loop, bare, loop, bare, ...); the ratio of the best runs is printed (and of the medians).
Goal (issue 10): loop / bare <= 1.05.

    OMP_NUM_THREADS=2 python perf/training_loop.py --rows 10000 --epochs 3 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from torch import nn

from finefake.baselines.base import Batch
from finefake.baselines.training import InputSpec, TorchModel


def network(d_text: int, d_image: int, n_classes: int, hidden: int = 256) -> nn.Module:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.t = nn.Sequential(nn.Linear(d_text, hidden), nn.ReLU(), nn.Dropout(0.2))
            self.v = nn.Sequential(nn.Linear(d_image, hidden), nn.ReLU(), nn.Dropout(0.2))
            self.c = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

        def forward(self, text: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
            return self.c(torch.cat([self.t(text), self.v(image)], dim=1))

    return Net()


class LoopModel(TorchModel):
    inputs = frozenset({"text", "image"})

    def __init__(self, *, epochs: int, batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 0.0,
                 seed: int = 0):  # fmt: skip
        self.epochs, self.batch_size, self.lr, self.weight_decay, self.seed = (
            epochs, batch_size, lr, weight_decay, seed,
        )  # fmt: skip

    def build(self, spec: InputSpec) -> nn.Module:
        return network(spec.dim("text"), spec.dim("image"), spec.n_classes)

    def forward(self, net, x):
        return net(x["text"], x["image"])


def bare_loop(train: Batch, val: Batch, epochs: int, batch_size: int = 32, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    net = network(train.text.shape[1], train.image.shape[1], train.n_classes)
    try:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, fused=True)
    except (RuntimeError, TypeError):
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    text, image, y = (torch.from_numpy(a) for a in (train.text, train.image, train.y))
    vt, vi, vy = (torch.from_numpy(a) for a in (val.text, val.image, val.y))
    g = torch.Generator().manual_seed(seed)
    best, best_state = -1.0, None
    for _ in range(epochs):
        net.train()
        order = torch.randperm(len(y), generator=g)
        for s in range(0, len(y), batch_size):
            idx = order[s : s + batch_size]
            loss = nn.functional.cross_entropy(net(text[idx], image[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = float((net(vt, vi).argmax(1) == vy).float().mean())
        if acc > best:
            best, best_state = acc, {k: v.detach().clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_state)
    return net


def data(rows: int, seed: int = 0) -> tuple[Batch, Batch]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows + rows // 5)
    text = (rng.normal(size=(len(y), 384)) + y[:, None] * 0.3).astype(np.float32)
    image = rng.normal(size=(len(y), 1280)).astype(np.float32)
    ids = [str(i) for i in range(len(y))]

    def cut(a: int, b: int) -> Batch:
        return Batch.of(ids[a:b], y=y[a:b], text=text[a:b], image=image[a:b], image_mask=np.ones(b - a, bool))

    return cut(0, rows), cut(rows, len(y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    train, val = data(args.rows)
    times: dict[str, list[float]] = {"loop": [], "bare": []}
    for _ in range(args.repeats):
        for name in ("loop", "bare"):
            start = time.perf_counter()
            if name == "loop":
                LoopModel(epochs=args.epochs).fit(train, val)
            else:
                bare_loop(train, val, args.epochs)
            times[name].append(time.perf_counter() - start)
    # the minimum of each is the least disturbed by other work on the machine; the median is printed too
    loop, bare = min(times["loop"]), min(times["bare"])
    med = statistics.median(times["loop"]) / statistics.median(times["bare"])
    print(f"{args.rows} rows x {args.epochs} epochs, torch threads {torch.get_num_threads()}")
    print(f"shared loop: best {loop:.2f} s  (runs {', '.join(f'{t:.2f}' for t in times['loop'])})")
    print(f"bare loop:   best {bare:.2f} s  (runs {', '.join(f'{t:.2f}' for t in times['bare'])})")
    print(
        f"ratio loop / bare = {loop / bare:.3f} best-of-{args.repeats}, {med:.3f} of medians (goal <= 1.05)"
    )


if __name__ == "__main__":
    main()
