"""What every linker returns, and the rho thresholds that decide keep / review / drop."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Decision = Literal["keep", "queue", "drop"]


@dataclass(frozen=True)
class Thresholds:
    """rho >= keep: kept automatically; review <= rho < keep: human review; rho < review: dropped.

    Both boundaries are inclusive as written (0.5 is kept, 0.3 is queued); the `tagme` PyPI client's strict
    ``rho > threshold`` is deliberately not followed.
    """

    keep: float = 0.5
    review: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.review <= self.keep <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 <= review ({self.review}) <= keep ({self.keep}) <= 1"
            )

    def decide(self, rho: float) -> Decision:
        if rho >= self.keep:
            return "keep"
        if rho >= self.review:
            return "queue"
        return "drop"


@dataclass
class Candidate:
    """A mention linked to one Wikidata item, with its confidence."""

    mention: str
    start: int
    end: int
    qid: str
    label: str
    description: str
    rho: float
    wikipedia_title: str | None = None

    def as_entity(
        self, *, source: str = "auto", reviewer: str | None = None, reviewed_at: str | None = None
    ) -> dict[str, Any]:
        """The ``entity`` record of the data contract."""
        entity = asdict(self)
        entity["rho"] = round(min(1.0, max(0.0, float(self.rho))), 6)
        entity.update(source=source, reviewer=reviewer, reviewed_at=reviewed_at)
        return entity
