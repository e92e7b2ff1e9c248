"""``annotate push`` moves its progress bar per imported batch of tasks, over all the annotators' projects."""

from __future__ import annotations

from finefake.annotation.client import PushResult
from finefake.annotation.pipeline import PushConfig, push
from finefake.workspace import Workspace

from .helpers import aligned_items


class RecordingServer:
    """The three calls ``push`` makes, answered as a fresh Label Studio would (every task new)."""

    def __init__(self) -> None:
        self.pushed: list[int] = []

    def projects_by_title(self):
        return {}

    def ensure_project(self, title, existing=None):
        return len(self.pushed) + 1

    def push_tasks(self, project_id, tasks, batch_size=500, on_batch=None):
        for start in range(0, len(tasks), batch_size):
            self.pushed.append(len(tasks[start : start + batch_size]))
            if on_batch:
                on_batch(len(tasks[start : start + batch_size]))
        return PushResult(project_id, len(tasks), 0, 0)


def test_push_advances_per_batch(tmp_path, monkeypatch, progress_steps):
    ws = Workspace(tmp_path / "ws")
    ws.write_records("aligned", "aligned_item", aligned_items(10))
    steps = progress_steps
    report = push(ws, RecordingServer(), PushConfig(annotators=["ann1", "ann2"], batch_size=4))
    assert report["items"] == 10
    assert steps == [4, 4, 2, 4, 4, 2]  # per batch, two projects: where there used to be one step per project
