"""LLM layer speed (issue 30): the local default (SmolLM2-135M-Instruct on the CPU) and the server client.

Prints, all measured in this run:

* local label probabilities (one forward pass per batch): items/s and prompt tokens/s without the response
  cache, and the rerun from the cache (items/s; the ratio must be >= 100x);
* local greedy generation (rationales / restyling): items/s and completion tokens/s;
* before/after of the CPU speed-ups (issue 30), both measured here on the same texts of mixed length: the
  reference is the earlier way -- batches of 8 in arrival order (padding to the longest of each), rationales
  of 64 tokens from 1000 characters -- called on the backend directly; the current way is the client's
  (batches sorted by length, 32 prompts per generation batch, 32 tokens from ``RATIONALE_CHARS``);
* the process's resident memory before and after loading the model;
* the server client against a local OpenAI-compatible server with a fixed latency per request: items/s at
  1, 4 and 8 requests in flight (the ratio against 1 in flight, and the most requests seen in flight).

Usage: python perf/llm_speed.py [--items 16] [--gen-items 4] [--gen-tokens 16] [--latency 0.05]
       [--compare-items 16] [--skip-compare]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from pytest_httpserver import HTTPServer

from finefake.baselines.llm_prompt import cut
from finefake.llm.cache import ResponseCache
from finefake.llm.local import LocalClient
from finefake.llm.prompts import detection_template, load_template
from finefake.llm.rationales import RATIONALE_CHARS
from finefake.llm.server import ServerClient

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from llm.openai_server import ChatHandler  # noqa: E402  (the tests' OpenAI-compatible server, one copy)

NEWS = [
    "Officials confirmed on Monday that the new bridge will open to traffic next spring after delays.",
    "SHOCKING: scientists admit the moon landing was staged in a studio, leaked memo reveals!",
    "The central bank kept interest rates unchanged, citing steady inflation and a cooling labour market.",
    "Celebrity doctor says drinking seawater cures every known disease, pharmaceutical companies furious.",
]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def texts(n: int) -> list[str]:
    return [f"{NEWS[i % len(NEWS)]} (report {i})" for i in range(n)]


def local(args: argparse.Namespace, folder: Path) -> None:
    before = rss_mib()
    client = LocalClient(cache=ResponseCache(folder / "local.sqlite"), batch_size=args.batch)
    started = time.perf_counter()
    client._load()
    load_s = time.perf_counter() - started
    print(f"local model {client.model_id}: loaded in {load_s:.1f} s; RSS {before:.0f} -> {rss_mib():.0f} MiB")
    template = detection_template(2)
    prompts = [template.render(t) for t in texts(args.items)]
    started = time.perf_counter()
    client.choice_probs(prompts, template.choices, tag=template.tag)
    cold = time.perf_counter() - started
    tokens = client.usage.prompt_tokens
    started = time.perf_counter()
    client.choice_probs(prompts, template.choices, tag=template.tag)
    warm = time.perf_counter() - started
    print(
        f"label probabilities, {args.items} items, batch {args.batch}: {args.items / cold:.2f} items/s, "
        f"{tokens / cold:.0f} prompt tokens/s; from the cache {args.items / warm:.0f} items/s "
        f"({cold / warm:.0f}x faster)"
    )
    gen = load_template("arg-td")
    prompts = [gen.render(t) for t in texts(args.gen_items)]
    before_tokens = client.usage.completion_tokens
    started = time.perf_counter()
    client.generate(prompts, max_tokens=args.gen_tokens, tag=gen.tag)
    elapsed = time.perf_counter() - started
    produced = client.usage.completion_tokens - before_tokens
    started = time.perf_counter()
    client.generate(prompts, max_tokens=args.gen_tokens, tag=gen.tag)
    cached = time.perf_counter() - started
    print(
        f"generation, {args.gen_items} items x {args.gen_tokens} tokens: {args.gen_items / elapsed:.2f} items/s, "
        f"{produced / elapsed:.1f} completion tokens/s; from the cache {elapsed / cached:.0f}x faster"
    )
    print(f"RSS with the model loaded and used: {rss_mib():.0f} MiB")


def mixed(n: int) -> list[str]:
    """Texts of 1 to 8 news sentences (about 20 to 400 tokens), in an order that mixes the lengths."""
    return [" ".join(NEWS[(i + k) % len(NEWS)] for k in range(1 + (i * 5) % 8)) + f" ({i})" for i in range(n)]


def compare(args: argparse.Namespace, folder: Path) -> None:
    """The earlier way (reference) against the current one, on the same mixed-length texts."""
    client = LocalClient(cache=ResponseCache(folder / "compare.sqlite"))
    client._load()
    news = mixed(args.compare_items)
    template = detection_template(2)
    prompts = [template.render(cut(t, 1000)) for t in news]
    started = time.perf_counter()
    for start in range(0, len(prompts), 8):  # reference: arrival order, batches of 8
        client._choice_logprobs(prompts[start : start + 8], template.choices)
    before = time.perf_counter() - started
    started = time.perf_counter()
    client.choice_probs(prompts, template.choices, tag="compare")
    after = time.perf_counter() - started
    n = len(prompts)
    print(
        f"label probabilities, {n} mixed-length items: reference {n / before:.2f} items/s, now "
        f"{n / after:.2f} items/s ({before / after:.2f}x)"
    )
    gen = load_template("arg-td")
    old = [gen.render(cut(t, 1000)) for t in news]
    tokens = client.usage.completion_tokens
    started = time.perf_counter()
    for start in range(0, len(old), 8):
        client._generate(old[start : start + 8], 64)
    before = time.perf_counter() - started
    before_tokens = client.usage.completion_tokens - tokens
    new = [gen.render(cut(t, RATIONALE_CHARS)) for t in news]
    tokens = client.usage.completion_tokens
    started = time.perf_counter()
    client.generate(new, max_tokens=gen.max_tokens, tag="compare")
    after = time.perf_counter() - started
    after_tokens = client.usage.completion_tokens - tokens
    print(
        f"rationales, {n} mixed-length items: reference (8 per batch, 64 tokens, 1000 chars) "
        f"{n / before:.3f} items/s, {before_tokens / before:.1f} tokens/s; now ({client.generate_batch_size} "
        f"per batch sorted, {gen.max_tokens} tokens, {RATIONALE_CHARS} chars) {n / after:.3f} items/s, "
        f"{after_tokens / after:.1f} tokens/s ({before / after:.2f}x items/s)"
    )


def server(args: argparse.Namespace, folder: Path) -> None:
    template = detection_template(2)
    prompts = [template.render(t) for t in texts(args.server_items)]
    reference = None
    for inflight in (1, 4, 8):
        handler = ChatHandler(latency=args.latency)
        httpd = HTTPServer(host="127.0.0.1", threaded=True)
        httpd.expect_request("/v1/chat/completions").respond_with_handler(handler)
        httpd.start()
        try:
            client = ServerClient(
                httpd.url_for("/v1"),
                "perf-model",
                concurrency=inflight,
                cache=ResponseCache(folder / f"server-{inflight}.sqlite"),
            )
            started = time.perf_counter()
            client.choice_probs(prompts, template.choices, tag=template.tag)
            rate = len(prompts) / (time.perf_counter() - started)
        finally:
            httpd.stop()
        reference = reference or rate
        print(
            f"server client, {len(prompts)} items, latency {args.latency * 1000:.0f} ms, {inflight} in flight: "
            f"{rate:.1f} items/s ({rate / reference:.1f}x of 1 in flight; at most {handler.max_in_flight} "
            "seen in flight)"
        )


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--gen-items", type=int, default=4)
    parser.add_argument("--gen-tokens", type=int, default=16)
    parser.add_argument("--server-items", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--compare-items", type=int, default=16)
    parser.add_argument("--skip-compare", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server(args, Path(tmp))
        import torch

        print(f"torch threads: {torch.get_num_threads()}")
        if not args.skip_local:
            local(args, Path(tmp))
        if not args.skip_compare:
            compare(args, Path(tmp))


if __name__ == "__main__":
    main()
