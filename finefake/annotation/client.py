"""The Label Studio server backend (label-studio-sdk 2.x): one project per annotator, same tasks in each.

Label Studio Community Edition hands each task to one annotator and has no per-user assignment, so every
annotator gets their own project titled ``<prefix> · <annotator>``; exports are merged on the ``item_id`` of
the task data. Pushing is idempotent: tasks whose item id is already in a project are not imported again
(their data is updated when it changed), so pushing twice never duplicates tasks.

Credentials come only from the environment: ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY`` (the SDK's own
variable; a legacy token or a personal access token).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from finefake.annotation.files import check_annotator_name
from finefake.annotation.label_config import guidelines_html, labeling_config
from finefake.errors import FinefakeError, MissingCredentials

URL_VAR, TOKEN_VAR = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
DEFAULT_PREFIX = "FineFake"
TITLE_SEPARATOR = " · "


def project_title(prefix: str, annotator: str) -> str:
    return f"{prefix}{TITLE_SEPARATOR}{check_annotator_name(annotator)}"


@dataclass
class PushResult:
    """Per annotator project: its id, how many tasks were imported, updated and already present."""

    project_id: int
    imported: int
    updated: int
    unchanged: int


class LabelStudioServer:
    """A thin, testable wrapper over the SDK calls the annotation loop needs."""

    def __init__(self, url: str, token: str, *, timeout: float = 300.0) -> None:
        from label_studio_sdk import LabelStudio

        self.url = url.rstrip("/")
        self.client = LabelStudio(base_url=self.url, api_key=token, timeout=timeout)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, url: str | None = None) -> LabelStudioServer:
        """Connect with ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY`` (a ``url`` argument overrides the URL)."""
        env = os.environ if env is None else env
        url = url or env.get(URL_VAR)
        token = env.get(TOKEN_VAR)
        missing = [name for name, value in ((URL_VAR, url), (TOKEN_VAR, token)) if not value]
        if missing:
            raise MissingCredentials("Label Studio", missing)
        return cls(url, token)  # type: ignore[arg-type]

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        from label_studio_sdk.core.api_error import ApiError

        try:
            return fn()
        except ApiError as exc:
            body = exc.body if isinstance(exc.body, str) else json.dumps(exc.body, default=str)
            raise FinefakeError(f"Label Studio {what} failed (HTTP {exc.status_code}): {body[:500]}") from exc
        except OSError as exc:
            raise FinefakeError(f"Label Studio at {self.url} unreachable during {what}: {exc}") from exc
        except Exception as exc:  # httpx errors do not derive from OSError
            if type(exc).__module__.startswith("httpx"):
                raise FinefakeError(f"Label Studio at {self.url} unreachable during {what}: {exc}") from exc
            raise

    def projects_by_title(self) -> dict[str, int]:
        """Every project title -> id (the first one when titles repeat)."""
        found: dict[str, int] = {}
        for project in self._call("listing projects", lambda: list(self.client.projects.list(page_size=100))):
            found.setdefault(project.title, project.id)
        return found

    def ensure_project(self, title: str, *, existing: dict[str, int] | None = None) -> int:
        """Create the project with the FineFake config and guidelines, or bring an existing one up to date."""
        existing = self.projects_by_title() if existing is None else existing
        settings = {
            "label_config": labeling_config(),
            "expert_instruction": guidelines_html(),
            "show_instruction": True,
            "maximum_annotations": 1,
            "description": "FineFake fake-news annotation (one project per annotator).",
        }
        if title in existing:
            project_id = existing[title]
            self._call(
                f"updating project {title!r}", lambda: self.client.projects.update(project_id, **settings)
            )
            return project_id
        project = self._call(
            f"creating project {title!r}", lambda: self.client.projects.create(title=title, **settings)
        )
        return int(project.id)

    def task_index(self, project_id: int) -> dict[str, tuple[int, dict[str, Any]]]:
        """item_id -> (task id, task data) of every task in a project."""
        index: dict[str, tuple[int, dict[str, Any]]] = {}
        tasks = self._call(
            "listing tasks",
            lambda: list(self.client.tasks.list(project=project_id, fields="task_only", page_size=1000)),
        )
        for task in tasks:
            data = task.data or {}
            if isinstance(data.get("item_id"), str):
                index.setdefault(data["item_id"], (int(task.id), data))
        return index

    def push_tasks(
        self,
        project_id: int,
        tasks: list[dict[str, Any]],
        *,
        batch_size: int = 500,
        on_batch: Callable[[int], None] | None = None,
    ) -> PushResult:
        """Import tasks not yet in the project (by item id) and update the data of changed ones."""
        index = self.task_index(project_id)
        new, updated, unchanged = [], 0, 0
        for task in tasks:
            item_id = task["data"]["item_id"]
            if item_id not in index:
                new.append(task)
            elif index[item_id][1] != task["data"]:
                task_id = index[item_id][0]
                self._call(
                    f"updating task {task_id}",
                    lambda task_id=task_id, data=task["data"]: self.client.tasks.update(task_id, data=data),
                )
                updated += 1
            else:
                unchanged += 1
        for start in range(0, len(new), batch_size):
            batch = new[start : start + batch_size]
            self._call(
                f"importing tasks into project {project_id}",
                lambda batch=batch: self.client.projects.import_tasks(project_id, request=batch),
            )
            if on_batch:
                on_batch(len(batch))
        return PushResult(project_id, len(new), updated, unchanged)

    def export_json(self, project_id: int) -> list[dict[str, Any]]:
        """The project's Label Studio JSON export, all tasks included (the same format as an export file)."""
        chunks = self._call(
            f"exporting project {project_id}",
            lambda: b"".join(
                self.client.projects.exports.download_sync(
                    project_id, export_type="JSON", download_all_tasks=True
                )
            ),
        )
        try:
            export = json.loads(chunks)
        except json.JSONDecodeError as exc:
            raise FinefakeError(f"Label Studio export of project {project_id} is not JSON: {exc}") from exc
        if not isinstance(export, list):
            raise FinefakeError(f"Label Studio export of project {project_id} is not a list of tasks")
        return export

    def annotator_projects(self, prefix: str, annotators: list[str] | None = None) -> dict[str, int]:
        """annotator -> project id for the projects titled ``<prefix> · <annotator>``."""
        head = f"{prefix}{TITLE_SEPARATOR}"
        found = {
            title[len(head) :]: pid
            for title, pid in self.projects_by_title().items()
            if title.startswith(head)
        }
        if annotators is not None:
            missing = [a for a in annotators if a not in found]
            if missing:
                raise FinefakeError(
                    f"no Label Studio project for annotator(s) {', '.join(missing)} "
                    f"(expected titles like {project_title(prefix, missing[0])!r}); run push first"
                )
            found = {a: found[a] for a in annotators}
        if not found:
            raise FinefakeError(
                f"no Label Studio project titled '{head}<annotator>'; run `finefake annotate push`"
            )
        return dict(sorted(found.items()))
