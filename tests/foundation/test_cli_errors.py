"""Every mistake a user can make ends in exit status 2 and one clear line, never a traceback or "Aborted."."""

from __future__ import annotations

import os
import pickle

import pytest

from finefake.cli import run


class _Evil:
    def __reduce__(self):
        return (os.system, ("true",))


def _files(tmp_path):
    files = {
        "empty.pkl": b"",
        "text.pkl": b"id,text\n1,hello\n",
        "truncated.pkl": pickle.dumps(list(range(1000)), protocol=5)[:200],
        "evil.pkl": pickle.dumps(_Evil()),
        "typo.yaml": b"package:\n  seeed: 3\n",
        "section.yaml": b"pakage:\n  seed: 3\n",
        "type.yaml": b"package:\n  seed: notanint\n",
        "syntax.yaml": b"package: [1\n",
        "list.yaml": b"- a\n- b\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)


#: (arguments, what the one line must say); {t} is the test's folder.
MISTAKES = [
    (["-c", "{t}/typo.yaml", "package"], "unknown key 'package.seeed' (did you mean 'seed'?)"),
    (["-c", "{t}/section.yaml", "package"], "unknown section 'pakage' (did you mean 'package'?)"),
    (["-c", "{t}/type.yaml", "package"], "section 'package', key 'seed': expected integer, got 'notanint'"),
    (["-c", "{t}/syntax.yaml", "package"], "{t}/syntax.yaml:2:1: YAML syntax error"),
    (["-c", "{t}/list.yaml", "package"], "must hold a mapping of sections"),
    (["-c", "{t}/missing.yaml", "package"], "'{t}/missing.yaml' does not exist"),
    (["import", "finefake-release", "{t}/empty.pkl"], "is empty, not a pickle file"),
    (["import", "finefake-release", "{t}/empty.pkl", "--trust-pickle"], "is empty, not a pickle file"),
    (["import", "finefake-release", "{t}/text.pkl"], "is not a pickle file"),
    (["import", "finefake-release", "{t}/text.pkl", "--trust-pickle"], "is not a pickle file"),
    (["import", "finefake-release", "{t}/truncated.pkl", "--trust-pickle"], "damaged or truncated pickle"),
    (["import", "finefake-release", "{t}/truncated.pkl"], "truncated.pkl"),
    (["import", "finefake-release", "{t}/evil.pkl"], "--trust-pickle"),
    (["import", "finefake-release", "{t}/nothere.pkl"], "does not exist"),
    (["bench", "binary"], "run `finefake synthesize` (synthetic records), `finefake import finefake-release"),
    (["bench", "binary", "--models", "a,logreg,b,c"], "unknown model(s) 'a', 'b', 'c'; registered models:"),
    (["bench", "binary", "--modles", "logreg"], "No such option: --modles"),
    (["synthesize", "-n", "many"], "Invalid value for '--items'"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (["package"], "no records in {t}/ws/records"),
    (["features"], "no records in {t}/ws/records"),
    (["stats"], "no dataset at {t}/ws/dataset"),
    (["review"], "no answer on standard input"),
    (["report"], "nothing to report in {t}/ws"),
]


@pytest.mark.parametrize(("args", "expected"), MISTAKES, ids=[" ".join(a[:3]) for a, _ in MISTAKES])
def test_mistake_is_one_line_and_status_2(tmp_path, capsys, monkeypatch, args, expected):
    _files(tmp_path)
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # a prompt gets no answer, as in a script
    t = str(tmp_path)
    status = run(["-w", f"{t}/ws", *[a.format(t=t) for a in args]])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert status == 2, captured
    assert len(lines) == 1, lines  # stdout holds at most the question a prompt asked
    assert "Traceback" not in captured.out + captured.err and "Aborted" not in lines[0]
    assert "error: " in lines[0] and expected.format(t=t) in lines[0], lines[0]
