"""The --config file is validated as a whole against the stages' typed options."""

from __future__ import annotations

import pytest

from finefake.clean.config import CleanConfig
from finefake.config import config_model, load_config
from finefake.errors import FinefakeError


def _write(tmp_path, text: str):
    path = tmp_path / "finefake.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_keeps_only_given_keys_with_their_types(tmp_path):
    path = _write(
        tmp_path,
        "package:\n  seed: '3'\n  license: cc-by-4.0\n  splits: '8:1:1'\n"
        "clean: {stages: [crawl/news]}\n"
        "crawl: {http: {rate: 2}, snopes: {limit: 4, since: 2020-01-31, http: {user_agent: me}}}\n"
        "features: {transe: {dim: 8}, text_options: {model: /models/bert}}\n"
        "align:\n",
    )
    config = load_config(path)
    assert config["package"] == {"seed": 3, "license": "cc-by-4.0", "splits": "8:1:1"}
    assert config["clean"] == {"stages": ("crawl/news",)}
    assert config["crawl"] == {
        "http": {"rate": 2.0},
        "snopes": {"limit": 4, "since": "2020-01-31", "http": {"user_agent": "me"}},
    }
    assert config["features"]["transe"] == {"dim": 8}
    assert CleanConfig(**config["clean"]).stages == ("crawl/news",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("package:\n  seeed: 3\n", "unknown key 'package.seeed' (did you mean 'seed'?)"),
        ("pakage:\n  seed: 3\n", "unknown section 'pakage' (did you mean 'package'?)"),
        (
            "crawl:\n  snopes:\n    http: {rat: 2}\n",
            "unknown key 'crawl.snopes.http.rat' (did you mean 'rate'?)",
        ),
        ("package:\n  seed: notanint\n", "section 'package', key 'seed': expected integer, got 'notanint'"),
        ("crawl:\n  snopes: {limit: many}\n", "key 'limit': expected integer or null, got 'many'"),
        ("clean:\n  stages: 3\n", "key 'stages': expected list of strings, got 3"),
        ("features:\n  transe: {lr: fast}\n", "section 'features.transe', key 'lr': expected number"),
        ("clean: 7\n", "section 'clean' must be a mapping of keys, got 7"),
        (
            "bench:\n  seeds: 3\n",
            "unknown section 'bench' (known: crawl, clean, align, package, features, engine)",
        ),
    ],
)
def test_mistakes_are_named_with_section_key_and_type(tmp_path, text, expected):
    with pytest.raises(FinefakeError) as info:
        load_config(_write(tmp_path, text))
    message = str(info.value)
    assert expected in message and "finefake.yaml" in message and "\n" not in message


def test_every_mistake_of_a_file_is_reported_at_once(tmp_path):
    with pytest.raises(FinefakeError) as info:
        load_config(_write(tmp_path, "package: {seeed: 1, seed: x}\nclen: {}\n"))
    assert all(part in str(info.value) for part in ("seeed", "'seed'", "clen"))


def test_yaml_syntax_error_names_the_file_line_and_column(tmp_path):
    with pytest.raises(FinefakeError) as info:
        load_config(_write(tmp_path, "package:\n  seed: 3\n  license: [cc\n"))
    assert f"{tmp_path / 'finefake.yaml'}:4:1: YAML syntax error" in str(info.value)
    assert "<unicode string>" not in str(info.value)


def test_model_follows_the_stage_dataclasses():
    """A new option in a stage's dataclass is accepted without a second declaration."""
    fields = config_model().model_fields["clean"].annotation.__args__[0].model_fields
    assert set(fields) == set(CleanConfig.__dataclass_fields__)
