"""The Label Studio start-up wait: bounded generously (a loaded machine is slow, not broken), configurable, and
a failure says what it waited for. A stand-in executable that never answers plays the slow server."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _server_module():
    spec = importlib.util.spec_from_file_location(
        "ff_labelstudio_wait", REPO / "scripts/labelstudio/server.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def silent_server(tmp_path, monkeypatch) -> Path:
    binary = tmp_path / "label-studio"
    binary.write_text("#!/bin/sh\nexec sleep 30\n")
    binary.chmod(0o755)
    monkeypatch.setenv("LABEL_STUDIO_BIN", str(binary))
    return binary


def test_default_bound_holds_on_a_loaded_machine(silent_server, monkeypatch):
    module = _server_module()
    monkeypatch.delenv("LABEL_STUDIO_STARTUP_TIMEOUT", raising=False)
    assert module.LabelStudioProcess().startup_timeout >= 300
    monkeypatch.setenv("LABEL_STUDIO_STARTUP_TIMEOUT", "900")
    assert module.LabelStudioProcess().startup_timeout == 900


def test_timeout_names_what_it_waited_for(silent_server):
    module = _server_module()
    process = module.LabelStudioProcess(startup_timeout=2)
    with pytest.raises(module.LabelStudioUnavailable) as info:
        process.start()
    message = str(info.value)
    assert f"GET {process.url}/health within 2s" in message
    assert "LABEL_STUDIO_STARTUP_TIMEOUT" in message
    assert process.process.poll() is not None  # the silent server was stopped
