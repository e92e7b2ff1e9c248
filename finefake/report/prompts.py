"""The report's prompt section: for runs that used a language model, each prompt template as it was used.

Evaluation harnesses show their prompts beside their numbers, since a reworded prompt is a different
experiment. This section reads what the runs recorded (``fit_info["llm"]``: the template tags ``name@vN``,
the model and backend, the modality, the images sent) from each task's ``runs/`` folder, and prints every
template's text from ``finefake/data/prompts``. A run made with a version this installation no longer
ships is listed with a note instead of another version's text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finefake.report.html import esc


def llm_runs(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per distinct (task, detector, LLM, backend, templates, modality) among the runs' records."""
    rows: dict[tuple, dict[str, Any]] = {}
    for result in results:
        folder: Path | None = result.get("_folder")
        if folder is None:
            continue
        for path in sorted((Path(folder) / "runs").glob("*/*/*.json")):
            try:
                run = json.loads(path.read_text(encoding="utf-8"))
                info = (run.get("fit_info") or {}).get("llm")
            except (OSError, ValueError, AttributeError):
                continue
            if not isinstance(info, dict):
                continue
            templates = info.get("templates") or ([info["template"]] if info.get("template") else [])
            row = {
                "task": str(result.get("task", folder.name)),
                "detector": str(run.get("model", path.parts[-3])),
                "model": info.get("model") or "",
                "backend": info.get("backend") or "",
                "templates": [str(t) for t in templates],
                "modality": info.get("modality") or "text",
                "images": info.get("images"),
            }
            key = (row["task"], row["detector"], row["model"], row["backend"], tuple(row["templates"]))
            key += (row["modality"],)
            if key in rows and row["images"]:  # several seeds: the image counts add up
                seen = rows[key]["images"] or {}
                rows[key]["images"] = {k: seen.get(k, 0) + v for k, v in row["images"].items()}
            rows.setdefault(key, row)
    return list(rows.values())


def _template_html(tag: str) -> str:
    from finefake.errors import FinefakeError
    from finefake.llm.prompts import load_template

    name, _, version = tag.partition("@v")
    try:
        template = load_template(name)
    except FinefakeError:
        return f"<h4>{esc(tag)}</h4><p class='muted'>Not shipped with this installation.</p>"
    if str(template.version) != version:
        return (
            f"<h4>{esc(tag)}</h4><p class='muted'>This installation ships {esc(template.tag)}; the text of "
            f"version {esc(version)} is in the finefake release that made the run.</p>"
        )
    return f"<h4>{esc(tag)}</h4><pre>{esc(template.source.strip())}</pre>"


def prompts_section(results: list[dict[str, Any]]) -> str | None:
    """The LLM runs (detector, LLM, backend, templates, modality, images sent) and each template's text;
    None when no run used a language model."""
    rows = llm_runs(results)
    if not rows:
        return None
    body = []
    for row in rows:
        images = row["images"]
        sent = (
            f"{images.get('with_image', 0)} with / {images.get('without_image', 0)} without" if images else ""
        )
        cells = [row["task"], row["detector"], row["model"] or "as in the feature cache", row["backend"]]
        cells += [", ".join(row["templates"]), row["modality"], sent]
        body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in ("task", "detector", "LLM", "backend", "templates", "modality", "test items with image")
    )
    tags = sorted({t for row in rows for t in row["templates"]})
    note = (
        "<p class='muted'>ARG and ARG-D read rationales made once per item by the LLM chosen when the "
        "features were computed (--llm-endpoint / --llm-model; default the local SmolLM2-135M-Instruct).</p>"
        if any(row["detector"] in ("arg", "arg-d") for row in rows)
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}" + "".join(
        _template_html(t) for t in tags
    )
