"""Feature extraction throughput of the pipeline as a ratio to the bare encoder on the same inputs.

Builds a synthetic workspace, then measures in one run (best of ``--repeats``, after a warm-up):

* text: ``encode_texts`` (the pipeline path: chunking, progress, float32 assembly) after ``read_items``
  (reading the records stage) vs. the bare ``SentenceTransformer.encode`` on the same already-built strings;
* image: ``encode_images`` (the pipeline path: ``open_rgb`` safe decoding of the stored files, preprocessing,
  prefetching, masks) vs. the bare network on the same images already decoded and preprocessed in memory,
  for the default ONNX backend (and, for reference, eager torch).

Goal: ratio >= 0.8. Usage: ``python perf/features_throughput.py --items 512``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def interleaved(repeats: int, bare: Callable[[], object], ours: Callable[[], object]) -> tuple[float, float]:
    """Best time of each, alternating the two so that load from other processes hits both alike."""
    bare_times, our_times = [], []
    for _ in range(repeats):
        for fn, times in ((bare, bare_times), (ours, our_times)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return min(bare_times), min(our_times)


def time_images(ws: object, items: list, image: object, n: int, bs: int, repeats: int) -> tuple[float, float]:
    from finefake.features.pipeline import encode_images
    from finefake.images import open_rgb

    image.encode([open_rgb(ws.images.path(items[0].image))])  # warm-up (load / export)
    pixels = image.preprocess([open_rgb(ws.images.path(i.image)) for i in items])

    def bare() -> None:
        for start in range(0, n, bs):
            image.encode_pixels(pixels[start : start + bs])

    return interleaved(repeats, bare, lambda: encode_images(ws, image, items, bs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--torch", action="store_true", help="also time the eager-torch image backend")
    args = parser.parse_args()

    import torch

    from finefake.dataset.synthetic import write_synthetic
    from finefake.features.pipeline import encode_texts, read_items
    from finefake.features.registry import get_encoder
    from finefake.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        write_synthetic(ws, args.items, seed=0)
        n, bs = args.items, args.batch_size
        print(
            f"{n} synthetic items, batch size {bs}, torch threads {torch.get_num_threads()}, best of {args.repeats}"
        )

        text = get_encoder("minilm")
        items = read_items(ws, "records")
        texts = [i.text for i in items]
        text.encode(texts[:bs], batch_size=bs)  # warm-up (model load)
        bare, ours = interleaved(
            args.repeats,
            lambda: text.model.encode(texts, batch_size=bs, convert_to_numpy=True),
            lambda: encode_texts(text, read_items(ws, "records"), bs),
        )
        print(
            f"text  minilm      bare {n / bare:8.1f} items/s  pipeline {n / ours:8.1f} items/s  ratio {bare / ours:.2f}"
        )

        backends = ["onnx", "torch"] if args.torch else ["onnx"]
        for backend in backends:
            image = get_encoder("efficientnet-lite0", backend=backend, cache_dir=os.path.join(tmp, "models"))
            bare, ours = time_images(ws, items, image, n, bs, args.repeats)
            print(
                f"image lite0/{backend:5s} bare {n / bare:8.1f} items/s  pipeline {n / ours:8.1f} items/s  "
                f"ratio {bare / ours:.2f}"
            )


if __name__ == "__main__":
    main()
