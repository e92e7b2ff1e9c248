"""The engine option: validation, the config section, and the Ray session's lifetime."""

from __future__ import annotations

import pytest

from finefake.config import load_config
from finefake.engine import EngineConfig, ray_session
from finefake.errors import FinefakeError


def test_engine_config_rejects_unknown_engines_and_stray_addresses() -> None:
    with pytest.raises(FinefakeError, match="one of local, ray"):
        EngineConfig("spark")
    with pytest.raises(FinefakeError, match="needs --engine ray"):
        EngineConfig("local", ray_address="auto")
    with pytest.raises(FinefakeError, match="at least 1"):
        EngineConfig("ray", num_cpus=0)
    assert EngineConfig("ray").is_ray and not EngineConfig().is_ray


def test_engine_section_is_validated_in_the_config_file(tmp_path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("engine:\n  engine: ray\n  num_cpus: 2\n")
    assert load_config(good)["engine"] == {"engine": "ray", "num_cpus": 2}
    bad = tmp_path / "bad.yaml"
    bad.write_text("engine:\n  engin: ray\n")
    with pytest.raises(FinefakeError, match="did you mean"):
        load_config(bad)


def test_ray_session_leaves_a_running_ray_running(ray_cluster) -> None:
    with ray_session(EngineConfig("ray")) as ray:
        assert ray.cluster_resources()["CPU"] == 2
    assert ray_cluster.is_initialized()
