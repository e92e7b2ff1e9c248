"""No module of ``finefake/`` over 600 lines (issue 27): a module that long holds more than one idea, cannot be
read in one sitting, and is where parallel changes collide. Split it by what it holds into small modules named
after that, keeping the old import path (a re-export) where other code imports it.
"""

from __future__ import annotations

from pathlib import Path

import finefake

ROOT = Path(finefake.__file__).resolve().parent
MAX_LINES = 600


def oversized(root: Path = ROOT, limit: int = MAX_LINES) -> list[tuple[str, int]]:
    """``(path relative to the package's parent, line count)`` of every ``.py`` file over ``limit`` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append((path.relative_to(root.parent).as_posix(), lines))
    return found


def test_oversized_counts_the_lines_of_every_module(tmp_path: Path) -> None:
    pkg = tmp_path / "finefake"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "short.py").write_text("x = 1\n" * 600)
    (pkg / "sub" / "long.py").write_text("x = 1\n" * 601)
    (pkg / "sub" / "notes.txt").write_text("x\n" * 1000)
    assert oversized(pkg) == [("finefake/sub/long.py", 601)]


def test_no_module_over_600_lines() -> None:
    found = oversized()
    assert not found, f"modules over {MAX_LINES} lines (split them by what they hold):\n" + "\n".join(
        f"  {path}: {lines} lines" for path, lines in found
    )
