"""The Label Studio labeling interface, the annotation guidelines, and the mapping of choices to label codes.

The XML and the guidelines are data files (``finefake/annotation/data/``) so that a project can adapt the
wording without touching code. The two control tags are ``binary`` (fake/real) and ``fine_grained`` (the six
FineFake classes, in release order); their choice values are the contract names of
:mod:`finefake.contract`, so a choice maps to its code by position.
"""

from __future__ import annotations

import html
import re
from functools import cache
from importlib import resources
from typing import Any

from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES

BINARY_TAG = "binary"
FINE_GRAINED_TAG = "fine_grained"
#: Task data fields the labeling config reads (each must be present in every task, Label Studio checks it).
TASK_FIELDS: tuple[str, ...] = (
    "item_id",
    "title",
    "text",
    "image",
    "source",
    "fact_check_claim",
    "fact_check_rating",
    "fact_check_link",
)


class LabelValueError(ValueError):
    """An annotation result holds a value the labeling config does not define."""


@cache
def _data_file(name: str) -> str:
    return resources.files("finefake.annotation").joinpath("data").joinpath(name).read_text(encoding="utf-8")


def labeling_config() -> str:
    """The Label Studio XML config: image, title, text, fact-check reference, two required single choices."""
    return _data_file("labeling_config.xml")


def guidelines_markdown() -> str:
    """The annotation guidelines as Markdown (shipped with the package)."""
    return _data_file("guidelines.md")


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def guidelines_html() -> str:
    """The guidelines as small HTML for Label Studio's Instructions panel (``expert_instruction``).

    Only the Markdown the guidelines use is understood (headings, paragraphs, ordered and bullet lists,
    bold and code spans); this avoids a Markdown dependency for one shipped file.
    """
    out: list[str] = []
    list_tag: str | None = None
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            out.append(f"</li></{list_tag}>")
            list_tag = None

    for raw in guidelines_markdown().splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        item = re.match(r"^(\d+\.|-)\s+(.*)$", line)
        if heading:
            close_paragraph()
            close_list()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            close_paragraph()
            tag = "ol" if item.group(1)[0].isdigit() else "ul"
            if list_tag != tag:
                close_list()
                start = ' start="0"' if tag == "ol" and item.group(1) == "0." else ""
                out.append(f"<{tag}{start}><li>")
                list_tag = tag
            else:
                out.append("</li><li>")
            out.append(_inline(item.group(2)))
        elif not line.strip():
            close_paragraph()
            if list_tag and not raw.startswith(" "):
                continue
        elif list_tag and raw.startswith(" "):
            out.append(" " + _inline(line.strip()))
        else:
            close_list()
            paragraph.append(line.strip())
    close_paragraph()
    close_list()
    return "\n".join(out)


def binary_code(value: str) -> int:
    """Code of a binary choice value ("fake" -> 0, "real" -> 1); raises LabelValueError for anything else."""
    key = str(value).strip().lower()
    if key not in LABEL_NAMES:
        raise LabelValueError(f"unknown binary label {value!r}; expected one of {', '.join(LABEL_NAMES)}")
    return LABEL_NAMES.index(key)


def fine_grained_code(value: str) -> int:
    """Code of a fine-grained choice value (FineFake order); raises LabelValueError for anything else."""
    key = " ".join(str(value).strip().lower().replace("_", " ").split())
    if key not in FINE_GRAINED_NAMES:
        raise LabelValueError(
            f"unknown fine-grained label {value!r}; expected one of {', '.join(FINE_GRAINED_NAMES)}"
        )
    return FINE_GRAINED_NAMES.index(key)


def choice_result(tag: str, value: str) -> dict[str, Any]:
    """One Label Studio result entry for a single choice (the shape of annotations and predictions)."""
    return {"from_name": tag, "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def _single(value: Any, tag: str) -> str | None:
    """A single choice from any export shape: "x", ["x"], {"choices": ["x"]}; None when absent."""
    if isinstance(value, dict):
        value = value.get("choices")
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, list):
        if len(value) != 1:
            raise LabelValueError(f"{tag}: expected one choice, got {len(value)} ({value!r})")
        value = value[0]
    if not isinstance(value, str):
        raise LabelValueError(f"{tag}: expected a choice name, got {value!r}")
    return value


def choices_from_result(result: list[dict[str, Any]]) -> dict[str, str | None]:
    """The chosen values of the two control tags in a Label Studio JSON ``result`` list."""
    found: dict[str, str | None] = {BINARY_TAG: None, FINE_GRAINED_TAG: None}
    for entry in result or []:
        tag = entry.get("from_name")
        if tag in found and entry.get("type", "choices") == "choices":
            found[tag] = _single(entry.get("value"), tag)
    return found


def choices_from_min_row(row: dict[str, Any]) -> dict[str, str | None]:
    """The chosen values of the two control tags in a Label Studio JSON-MIN row."""
    return {tag: _single(row.get(tag), tag) for tag in (BINARY_TAG, FINE_GRAINED_TAG)}
