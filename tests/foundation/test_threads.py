"""Thread pools that sleep while they wait, sized to the cores this process may use (issue 31)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finefake.threads import available_cores, thread_environment

ROOT = Path(__file__).parents[2]
PROBE = (
    "import json, os, finefake.cli, torch; "
    "print(json.dumps({'env': {k: os.environ.get(k) for k in ('OMP_WAIT_POLICY', 'OMP_NUM_THREADS', "
    "'OPENBLAS_THREAD_TIMEOUT')}, 'torch': torch.get_num_threads()}))"
)


def _probe(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in thread_environment() and k != "FINEFAKE_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean | env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cli_start_sets_passive_waits_and_core_sized_pools_before_torch_loads():
    found = _probe()
    cores = available_cores()
    assert found["env"] == {
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": str(cores),
        "OPENBLAS_THREAD_TIMEOUT": "4",
    }
    assert found["torch"] == cores  # torch read the size when it loaded, after the CLI set it


@pytest.mark.slow
def test_the_users_own_settings_and_keep_win():
    assert _probe(OMP_WAIT_POLICY="ACTIVE", OMP_NUM_THREADS="1")["env"]["OMP_WAIT_POLICY"] == "ACTIVE"
    kept = _probe(FINEFAKE_THREADS="keep")["env"]
    assert kept == {"OMP_WAIT_POLICY": None, "OMP_NUM_THREADS": None, "OPENBLAS_THREAD_TIMEOUT": None}
