"""The demo's annotate step moves its progress bar per task answered, not once at the end."""

from __future__ import annotations

from finefake.annotation.pipeline import write_tasks
from finefake.dataset.synthetic import ANNOTATORS
from finefake.demo.miniweb import MiniWeb, MiniWebConfig
from finefake.demo.pipeline import write_annotator_exports
from finefake.workspace import Workspace
from tests.annotation.helpers import aligned_items


def test_annotator_answers_advance_per_task(tmp_path, monkeypatch, progress_steps):
    items = aligned_items(6)
    ws = Workspace(tmp_path / "ws")
    ws.write_records("aligned", "aligned_item", items)
    answer = {"label": 1, "fine_grained_label": 2}
    truth = [{"urls": [i["url"]], "annotations": [answer] * len(ANNOTATORS)} for i in items[:4]]
    web = MiniWeb(tmp_path / "web", MiniWebConfig(), truth)
    write_tasks(ws, tmp_path / "tasks", list(ANNOTATORS))
    steps = progress_steps
    counts = write_annotator_exports(ws, web, tmp_path / "tasks", tmp_path / "exports")
    assert counts == {"annotated": 4, "unmatched": 2}
    assert steps == [1] * (6 * len(ANNOTATORS))
