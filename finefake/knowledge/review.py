"""The human-review queue: entities with review <= rho < keep wait here for a person's decision.

Files under ``<workspace>/aligned/review/``: ``queue.jsonl`` (one line per queued candidate, appended by the
aligner), ``decisions.jsonl`` (one line per accept/reject, appended as reviewers decide; the last decision for a
key wins). A candidate with a decision is never queued again. Decisions reach the aligned records through
:func:`finefake.knowledge.aligner.apply_reviews` (accepted entities get their triples fetched then).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError
from finefake.knowledge.linking.base import Candidate
from finefake.workspace import (
    Workspace,
    append_jsonl,
    atomic_write_json,
    atomic_write_text,
    read_jsonl,
    utcnow,
    warn_bad_line,
)

DECISIONS = ("accept", "reject")
CONTEXT_CHARS = 160
LABEL_STUDIO_CONFIG = """<View>
  <Header value="Does the highlighted mention refer to this Wikidata entity?"/>
  <Text name="text" value="$text"/>
  <Header value="$mention -> $label ($qid)"/>
  <Text name="description" value="$description"/>
  <Choices name="decision" toName="text" choice="single" required="true">
    <Choice value="accept"/>
    <Choice value="reject"/>
  </Choices>
</View>
"""


def review_key(item_id: str, start: int, end: int, qid: str) -> str:
    """Identity of one queued decision: the same mention linked to the same entity in the same item."""
    return f"{item_id}|{start}|{end}|{qid}"


def context_snippet(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> dict[str, str]:
    return {
        "before": text[max(0, start - width) : start],
        "mention": text[start:end],
        "after": text[end : end + width],
    }


class ReviewQueue:
    """The queue and decisions files of one workspace."""

    def __init__(self, ws: Workspace):
        self.dir = ws.stage_dir("aligned") / "review"
        self.queue_path = self.dir / "queue.jsonl"
        self.decisions_path = self.dir / "decisions.jsonl"

    @staticmethod
    def _append(path: Path, rows: Iterable[dict[str, Any]]) -> int:
        """Append rows (a torn last line of a killed run is dropped first, so nothing new is glued to it)."""
        return append_jsonl(path, rows)

    @staticmethod
    def _read(path: Path) -> list[dict[str, Any]]:
        """Every readable row; a bad line (torn, hand-edited) is reported and skipped, never hides the rest."""
        if not path.exists():
            return []
        return [row for row in read_jsonl(path, on_bad=warn_bad_line) if isinstance(row.get("key"), str)]

    def entries(self) -> dict[str, dict[str, Any]]:
        """Every queued candidate by key (first occurrence)."""
        out: dict[str, dict[str, Any]] = {}
        for row in self._read(self.queue_path):
            out.setdefault(row["key"], row)
        return out

    def decisions(self) -> dict[str, dict[str, Any]]:
        """The last decision per key: ``{"key", "decision", "reviewer", "at"}``."""
        return {row["key"]: row for row in self._read(self.decisions_path)}

    def pending(self) -> list[dict[str, Any]]:
        decided = self.decisions()
        return [e for k, e in self.entries().items() if k not in decided]

    def add(
        self, item: dict[str, Any], candidates: Iterable[Candidate], *, known: set[str] | None = None
    ) -> int:
        """Queue candidates of one item unless already queued or decided (``known`` = keys seen so far)."""
        known = known if known is not None else set(self.entries()) | set(self.decisions())
        rows = []
        for c in candidates:
            key = review_key(item["id"], c.start, c.end, c.qid)
            if key in known:
                continue
            known.add(key)
            rows.append(
                {
                    "key": key,
                    "item_id": item["id"],
                    "mention": c.mention,
                    "start": c.start,
                    "end": c.end,
                    "qid": c.qid,
                    "label": c.label,
                    "description": c.description,
                    "rho": c.rho,
                    "wikipedia_title": c.wikipedia_title,
                    "context": context_snippet(item["text"], c.start, c.end),
                    "queued_at": utcnow(),
                }
            )
        return self._append(self.queue_path, rows)

    def record(self, key: str, decision: str, reviewer: str, at: str | None = None) -> None:
        self.record_many([{"key": key, "decision": decision, "reviewer": reviewer, "at": at}])

    def record_many(self, rows: Iterable[dict[str, Any]]) -> int:
        """Append decisions after checking them (unknown keys and bad values raise, naming the row)."""
        entries = self.entries()
        clean = []
        for i, row in enumerate(rows):
            key, decision, reviewer = row.get("key"), row.get("decision"), row.get("reviewer")
            if key not in entries:
                raise FinefakeError(f"decision #{i + 1}: key {key!r} is not in the review queue")
            if decision not in DECISIONS:
                raise FinefakeError(
                    f"decision #{i + 1} ({key}): field 'decision' must be accept or reject, got {decision!r}"
                )
            if not isinstance(reviewer, str) or not reviewer.strip():
                raise FinefakeError(f"decision #{i + 1} ({key}): field 'reviewer' must name the reviewer")
            clean.append(
                {
                    "key": key,
                    "decision": decision,
                    "reviewer": reviewer.strip(),
                    "at": row.get("at") or utcnow(),
                }
            )
        return self._append(self.decisions_path, clean)


def _load_rows(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise FinefakeError(f"decisions file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(data, dict):
        data = data.get("decisions", [data])
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FinefakeError(f"{path}: expected a JSON list (or JSON lines) of decision objects")
    return data


def record_decisions_file(ws: Workspace, path: str | Path, *, reviewer: str | None = None) -> int:
    """Record a file of reviewer decisions (JSON list or JSON lines).

    Each row: ``{"key": ..., "decision": "accept"|"reject", "reviewer": ...}``, or instead of ``key`` the triple
    ``item_id`` + ``qid`` (+ ``start`` when the item has several queued mentions of that entity). ``reviewer``
    fills rows that do not name one. Returns the number of decisions recorded.
    """
    queue = ReviewQueue(ws)
    entries = queue.entries()
    rows = []
    for i, row in enumerate(_load_rows(path)):
        key = row.get("key")
        if key is None:
            matches = [
                k
                for k, e in entries.items()
                if e["item_id"] == row.get("item_id")
                and e["qid"] == row.get("qid")
                and ("start" not in row or e["start"] == row["start"])
            ]
            if len(matches) != 1:
                raise FinefakeError(
                    f"{path}: decision #{i + 1} matches {len(matches)} queued candidates "
                    f"(item_id={row.get('item_id')!r}, qid={row.get('qid')!r}); give 'key' or 'start'"
                )
            key = matches[0]
        rows.append(
            {
                "key": key,
                "decision": row.get("decision"),
                "reviewer": row.get("reviewer") or reviewer,
                "at": row.get("at"),
            }
        )
    return queue.record_many(rows)


def export_label_studio(ws: Workspace, path: str | Path) -> int:
    """Write the pending queue as Label Studio tasks (JSON) plus ``label_config.xml`` next to it."""
    tasks = []
    for e in ReviewQueue(ws).pending():
        ctx = e["context"]
        tasks.append(
            {
                "data": {
                    "key": e["key"],
                    "item_id": e["item_id"],
                    "text": f"{ctx['before']}[[{ctx['mention']}]]{ctx['after']}",
                    "mention": e["mention"],
                    "qid": e["qid"],
                    "label": e["label"],
                    "description": e["description"],
                    "rho": e["rho"],
                }
            }
        )
    path = Path(path)
    atomic_write_json(path, tasks)
    atomic_write_text(path.with_name("label_config.xml"), LABEL_STUDIO_CONFIG)
    return len(tasks)


def _annotator(annotation: dict[str, Any]) -> str | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return (
            who.get("email")
            or who.get("username")
            or (f"labelstudio-user-{who['id']}" if "id" in who else None)
        )
    if isinstance(who, (int, str)) and str(who):
        return f"labelstudio-user-{who}" if isinstance(who, int) else who
    return None


def import_label_studio(ws: Workspace, path: str | Path, *, reviewer: str | None = None) -> int:
    """Record the decisions of a Label Studio JSON export of tasks made by :func:`export_label_studio`.

    The latest non-cancelled annotation of a task counts; its ``decision`` choice gives accept/reject and its
    ``completed_by`` the reviewer (``reviewer`` overrides). Tasks without an answer are left pending.
    """
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FinefakeError(f"cannot read Label Studio export {path}: {exc}") from exc
    if not isinstance(tasks, list):
        raise FinefakeError(f"{path}: a Label Studio JSON export is a list of tasks")
    rows = []
    for task in tasks:
        key = (task.get("data") or {}).get("key")
        annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if not key or not annotations:
            continue
        latest = max(annotations, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        choice = None
        for result in latest.get("result") or []:
            if result.get("from_name") == "decision":
                choices = (result.get("value") or {}).get("choices") or []
                choice = choices[0] if choices else None
        if choice is None:
            continue
        rows.append(
            {
                "key": key,
                "decision": choice,
                "reviewer": reviewer or _annotator(latest),
                "at": latest.get("updated_at") or latest.get("created_at"),
            }
        )
    return ReviewQueue(ws).record_many(rows)


def review_interactive(
    ws: Workspace,
    reviewer: str,
    *,
    ask: Callable[[str], str],
    show: Callable[[str], None],
    limit: int | None = None,
) -> dict[str, int]:
    """Work the queue at the terminal: accept / reject / skip / quit; each decision is saved at once."""
    if not reviewer.strip():
        raise FinefakeError("the reviewer's name is required (--reviewer)")
    queue = ReviewQueue(ws)
    pending = queue.pending()
    counts = {"accept": 0, "reject": 0, "skip": 0, "pending": len(pending)}
    for n, e in enumerate(pending[:limit] if limit else pending, 1):
        ctx = e["context"]
        show(f"\n[bold]{n}/{len(pending)}[/]  item {e['item_id']}  rho={e['rho']:.3f}")
        show(f"…{ctx['before']}[reverse]{ctx['mention']}[/]{ctx['after']}…")
        show(f"candidate: [bold]{e['label']}[/] ({e['qid']}): {e['description'] or '(no description)'}")
        while True:
            answer = ask("[a]ccept, [r]eject, [s]kip, [q]uit? ").strip().lower()[:1]
            if answer in ("a", "r", "s", "q"):
                break
        if answer == "q":
            break
        if answer == "s":
            counts["skip"] += 1
            continue
        decision = "accept" if answer == "a" else "reject"
        queue.record(e["key"], decision, reviewer)
        counts[decision] += 1
    counts["pending"] = len(queue.pending())
    return counts
