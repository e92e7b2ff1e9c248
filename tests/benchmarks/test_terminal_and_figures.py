"""What a researcher reads: terminal tables that fit 80 columns, ± only with several seeds, complete figures."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from finefake.benchmarks.cells import Cell, _fmt, beats_reference, variance_note
from finefake.benchmarks.plots import _heatmap_axes, model_colour
from finefake.benchmarks.reports import render_tables
from finefake.benchmarks.runner import BenchConfig, run_benchmark
from finefake.benchmarks.tasks import TASK_NAMES
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
        features,
        items,
        BenchConfig(list(TASK_NAMES), ["majority", "logreg"], seeds=[0, 1, 2], out=out / "three"),
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
    """The table as the CLI prints it: an ``width``-column console that soft-wraps (finefake.cli sets it)."""
    console = Console(width=width, record=True, file=open("/dev/null", "w"), soft_wrap=True)
    console.print(table)
    return console.export_text().splitlines()


def _worst_case(results: dict) -> dict:
    """``results`` as a long model name and several re-splits would make it: the widest cells there are."""
    wide = json.loads(json.dumps(results))
    wide["models"] = [*wide["models"], "a-detector-with-a-long-name"]
    for row in list(wide["results"]):
        row = json.loads(json.dumps(row))
        row["model"] = "a-detector-with-a-long-name"
        row["degenerate_runs"] = 1
        for stats in row["metrics"].values():
            stats.update(std=0.1234, std_split=0.0567, n=6)
        wide["results"].append(row)
    return wide


def test_every_terminal_table_fits_80_columns(results):
    """Every task's table -- as the runs made it and with the widest cells possible -- fits 80 columns,
    and its caption explains every mark it uses."""
    tables = [results[f"{name}-3"] for name in TASK_NAMES] + [results["binary-1"], results["platform-da-1"]]
    for result in tables + [_worst_case(r) for r in tables]:
        lines = _render(terminal_table(result))
        assert max(map(len, lines)) <= 80, (result["task"], max(lines, key=len))
        caption = " ".join(" ".join(lines).split())
        for mark, meaning in (("†", "† at least one run"), ("‡", "‡ the same score")):
            if any(mark in line for line in lines if line.startswith(" ") and "  " in line.strip()):
                assert meaning in caption, (result["task"], mark)


def test_official_split_of_an_imported_dataset_is_one_classification_setting(results):
    """An imported dataset's official split (setting "official", source and target "all") is read as a
    classification task: no source/target columns (issue 28)."""
    official = json.loads(json.dumps(results["binary-3"]))
    official.pop("kind", None)
    for setting in official["settings"]:
        setting["name"] = "official"
    for row in official["results"]:
        row["setting"] = "official"
    lines = _render(terminal_table(official))
    header = next(line for line in lines if "Acc" in line)
    assert header.split() == ["model", "Acc", "Prec", "Rec", "F1"]
    assert "split: official" in " ".join(lines)
    assert sum(1 for line in lines if re.match(r"\s*(majority|logreg)[ (ref.)]*\s+\d", line)) == 3


def test_terminal_tables_fit_80_columns_and_adaptation_is_long_form(results):
    lines = _render(terminal_table(results["platform-da-1"]))
    assert max(map(len, lines)) <= 80
    header = next(line for line in lines if "source" in line)
    assert header.split() == ["model", "source", "target", "Acc", "wF1", "Δ", "ref"]
    settings = [s for s in results["platform-da-1"]["settings"] if not s["skipped"]]
    body = [line for line in lines if re.match(r"\s*(majority|logreg)[ (ref.)]*\s+[A-Z]", line)]
    assert len(body) == 3 * len(settings)  # two models and the majority reference, one row per setting
    assert any(" FC " in line and " ST " in line for line in body)


def test_plus_minus_only_with_several_seeds_and_the_count_is_said(results):
    one, three = (
        "\n".join(_render(terminal_table(results["binary-1"]))),
        "\n".join(_render(terminal_table(results["binary-3"]))),
    )
    assert "±" not in one.split("\n", 3)[3].rsplit("\n", 2)[0] and "one seed" in one
    rows = [line for line in three.splitlines() if re.match(r"\s*(majority|logreg)\s+\d", line)]
    assert "3 model seeds" in three and len(rows) == 2 and not any("±" in row for row in rows)
    assert "‡" in three and "the seeds do not vary this model" in " ".join(three.split())
    folder = results["folder"]
    assert "±" not in (folder / "one" / "binary" / "table.md").read_text().split("\n", 1)[1]
    assert "over 3 model seeds" in (folder / "three" / "binary" / "table.md").read_text()
    assert "± 0.00" not in (folder / "three" / "binary" / "table.md").read_text()


def test_cell_format_and_variance_note():
    assert _fmt(Cell(0.5, 0.0, 1), False, False) == "50.00"
    assert _fmt(Cell(0.5, 0.01, 3), False, False) == "50.00 ± 1.00"
    assert _fmt(Cell(0.5, 0.0, 3), False, False) == "50.00 ‡"  # seeds that do not vary the model
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


def test_bold_only_above_the_majority_reference():
    """A single non-degenerate model below "always say the majority class" is not bold (the platform-da
    ST -> FC case of issue 29: 50.00 bolded against a reference of 80.00); above it, it is."""
    scores = {("a", "S"): Cell(0.50, 0.0, 1), ("b", "S"): Cell(0.80, 0.0, 1, degenerate=True),
              ("a", "T"): Cell(0.90, 0.0, 1), ("b", "T"): Cell(0.70, 0.0, 1)}  # fmt: skip
    refs = {"S": 0.80, "T": 0.60}
    md, tex = render_tables(
        "t", ["a", "b"], ["S", "T"], ["accuracy"], lambda m, g, _: scores.get((m, g)), lambda g, _: refs[g]
    )
    bold = [cell for cell in md.split("|") if "**" in cell and "." in cell]
    assert bold == [" **90.00** "], md
    assert "Bold: the best model of a column, only where it beats the majority reference." in md
    assert "\\textbf{90.00}" in tex and "\\textbf{50.00}" not in tex
    assert not beats_reference(Cell(0.8, 0.0, 1), 0.8) and beats_reference(Cell(0.81, 0.0, 1), 0.8)


def _bold_cells_and_references(table_md: str) -> list[tuple[float, float]]:
    """(bold mean, majority reference of its column) for every bold cell of a Markdown results table."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in table_md.split("\n\n", 2)[1].splitlines()
        if line.startswith("|") and "---" not in line
    ]
    reference = next(r for r in rows if r[0].startswith("*majority"))
    return [
        (float(re.match(r"\*\*([\d.]+)", cell).group(1)), float(reference[j]))
        for row in rows[1:]
        for j, cell in enumerate(row)
        if j and cell.startswith("**")
    ]


def test_no_bold_cell_is_at_or_below_the_reference_in_written_tables(results):
    bold = []
    for name in TASK_NAMES:
        bold += _bold_cells_and_references((results["folder"] / "three" / name / "table.md").read_text())
    assert all(mean > reference for mean, reference in bold), bold


def test_rerun_with_fewer_models_and_seeds_keeps_the_earlier_matching_runs(tiny_bench_inputs, tmp_path):
    """`bench --models logreg --seeds 1` after a three-seed run of majority and logreg: the tables still
    show majority and all three logreg seeds; a run file made under another key is named as left out."""
    features, items = tiny_bench_inputs
    first = BenchConfig(["platform-da"], ["majority", "logreg"], seeds=[0, 1, 2], out=tmp_path)
    run_benchmark(features, items, first)
    stale = sorted((tmp_path / "platform-da" / "runs" / "majority").rglob("seed-2.json"))
    for path in stale:  # as if made on other data
        path.write_text(json.dumps({**json.loads(path.read_text()), "run_key": "made-elsewhere"}))
    path = run_benchmark(features, items, BenchConfig(["platform-da"], ["logreg"], seeds=[0], out=tmp_path))
    result = json.loads(path["platform-da"].read_text())
    assert result["models"] == ["logreg", "majority"]
    by_model = {}
    for row in result["results"]:
        by_model.setdefault(row["model"], set()).update(row["seeds"])
    assert by_model["logreg"] == {0, 1, 2}
    assert by_model["majority"] == {0, 1}
    note = f"{len(stale)} run file(s) of majority made with other data, split or hyper-parameters"
    assert result["left_out"] == [note]
    table = (tmp_path / "platform-da" / "table.md").read_text()
    assert "| majority |" in table and f"Not shown: {note}" in table
    assert "Not shown" in " ".join(" ".join(_render(terminal_table(result))).split())


def test_one_colour_per_model_and_every_figure_in_svg_and_pdf(results):
    assert model_colour("logreg") == model_colour("logreg") != model_colour("majority")
    assert model_colour("some-new-detector") == model_colour("some-new-detector")
    for png in (results["folder"] / "three").rglob("*.png"):
        assert png.with_suffix(".svg").is_file() and png.with_suffix(".pdf").is_file(), png
        svg = png.with_suffix(".svg").read_text()
        if png.name == "bars.png":  # the bars carry the model's fixed colour
            assert model_colour("logreg").lower() in svg.lower()


def test_one_seed_or_flat_seeds_draw_no_error_bars(monkeypatch, tmp_path):
    """No error bars and no caps for one seed, nor for a model whose seeds all give one score; the caption
    says why. Several differing seeds do get error bars."""
    from finefake.benchmarks import plots

    drawn = {}

    def keep(fig, path, **_):
        drawn[path.name] = fig
        return path

    monkeypatch.setattr(plots, "save_figure", keep)
    cases = {"one.png": Cell(0.6, 0.0, 1), "flat.png": Cell(0.6, 0.0, 3), "spread.png": Cell(0.6, 0.05, 3)}
    for name, cell in cases.items():
        plots.plot_bars(tmp_path / name, "t", ["logreg"], ["all"], ["accuracy"], lambda *_, c=cell: c)
    from matplotlib.container import BarContainer

    bars = {
        name: next(c for c in fig.axes[0].containers if isinstance(c, BarContainer))
        for name, fig in drawn.items()
    }
    assert bars["one.png"].errorbar is None and bars["flat.png"].errorbar is None
    assert bars["spread.png"].errorbar is not None
    titles = {name: " ".join(fig._suptitle.get_text().split()) for name, fig in drawn.items()}
    assert "one seed: no error bars" in titles["one.png"]
    assert "the seeds do not vary these models" in titles["flat.png"]


def test_dual_da_heatmap_marks_cells_not_run(results):
    folder = results["folder"] / "three" / "dual-da"
    svg = (folder / "heatmap.svg").read_text()
    assert ">same<" not in svg  # the old label of the diagonal
    settings = json.loads((folder / "results.json").read_text())["settings"]
    sides = [s["name"].split(" -> ") for s in settings if not s.get("skipped")]
    sources, targets = {a.split("@")[-1] for a, _ in sides}, {b.split("@")[-1] for _, b in sides}
    assert ("not run" in svg) == bool(sources & targets)  # a cell source = target group is never trained


def test_kappa_heatmap_is_colour_blind_safe_over_the_data_range_with_the_diagonal_masked(
    monkeypatch, tmp_path
):
    from finefake.annotation.report import heatmap
    from finefake.stats import figures

    drawn = {}

    def keep(fig, path, **_):
        drawn["fig"] = fig
        return path

    monkeypatch.setattr(figures, "save_figure", keep)
    kappas = [[1.0, 0.48, 0.83], [0.48, 1.0, 0.6], [0.83, 0.6, 1.0]]
    heatmap({"annotators": ["a", "b", "c"], "cohen_pairwise": kappas}, "kappa", tmp_path / "k.png")
    image = drawn["fig"].axes[0].images[0]
    assert image.get_cmap().name == "viridis"
    assert (image.norm.vmin, image.norm.vmax) == (0.48, 0.83)
    mask = np.ma.getmaskarray(image.get_array())
    assert mask.diagonal().all() and not mask[0, 1]


def test_stats_bars_colour_real_apart_and_leave_room_for_the_counts(tmp_path):
    from finefake.stats import figures

    counts = {"real": 50, "text-image inconsistency": 20, "content-knowledge inconsistency": 12, "others": 3}
    path = figures.proportions(counts, "Fine-grained labels", tmp_path / "fine.png", fake_classes=True)
    assert path.is_file() and path.with_suffix(".svg").is_file() and path.with_suffix(".pdf").is_file()
    svg = path.with_suffix(".svg").read_text()
    assert figures._REAL.lower() in svg.lower() and figures._FAKE_SHADES[0].lower() in svg.lower()


def test_demo_prints_progress_to_stderr_and_results_to_stdout(results, monkeypatch, capsys, tmp_path):
    """`finefake demo`: the stages' progress on stderr, the result tables and output paths on stdout (a
    long path on one line, never broken), and model loaders' progress bars switched off."""
    from finefake.cli import run
    from finefake.demo import pipeline

    table = results["folder"] / "one" / "binary" / "table.md"
    long_path = "/tmp/" + "a-rather-long-folder-name/" * 4 + "report.html"

    def fake_run_demo(config, report=None, **_):
        report("crawl snopes", {"items": 3})
        return pipeline.DemoResult(
            stages={"bench": {"tables": {"binary": str(table)}}}, paths={"report": long_path}, seconds=1
        )

    monkeypatch.setattr(pipeline, "run_demo", fake_run_demo)
    monkeypatch.setenv("COLUMNS", "80")
    assert run(["demo", "-o", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "crawl snopes" in err and "items: 3" in err and "crawl snopes" not in out
    assert "binary: binary fake/real detection" in out and "majority (ref.)" in out
    assert f"report: {long_path}" in out.splitlines()
    assert pipeline.DEMO_ENV["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
