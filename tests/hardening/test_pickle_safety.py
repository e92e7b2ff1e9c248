"""The restricted unpickler is memory-safe: hostile numbers in an admitted pickle end in a refusal, never a crash.

Every load runs in a child process, so a regression shows as a failed test naming the case, not as a test
run killed by a segfault.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import finefake
from hardening import pickle_fuzz

CHILD_ENV = os.environ | {"PYTHONPATH": str(Path(finefake.__file__).resolve().parents[1])}


def _isolated(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fuzzed_release_pickles_load_cleanly_or_are_refused():
    result = subprocess.run(
        [sys.executable, pickle_fuzz.__file__, "300", "20260"],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line.split(" ", 2) for line in result.stdout.splitlines()]
    finished = [outcome for _, _, outcome in lines if outcome != "start"]
    last = lines[-1] if lines else None
    assert result.returncode == 0, (
        f"crashed (signal {-result.returncode}) at mutation {last}: {result.stderr[-500:]}"
    )
    assert len(finished) == 300
    assert set(finished) <= {"ok", "refused"}, [o for o in finished if o not in ("ok", "refused")][:5]
    assert finished.count("refused") > 100 and finished.count("ok") > 5
    assert "exported buffers" not in result.stderr


#: Each case builds a hostile pickle in a child process and prints ``<name> refused: <reason>`` or ``loaded``.
CASES = {
    "object_array_longer_than_its_data": """
        from numpy._core.multiarray import _reconstruct
        state = (1, (50,), np.dtype(object), False, [1])
        check(Reduce(_reconstruct, (np.ndarray, (0,), b"b"), state))
    """,
    "huge_reconstruct_shape": """
        from numpy._core.multiarray import _reconstruct
        check(Reduce(_reconstruct, (np.ndarray, (10**12,), np.dtype(object))))
    """,
    "arrow_offsets_past_the_data": """
        import pyarrow as pa
        from pyarrow.lib import _restore_array
        array = pa.array(["ab", "cd", None], type=pa.large_string())
        dtype, length, nulls, offset, (validity, offsets, data), children, _ = array.__reduce__()[1][0]
        bad = pa.py_buffer(np.array([0, 2, 1 << 40, 1 << 40], dtype=np.int64).tobytes())
        check(Reduce(_restore_array, ((dtype, length, nulls, offset, [validity, bad, data], children, None),)))
    """,
    "memory_error": """
        check(Reduce(bytearray, (2**62,)))
    """,
    "counted_length_past_the_end": """
        check(raw=b"\\x80\\x05\\x96" + (2**62).to_bytes(8, "little") + b"xx.")
    """,
}

CHILD = """
import pickle
import numpy as np
from finefake.dataset.unpickle import restricted_loads
from finefake.errors import FinefakeError

class Reduce:
    def __init__(self, *reduced):
        self.reduced = reduced
    def __reduce__(self):
        return self.reduced

def check(obj=None, raw=None):
    try:
        restricted_loads(raw if raw is not None else pickle.dumps(obj, protocol=4))
    except FinefakeError as exc:
        print(NAME, "refused:", exc, flush=True)
    else:
        print(NAME, "loaded", flush=True)
"""


@pytest.fixture(scope="module")
def outcomes() -> dict[str, str]:
    code = CHILD + "".join(f"NAME = {name!r}\n{textwrap.dedent(case)}" for name, case in CASES.items())
    result = subprocess.run(
        [sys.executable, "-c", code], env=CHILD_ENV, capture_output=True, text=True, timeout=120
    )
    found = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    crashed = f"crashed (rc {result.returncode}) after {list(found)}: {result.stderr[-300:]}"
    return {name: found.get(name, crashed) for name in CASES}


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("object_array_longer_than_its_data", "50 elements holds 1"),
        ("huge_reconstruct_shape", "larger than the file could hold"),
        ("arrow_offsets_past_the_data", "fails validation"),
        ("memory_error", "more memory than there is"),
        ("counted_length_past_the_end", "not a well-formed pickle"),
    ],
)
def test_hostile_numbers_are_refused(outcomes, case, reason):
    assert outcomes[case].startswith("refused:") and reason in outcomes[case], outcomes[case]
