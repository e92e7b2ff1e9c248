"""One training loop for every torch detector, so that a detector module holds only its network and losses.

A detector subclasses ``TorchModel`` and writes three things:

* ``build(spec)`` -> the ``nn.Module`` (``spec`` gives the shapes of the declared inputs, the number of
  classes and the shared ``info``: vocabulary vectors, domain sizes, views);
* ``forward(net, x)`` -> the logits, or a dict holding ``"logits"`` and anything the loss needs;
* ``loss(net, out, x, ctx)`` (optional) -> the training loss, or ``(loss, {name: value})`` to log parts.
  The default is the cross-entropy of ``out`` against ``ctx.y`` with the per-class importance weights.

Optional hooks: ``on_fit_start`` (fit preprocessing on the training rows only: an LDA, a k-means init),
``on_epoch_start`` (pseudo-labelling, scheduled losses), ``after_step`` (memory writes).

The loop (``TorchModel.train_network``) is seeded and deterministic (``torch.manual_seed`` and one
``torch.Generator`` for shuffling), caps torch's threads, runs on ``device`` (``auto`` picks CUDA when present),
gathers mini-batches of any declared input (in-memory arrays become tensors once; memory-mapped ``RowView``s
are read one mini-batch at a time), uses Adam or AdamW with the model's ``lr``/``weight_decay`` and an
exponential per-epoch decay ``lr_decay``, applies per-class importance weights, streams unlabeled target
mini-batches to the loss when the model asks for them (``ctx.target``), and selects the checkpoint on the
labelled *source* validation split only: the best ``select_metric`` (accuracy, macro F1, or the negative loss;
importance-weighted when weights are given), ties broken by the lower validation cross-entropy. Early stopping
stops after ``patience`` epochs without a lower validation cross-entropy (0: never).

Hyper-parameters the loop reads from the model (each detector sets its paper's defaults as keyword arguments):
``epochs``, ``batch_size``, ``lr``, ``weight_decay``, ``seed`` and optionally ``optimizer`` ("adam" | "adamw",
default "adam"), ``lr_decay`` (1.0), ``patience`` (0), ``select_metric`` ("accuracy"), ``num_threads`` (0 =
torch's setting), ``device`` ("cpu"), ``grad_clip`` (0 = off).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from finefake.baselines.base import Batch, Model, RowView, check_labelled

SELECT_METRICS = ("accuracy", "macro_f1", "loss")


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Use at most ``n`` torch intra-op threads inside the block (``n <= 0``: leave torch's setting)."""
    import torch

    previous = torch.get_num_threads()
    if n > 0 and n != previous:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; ``cuda`` without a GPU is an error."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA device")
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be auto, cpu or cuda[:N], got {device!r}")
    return device


@dataclass
class InputSpec:
    """What ``build`` needs to size a network: per-array shapes (without the row axis) and shared info."""

    n_classes: int
    shapes: dict[str, tuple[int, ...]]
    info: dict[str, Any]

    @classmethod
    def from_batch(cls, batch: Batch) -> InputSpec:
        return cls(batch.n_classes, {k: tuple(a.shape[1:]) for k, a in batch.arrays.items()}, batch.info)

    def dim(self, name: str) -> int:
        """The last dimension of array ``name`` (its feature width)."""
        return int(self.shapes[name][-1])


class Feeder:
    """Mini-batches of a Batch's arrays as torch tensors on ``device``.

    In-memory arrays are converted once (zero-copy where the dtype allows); ``RowView``s (memory-mapped
    token states) are gathered per mini-batch. float16 storage becomes float32, booleans stay boolean,
    integers become int64.
    """

    def __init__(self, batch: Batch, device: str):
        import torch

        self.device = device
        self.n = len(batch)
        self.lazy: dict[str, RowView] = {}
        self.tensors: dict[str, Any] = {}
        for name, array in batch.arrays.items():
            if isinstance(array, RowView):
                self.lazy[name] = array
            else:
                self.tensors[name] = self._tensor(np.asarray(array)).to(device)
        self.y = None if batch.y is None else torch.from_numpy(np.asarray(batch.y, np.int64)).to(device)

    @staticmethod
    def _tensor(array: np.ndarray):
        import torch

        if array.dtype == np.float16 or array.dtype == np.float64:
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu" and array.dtype != np.int64:
            array = array.astype(np.int64)
        return torch.from_numpy(np.ascontiguousarray(array))

    def take(self, idx) -> dict[str, Any]:
        """The rows ``idx`` (a torch LongTensor on the CPU) of every array."""
        out = {name: t[idx.to(t.device)] for name, t in self.tensors.items()}
        if self.lazy:
            rows = idx.numpy()
            for name, view in self.lazy.items():
                out[name] = self._tensor(view[rows]).to(self.device)
        return out

    def all_chunks(self, size: int) -> Iterator[dict[str, Any]]:
        import torch

        for start in range(0, self.n, size):
            yield self.take(torch.arange(start, min(start + size, self.n)))


@dataclass
class StepContext:
    """What a detector's loss and hooks may read during training."""

    epoch: int
    epochs: int
    step: int = 0
    steps_per_epoch: int = 1
    y: Any = None  # labels of the current source mini-batch
    weights: Any = None  # per-class importance weights (tensor) or None
    target: dict[str, Any] | None = None  # an unlabeled target mini-batch when the model streams them
    device: str = "cpu"
    generator: Any = None
    state: dict[str, Any] = field(default_factory=dict)  # free room for the detector (pseudo-labels, ...)

    @property
    def progress(self) -> float:
        """Training progress in [0, 1] (for schedules such as DANN's lambda)."""
        return (self.epoch + self.step / max(self.steps_per_epoch, 1)) / max(self.epochs, 1)


def weighted_cross_entropy(logits, y, weights=None):
    """Mean cross-entropy, each row multiplied by its class's importance weight when given."""
    import torch.nn.functional as F

    ce = F.cross_entropy(logits, y, reduction="none")
    if weights is not None:
        ce = ce * weights[y]
    return ce.mean()


def _macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int, w: np.ndarray) -> float:
    scores = []
    for c in range(n_classes):
        tp = float(w[(pred == c) & (y == c)].sum())
        fp = float(w[(pred == c) & (y != c)].sum())
        fn = float(w[(pred != c) & (y == c)].sum())
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


class TorchModel(Model):
    """Base of the torch detectors: the shared ``fit``/``predict_proba`` around ``build``/``forward``/``loss``."""

    #: Ask the loop for an unlabeled target mini-batch at every step (``ctx.target``) in adaptation settings.
    streams_target = False

    # -- what a detector writes -----------------------------------------------------------------------
    @abstractmethod
    def build(self, spec: InputSpec):  # -> nn.Module
        """The detector's network for inputs of ``spec``'s shapes."""

    def forward(self, net, x: dict[str, Any]):
        """Logits ``(B, n_classes)`` or a dict with ``"logits"``; the default calls ``net(x)``."""
        return net(x)

    def loss(self, net, out, x: dict[str, Any], ctx: StepContext):
        return weighted_cross_entropy(logits_of(out), ctx.y, ctx.weights)

    def on_fit_start(self, train: Batch, val: Batch | None, target: Batch | None) -> None:
        """Fit preprocessing here, on ``train`` rows only (and unlabeled ``target`` inputs where allowed)."""

    def on_epoch_start(self, net, ctx: StepContext) -> None:
        """Called before every epoch (pseudo-labelling, scheduled losses)."""

    def after_step(self, net, out, x: dict[str, Any], ctx: StepContext) -> None:
        """Called after every optimiser step (memory writes)."""

    # -- shared machinery -----------------------------------------------------------------------------
    def _hp(self, name: str, default: Any) -> Any:
        return getattr(self, name, default)

    def fit(
        self, train: Batch, val: Batch | None = None, target_unlabeled: Batch | None = None
    ) -> TorchModel:
        with torch_threads(self._hp("num_threads", 0)):
            check_labelled(train, "train")
            if val is not None:
                check_labelled(val, "validation")
            self.n_classes_ = train.n_classes
            self.spec_ = InputSpec.from_batch(train)
            self.info_: dict[str, Any] = {"domain_adaptation": target_unlabeled is not None}
            target = target_unlabeled if target_unlabeled is not None and len(target_unlabeled) else None
            self.on_fit_start(train, val, target)
            self.net_, self.info_["training"] = self.train_network(train, val, target)
        return self

    def new_network(self):
        """A freshly initialised network (seeded), on the model's device."""
        import torch

        torch.manual_seed(self.seed)
        return self.build(self.spec_).to(self.device_)

    @property
    def device_(self) -> str:
        return resolve_device(self._hp("device", "cpu"))

    def _optimizer(self, net):
        import torch

        name = self._hp("optimizer", "adam")
        kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
        if name not in kinds:
            raise ValueError(f"optimizer must be one of {sorted(kinds)}, got {name!r}")
        params = [p for p in net.parameters() if p.requires_grad]
        kwargs = {"lr": self.lr, "weight_decay": self.weight_decay}
        try:  # the fused kernel is several times faster per step on CPU; same update rule
            return kinds[name](params, fused=True, **kwargs)
        except (RuntimeError, TypeError):
            return kinds[name](params, **kwargs)

    def train_network(
        self,
        train: Batch,
        val: Batch | None,
        target: Batch | None,
        *,
        class_weights: np.ndarray | None = None,
        net=None,
        epochs: int | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Train a fresh network (or ``net``) and return it at the selected epoch, with a training report.

        ``epochs`` overrides the model's ``epochs`` for this run (e.g. refits without a validation split)."""
        import torch

        select = self._hp("select_metric", "accuracy")
        if select not in SELECT_METRICS:
            raise ValueError(f"select_metric must be one of {SELECT_METRICS}, got {select!r}")
        device = self.device_
        net = net if net is not None else self.new_network()
        optimizer = self._optimizer(net)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=self._hp("lr_decay", 1.0))
        generator = torch.Generator().manual_seed(self.seed)
        feed = Feeder(train, device)
        val_feed = Feeder(val, device) if val is not None and len(val) else None
        stream = self.streams_target and target is not None
        target_feed = Feeder(target, device) if stream else None
        weights = None if class_weights is None else torch.tensor(class_weights, dtype=torch.float32)
        weights = None if weights is None else weights.to(device)
        epochs, batch_size = int(epochs or self.epochs), int(self.batch_size)
        steps = max(1, -(-feed.n // batch_size))
        patience, clip = int(self._hp("patience", 0)), float(self._hp("grad_clip", 0.0))
        history: list[dict[str, Any]] = []
        best_score, best_state, best_epoch = None, None, epochs
        best_loss, since_best, stopped = np.inf, 0, None
        ctx = StepContext(0, epochs, 0, steps, weights=weights, device=device, generator=generator)
        for epoch in range(epochs):
            ctx.epoch = epoch
            net.train()
            self.on_epoch_start(net, ctx)
            order = torch.randperm(feed.n, generator=generator)
            target_order = torch.randperm(target_feed.n, generator=generator) if stream else None
            totals: dict[str, float] = {}
            for step, start in enumerate(range(0, feed.n, batch_size)):
                idx = order[start : start + batch_size]
                x = feed.take(idx)
                ctx.step, ctx.y = step, feed.y[idx.to(feed.y.device)]
                if stream:
                    ctx.target = target_feed.take(_cycle(target_order, step * batch_size, len(idx)))
                out = self.forward(net, x)
                loss = self.loss(net, out, x, ctx)
                parts: dict[str, Any] = {}
                if isinstance(loss, tuple):
                    loss, parts = loss
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if clip:
                    torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
                optimizer.step()
                self.after_step(net, out, x, ctx)
                totals["loss"] = totals.get("loss", 0.0) + loss.detach()
                for k, v in parts.items():
                    totals[k] = totals.get(k, 0.0) + (v.detach() if hasattr(v, "detach") else v)
            scheduler.step()
            ctx.target = None
            record = {"epoch": epoch + 1, **{k: round(float(v) / steps, 5) for k, v in totals.items()}}
            history.append(record)
            if val_feed is None:
                continue
            proba = self._proba(net, val_feed)
            val_y = val.y
            w = np.ones(len(val_y)) if class_weights is None else np.asarray(class_weights)[val_y]
            w = w / max(w.sum(), 1e-12)
            nll = float(-(np.log(np.clip(proba[np.arange(len(val_y)), val_y], 1e-12, None)) * w).sum())
            pred = proba.argmax(1)
            accuracy = float(((pred == val_y) * w).sum())
            record["val_loss"], record["val_accuracy"] = round(nll, 5), round(accuracy, 5)
            if select == "macro_f1":
                metric = _macro_f1(val_y, pred, self.n_classes_, w)
                record["val_macro_f1"] = round(metric, 5)
            else:
                metric = accuracy if select == "accuracy" else -nll
            score = (round(metric, 9), -nll)  # rounding makes float noise a tie; the lower loss breaks it
            if best_score is None or score > best_score:
                best_score, best_epoch = score, epoch + 1
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            if nll < best_loss:
                best_loss, since_best = nll, 0
            else:
                since_best += 1
                if patience and since_best >= patience:
                    stopped = epoch + 1
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        return net, {
            "selected_epoch": best_epoch,
            "selected_on": f"source validation {select}" if val_feed is not None else "last epoch",
            "stopped_early_at": stopped,
            "history": history,
        }

    def _proba(self, net, feed: Feeder) -> np.ndarray:
        import torch

        was_training = net.training
        net.eval()
        chunks = []
        with torch.no_grad():
            for x in feed.all_chunks(max(int(self.batch_size), 256)):
                logits = logits_of(self.forward(net, x))
                chunks.append(torch.softmax(logits.double(), dim=1).cpu().numpy())
        net.train(was_training)
        if not chunks:
            return np.zeros((0, self.n_classes_))
        return np.concatenate(chunks)

    def predict_proba(self, batch: Batch) -> np.ndarray:
        if batch.n_classes != self.n_classes_:
            raise ValueError(f"model was fit for {self.n_classes_} classes, batch has {batch.n_classes}")
        with torch_threads(self._hp("num_threads", 0)):
            return self._proba(self.net_, Feeder(batch, self.device_))

    def fit_info(self) -> dict[str, Any]:
        return self.info_


def logits_of(out) -> Any:
    """The logits in a ``forward`` result (the tensor itself, or ``out["logits"]``)."""
    return out["logits"] if isinstance(out, dict) else out


def _cycle(order, start: int, size: int):
    """``size`` indices of ``order`` from ``start``, wrapping around (target batches recycle the target)."""
    import torch

    n = len(order)
    positions = torch.arange(start, start + size) % n
    return order[positions]
