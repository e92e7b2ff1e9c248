"""The prompt templates, versioned data files in ``finefake/data/prompts`` (shown in the benchmark report).

A template's ``name@vN`` tag is part of every cached response's key: rewording a prompt means bumping its
``version``, which invalidates exactly the responses made with the old wording. Few-shot examples are
rendered as earlier chat turns (the example as a user turn, its label's answer token as the assistant turn),
the way evaluation harnesses present shots to chat models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from finefake.errors import FinefakeError
from finefake.llm.client import Messages

PACKAGE = "finefake.data.prompts"


@dataclass(frozen=True)
class PromptTemplate:
    """One prompt: a system message, a user message with ``{content}`` (and ``{instruction}`` for restyling),
    and for detection the answer tokens (``choices``) of the classes in class order."""

    name: str
    version: int
    system: str
    user: str
    choices: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    answer: str = "{choice}"
    max_tokens: int = 0
    styles: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def tag(self) -> str:
        return f"{self.name}@v{self.version}"

    def render(self, content: str, examples: Sequence[tuple[str, int]] = (), **fields: str) -> Messages:
        """The chat messages for ``content``; ``examples`` are (content, class index) shots before it."""
        messages = [{"role": "system", "content": self.system.strip()}]
        for text, label in examples:
            messages.append({"role": "user", "content": self.user.format(content=text, **fields)})
            messages.append({"role": "assistant", "content": self.answer.format(choice=self.choices[label])})
        messages.append({"role": "user", "content": self.user.format(content=content, **fields)})
        return messages


def _parse(name: str, text: str) -> PromptTemplate:
    try:
        data: dict[str, Any] = yaml.safe_load(text)
        template = PromptTemplate(
            name=str(data["name"]),
            version=int(data["version"]),
            system=str(data["system"]),
            user=str(data["user"]),
            choices=tuple(str(c) for c in data.get("choices") or ()),
            classes=tuple(str(c) for c in data.get("classes") or ()),
            answer=str(data.get("answer") or "{choice}"),
            max_tokens=int(data.get("max_tokens") or 0),
            styles={str(k): str(v) for k, v in (data.get("styles") or {}).items()},
            source=text,
        )
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise FinefakeError(f"prompt template {name}: malformed ({exc})") from None
    if template.name != name:
        raise FinefakeError(f"prompt template file {name}.yaml names itself {template.name!r}")
    if len(template.choices) != len(template.classes):
        raise FinefakeError(
            f"prompt template {name}: {len(template.choices)} choices for {len(template.classes)} classes"
        )
    return template


@cache
def load_template(name: str) -> PromptTemplate:
    """The template ``finefake/data/prompts/<name>.yaml``."""
    path = resources.files(PACKAGE).joinpath(f"{name}.yaml")
    if not path.is_file():
        raise FinefakeError(f"no prompt template {name!r}; known: {', '.join(template_names())}")
    return _parse(name, path.read_text(encoding="utf-8"))


def template_names() -> list[str]:
    return sorted(
        p.name[: -len(".yaml")] for p in resources.files(PACKAGE).iterdir() if p.name.endswith(".yaml")
    )


def detection_template(n_classes: int) -> PromptTemplate:
    """The detection template of a task with ``n_classes`` classes (binary or FineFake's six)."""
    for name in ("detect-binary", "detect-fine"):
        template = load_template(name)
        if len(template.choices) == n_classes:
            return template
    raise FinefakeError(
        f"no detection prompt for a task with {n_classes} classes (binary and six-class exist)"
    )


def templates_markdown(names: Sequence[str] | None = None) -> str:
    """The templates as a Markdown section (name, version, the YAML as written), for the benchmark report."""
    parts = ["## Prompt templates", ""]
    for name in names or template_names():
        template = load_template(name)
        parts += [f"### {template.tag}", "", "```yaml", template.source.strip(), "```", ""]
    return "\n".join(parts)
