"""Thread pools that wait politely: CPU time that does not grow with the machine's load.

OpenMP (torch, scikit-learn) and OpenBLAS keep their worker threads spinning on a core for a while after
each parallel region, betting the next region follows at once. On a quiet machine that bet is cheap; on a
busy one (other processes want the cores) every spinning thread burns CPU time while the thread it waits
for is not even scheduled, and a small benchmark run was measured at 5x the CPU time of the same run on a
quiet machine for identical results. So, before numpy or torch is first imported, the CLI asks the pools to
sleep while they wait (``OMP_WAIT_POLICY=PASSIVE``, ``KMP_BLOCKTIME=0``, ``OPENBLAS_THREAD_TIMEOUT=4``) and
to use no more threads than the cores this process may run on (``os.sched_getaffinity``, e.g. a container's
CPU set), and torch's intra-op and inter-op pools are sized the same way once torch is loaded.

Values the user set in the environment are kept; ``FINEFAKE_THREADS=keep`` leaves every library as it is.
"""

from __future__ import annotations

import os
import sys

#: Set to ``keep`` to leave the thread pools' defaults alone (to measure them, or to tune by hand).
KEEP_ENV = "FINEFAKE_THREADS"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity; the CPU count where affinity is unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def thread_environment(cores: int | None = None) -> dict[str, str]:
    """The environment defaults for polite, right-sized thread pools on ``cores`` cores."""
    n = str(cores or available_cores())
    return {
        "OMP_WAIT_POLICY": "PASSIVE",  # libgomp/libomp: sleep, not spin, between parallel regions
        "KMP_BLOCKTIME": "0",  # Intel/LLVM OpenMP's spin time in ms
        "OPENBLAS_THREAD_TIMEOUT": "4",  # OpenBLAS: spin 2^4 cycles (the minimum) before sleeping
        "OMP_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
    }


def configure_threads() -> dict[str, str]:
    """Set the thread-pool environment defaults (before numpy/torch load) and size torch's pools if it is
    already loaded; returns the variables it set. A no-op with ``FINEFAKE_THREADS=keep``."""
    if os.environ.get(KEEP_ENV, "").strip().lower() == "keep":
        return {}
    changed = {k: v for k, v in thread_environment().items() if k not in os.environ}
    os.environ.update(changed)
    if "torch" in sys.modules:
        size_torch()
    return changed


def size_torch() -> None:
    """torch's intra-op threads capped at the available cores and its inter-op pool at two threads (the
    models run one op at a time; a wider inter-op pool only adds waiting threads)."""
    if os.environ.get(KEEP_ENV, "").strip().lower() == "keep":
        return
    import torch

    cores = available_cores()
    if torch.get_num_threads() > cores:
        torch.set_num_threads(cores)
    try:
        torch.set_num_interop_threads(min(2, cores))
    except RuntimeError:  # already started (some op ran): it keeps its size
        pass
