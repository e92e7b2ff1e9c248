import collections

from typer.testing import CliRunner

from finefake import __version__
from finefake.cli import app
from finefake.contract import PLATFORMS, TOPICS
from finefake.dataset.synthetic import generate_records
from finefake.workspace import Workspace

runner = CliRunner()


def test_generator_covers_every_domain_and_class(synthetic_workspace):
    records = list(synthetic_workspace.read("records", "record"))
    assert len(records) == 240
    assert {r["platform"] for r in records} == set(PLATFORMS)
    assert {r["topic"] for r in records} == set(TOPICS)
    assert {r["fine_grained_label"] for r in records} == set(range(6))
    assert all((r["label"] == 1) == (r["fine_grained_label"] == 0) for r in records)
    for r in records:
        for e in r["entities"]:
            assert r["text"][e["start"] : e["end"]] == e["mention"]
        for image in r["images"]:
            assert synthetic_workspace.images.path(image["path"]).is_file()


def test_generator_plants_label_shift_between_groups(tmp_path):
    records = generate_records(1500, seed=3, workspace=Workspace(tmp_path))
    real = collections.defaultdict(list)
    for r in records:
        real[r["platform_group"]].append(r["label"])
    share = {g: sum(v) / len(v) for g, v in real.items()}
    assert share["fact_check"] < share["stream"] < share["official"]


def test_generator_is_deterministic(tmp_path):
    a = generate_records(60, seed=11, workspace=Workspace(tmp_path / "a"))
    b = generate_records(60, seed=11, workspace=Workspace(tmp_path / "b"))
    c = generate_records(60, seed=12, workspace=Workspace(tmp_path / "c"))
    assert a == b and a != c


def test_near_duplicates_share_a_cluster(tmp_path):
    records = generate_records(400, seed=5, workspace=Workspace(tmp_path))
    clusters = collections.Counter(r["duplicate_cluster"] for r in records if r["duplicate_cluster"])
    assert clusters and all(count >= 2 for count in clusters.values())


def test_cli_version_and_help():
    assert runner.invoke(app, ["--version"]).output.strip() == f"finefake {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "synthesize" in result.output


def test_cli_synthesize_writes_records(tmp_path):
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "synthesize", "-n", "30", "--seed", "2"])
    assert result.exit_code == 0, result.output
    ws = Workspace(tmp_path / "ws")
    assert len(list(ws.read("records", "record"))) == 30
    assert ws.load_manifest("records")["counts"]["records"] == 30


def test_cli_bad_config_is_a_readable_error(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("- just\n- a list\n")
    result = runner.invoke(app, ["-c", str(bad), "synthesize", "-n", "1"])
    assert result.exit_code != 0
    assert "must hold a mapping" in str(result.exception) + result.output
