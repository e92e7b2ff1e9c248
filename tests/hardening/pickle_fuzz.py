"""Mutate a valid FineFake-release pickle many times and load each with the restricted unpickler.

Run as a script (``python pickle_fuzz.py COUNT SEED``) so that a crash (segfault, abort) ends this process,
not the test that runs it: the test reads the last line printed to name the mutation that crashed. Each line:
``<index> <kind> <outcome>`` where outcome is ``ok`` (loaded, every value read), ``refused`` (a FinefakeError)
or ``error:<type>`` (anything else: a failure of the guard).
"""

from __future__ import annotations

import pickle
import random
import sys

import numpy as np
import pandas as pd


def release_pickle(protocol: int) -> bytes:
    """A release-shaped frame: Arrow string columns (pandas >= 3), object lists, arrays in cells, ints."""
    n = 6
    frame = pd.DataFrame(
        {
            "text": [f"Story number {i} about a senator." for i in range(n)],
            "image_path": [f"{i}.png" for i in range(n)],
            "entity_id": [[f"Q{i}", f"Q{i + 10}"] for i in range(n)],
            "topic": ["Politics", "Health", "Conflict", "Society", "Business", "Entertainment"],
            "label": [i % 2 for i in range(n)],
            "fine-grained label": [i % 6 for i in range(n)],
            "knowledge_embedding": [np.full(4, i, dtype=np.float32) for i in range(n)],
            "description": [["a country", "a person"] for _ in range(n)],
            "relation": [[("Q1", "P27", "Q30")] for _ in range(n)],
            "platform": ["Snopes", "Twitter", "Reddit", "Cnn", "Apnews", "Cdc.gov"],
            "author": ["Jane Roe", None, "A", "B", "C", "D"],
            "date": ["2021-03-04 10:00:00"] * n,
            "comment": [["so true"], [], ["x"], [], [], []],
        }
    )
    return pickle.dumps(frame, protocol=protocol)


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    buf = bytearray(data)
    kind = rng.choice(["flip", "byte", "length", "length", "truncate"])
    if kind == "flip":
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    elif kind == "byte":
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif kind == "length":  # a length, count or offset made huge, negative or slightly off
        at = rng.randrange(len(buf) - 8)
        width = rng.choice([1, 4, 8])
        value = rng.choice([0x7FFFFFFF, 0xFFFFFFFF, 2**63 - 1, 2**64 - 1, rng.randrange(256), 1000000])
        buf[at : at + width] = (value % 2 ** (8 * width)).to_bytes(width, "little")
    else:
        del buf[rng.randrange(len(buf)) :]
    return kind, bytes(buf)


def touch(frame: pd.DataFrame) -> None:
    """Read every value the importer would (Arrow string columns included)."""
    for row in frame.itertuples(index=False, name=None):
        for value in row:
            repr(value)
    for column in frame.columns:
        frame[column].isna().sum()


def main(count: int, seed: int) -> None:
    from finefake.dataset.unpickle import restricted_loads
    from finefake.errors import FinefakeError

    rng = random.Random(seed)
    valid = [release_pickle(5), release_pickle(4)]
    for index in range(count):
        kind, data = mutate(valid[index % 2], rng)
        print(index, kind, "start", flush=True)
        try:
            frame = restricted_loads(data, source=f"mutation-{index}")
            if isinstance(frame, pd.DataFrame):
                touch(frame)
            outcome = "ok"
        except FinefakeError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - any other exception is what the test reports
            outcome = f"error:{type(exc).__name__}:{str(exc)[:80]!r}"
        print(index, kind, outcome, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
