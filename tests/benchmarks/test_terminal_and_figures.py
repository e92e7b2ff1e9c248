"""What a researcher reads: terminal tables that fit 80 columns, ± only with several seeds, complete figures."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from rich.console import Console

from finefake.benchmarks.reports import Cell, _fmt, _heatmap_axes, variance_note
from finefake.benchmarks.runner import BenchConfig, run_benchmark
from finefake.benchmarks.terminal import terminal_table

from .tinydata import featurize


@pytest.fixture(scope="module")
def results(tiny_bench_inputs, tmp_path_factory):
    features, items = tiny_bench_inputs
    out = tmp_path_factory.mktemp("bench")
    one = run_benchmark(
        features,
        items,
        BenchConfig(["binary", "platform-da"], ["majority", "logreg"], seeds=[0], out=out / "one"),
    )
    three = run_benchmark(
        features, items, BenchConfig(["binary"], ["majority", "logreg"], seeds=[0, 1, 2], out=out / "three")
    )
    return (
        {f"{k}-1": json.loads(p.read_text()) for k, p in one.items()}
        | {f"{k}-3": json.loads(p.read_text()) for k, p in three.items()}
        | {"folder": out}
    )


@pytest.fixture(scope="module")
def tiny_bench_inputs(synthetic_workspace):
    from finefake.benchmarks.tasks import ItemTable

    records = list(synthetic_workspace.read("records"))
    return featurize(records, synthetic_workspace), ItemTable.from_records(records)


def _render(table, width: int = 80) -> list[str]:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))
    console.print(table)
    return console.export_text().splitlines()


def test_terminal_tables_fit_80_columns_and_adaptation_is_long_form(results):
    lines = _render(terminal_table(results["platform-da-1"]))
    assert max(map(len, lines)) <= 80
    header = next(line for line in lines if "source" in line)
    assert header.split() == ["model", "source", "target", "Acc", "wF1"]
    settings = [s for s in results["platform-da-1"]["settings"] if not s["skipped"]]
    body = [line for line in lines if line.strip().startswith(("majority", "logreg"))]
    assert len(body) == 3 * len(settings)  # two models and the majority reference, one row per setting
    assert any(" FC " in line and " ST " in line for line in body)


def test_plus_minus_only_with_several_seeds_and_the_count_is_said(results):
    one, three = (
        "\n".join(_render(terminal_table(results["binary-1"]))),
        "\n".join(_render(terminal_table(results["binary-3"]))),
    )
    assert "±" not in one.split("\n", 3)[3].rsplit("\n", 2)[0] and "one seed" in one
    assert "±" in three and "3 model seeds" in three
    folder = results["folder"]
    assert "±" not in (folder / "one" / "binary" / "table.md").read_text().split("\n", 1)[1]
    assert "over 3 model seeds" in (folder / "three" / "binary" / "table.md").read_text()


def test_cell_format_and_variance_note():
    assert _fmt(Cell(0.5, 0.0, 1), False, False) == "50.00"
    assert _fmt(Cell(0.5, 0.01, 3), False, False) == "50.00 ± 1.00"
    assert variance_note([Cell(0.5, 0.0, 1)]) == "one seed: single runs, no std"
    assert (
        variance_note([Cell(0.5, 0.0, 3), Cell(0.5, 0.0, 2)])
        == "mean ± std over 2-3 model seeds on one split"
    )


def test_heatmap_rows_and_columns_share_names_and_order_with_the_tables():
    def setting(name: str):
        return SimpleNamespace(name=name, source="?", target="?")

    names = ["FC -> ST", "FC -> OF", "ST -> FC", "ST -> OF", "OF -> FC", "OF -> ST"]
    rows, cols, position = _heatmap_axes([setting(n) for n in names])
    assert rows == cols == ["FC", "ST", "OF"]
    assert position["ST -> OF"] == (1, 2)
    rows, cols, _ = _heatmap_axes(
        [setting("conflict@FC -> politics@ST"), setting("conflict@ST -> politics@FC")]
    )
    assert rows == ["conflict@FC", "conflict@ST"] and cols == ["politics@FC", "politics@ST"]


def test_bar_chart_shows_every_metric(results):
    from PIL import Image

    folder = results["folder"] / "three" / "binary"
    with Image.open(folder / "bars.png") as image:
        width, height = image.size
    assert width > 1.8 * height  # one panel per metric side by side (Acc, Prec, Rec, F1)
