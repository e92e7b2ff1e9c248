"""Replay the hardening attacks of issue 16 in one command and print each with its outcome.

Every attack is the reproduction from the issue, run against whatever ``finefake`` is importable, so the same
script measures the code before a fix (``PYTHONPATH=<old checkout>``) and after it. Each prints ``held`` (the
defence worked) or ``BROKEN`` with what happened, and the seconds it took. Attacks that can crash the
interpreter (hostile pickles) run in a child process. Exit status: the number of broken defences.

The entry-point coverage (page links, redirects, images, srcset, archive links through the real crawlers) and
the finer cases live in ``tests/hardening/``; this script is the quick standing check.

Usage: python perf/attacks.py
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_httpserver import HTTPServer

import finefake
from finefake.crawlers.archive import WarcArchive
from finefake.crawlers.http import Fetched, Fetcher, HttpConfig
from finefake.workspace import Workspace

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from hardening.hostile import trickle_server  # noqa: E402  (the tests' hostile servers, one copy)

CHILD_ENV = os.environ | {"PYTHONPATH": str(Path(finefake.__file__).resolve().parents[1])}
TOKEN = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDS"


def http_config(**values) -> HttpConfig:
    """Fast test politeness; options this version of HttpConfig does not know are left out."""
    known = HttpConfig.__dataclass_fields__
    base = {"rate": 500.0, "retries": 1, "backoff": 0.01, "timeout": 0.5, "obey_robots": False}
    return HttpConfig(**{k: v for k, v in (base | values).items() if k in known})


@contextlib.contextmanager
def servers():
    site, internal = HTTPServer(host="localhost"), HTTPServer(host="127.0.0.1")
    internal.expect_request(re.compile(".*")).respond_with_data("internal secret")  # any path counts as a hit
    for server in (site, internal):
        server.start()
    try:
        yield site, internal
    finally:
        for server in (site, internal):
            server.clear()
            server.stop()


def ssrf_redirect() -> tuple[bool, str]:
    """A redirect to http://127.0.0.1:PORT\\@allowed-host/ (urlsplit sees the allowed host).

    The redirecting server is a raw socket: web frameworks percent-encode the backslash of a Location.
    """
    with servers() as (_, internal):

        def redirect(base: str) -> bytes:
            location = f"http://127.0.0.1:{internal.port}\\@{base.removeprefix('http://')}/"
            return f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()

        with trickle_server(redirect, b"", delay=0) as base:
            fetched = Fetcher(http_config(), allow_hosts=(base.removeprefix("http://"),)).fetch(f"{base}/go")
        hits = len(internal.log)
    return hits == 0, f"internal server hit {hits}x; fetch error={fetched.error}"


def ssrf_image_metadata() -> tuple[bool, str]:
    """An image URL http://169.254.169.254\\@allowed-host/latest/meta-data (cloud metadata)."""
    with servers() as (site, _):
        url = f"http://169.254.169.254\\@localhost:{site.port}/latest/meta-data"
        fetched = Fetcher(http_config(retries=0), allow_hosts=(f"localhost:{site.port}",)).fetch(
            url, expect="image"
        )
    refused = fetched.error in ("private_address", "ambiguous_url")
    return (
        refused,
        f"error={fetched.error} ({'refused before connecting' if refused else 'a connection was tried'})",
    )


def ssrf_dns_rebinding() -> tuple[bool, str]:
    """A host that resolves to a public address for the check, then to 127.0.0.1 for the connection."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    with servers() as (_, internal):
        socket.getaddrinfo = rebinding
        try:
            fetched = Fetcher(http_config(retries=0)).fetch(f"http://rebind.example:{internal.port}/")
        finally:
            socket.getaddrinfo = real
        hits = len(internal.log)
    return hits == 0, f"internal server hit {hits}x; fetch error={fetched.error}"


def torn_warc() -> tuple[bool, str]:
    """kill -9 while a large response is archived: the short last record must not replay as complete."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = WarcArchive(write_dir=Path(tmp), prefix="attack")
        body = os.urandom(300_000).hex().encode()
        archive.add_response(
            "http://a.example/big", 200, "OK", {"content-type": "text/html"}, body, "2024-01-01T00:00:00Z"
        )
        archive.close()
        path = archive.write_path
        with open(path, "rb+") as fh:
            fh.truncate(path.stat().st_size // 2)
        entry = WarcArchive([path]).lookup("http://a.example/big")
    if entry is None:
        return True, "damaged record skipped (refetched live, reported on replay)"
    return len(entry.body) == len(
        body
    ), f"replayed a body of {len(entry.body)} of {len(body)} bytes as complete"


def slow_server() -> tuple[bool, str]:
    """A server sending its body one byte every 0.05 s, socket timeout 0.5 s, deadline 1 s."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 80\r\n\r\n"
    with trickle_server(head, b"<p>" + b"x" * 77, delay=0.05) as base:
        start = time.monotonic()
        fetched = Fetcher(http_config(deadline=1.0, retries=0), allow_hosts=("127.0.0.1",)).fetch(f"{base}/")
        seconds = time.monotonic() - start
    return (
        fetched.error == "timeout" and seconds < 2.0,
        f"held the fetch {seconds:.1f}s; error={fetched.error}",
    )


def meta_charset() -> tuple[bool, str]:
    """A windows-1252 page whose charset is declared only in <meta>."""
    body = '<html><head><meta charset="windows-1252"></head><body>Café – “quoted”</body></html>'.encode(
        "cp1252"
    )
    text = Fetched("u", "u", headers={"content-type": "text/html"}, body=body).text
    return "Café – “quoted”" in text, f"decoded as {text[text.index('<body>') + 6 : text.index('</body>')]!r}"


def _child(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=CHILD_ENV, capture_output=True, text=True, timeout=300
    )


def pickle_object_array() -> tuple[bool, str]:
    """An admitted pickle whose object array claims 50 elements over a list of one."""
    result = _child(
        "import pickle, numpy as np\n"
        "from numpy._core.multiarray import _reconstruct\n"
        "from finefake.dataset.unpickle import restricted_loads\n"
        "from finefake.errors import FinefakeError\n"
        "class R:\n"
        "    def __reduce__(self):\n"
        "        return _reconstruct, (np.ndarray, (0,), b'b'), (1, (50,), np.dtype(object), False, [1])\n"
        "try:\n"
        "    a = restricted_loads(pickle.dumps(R(), protocol=4)); print('loaded', repr(a)[:60])\n"
        "except FinefakeError as exc:\n"
        "    print('refused', exc)\n"
    )
    out = (result.stdout or result.stderr).strip().splitlines()
    held = result.returncode == 0 and bool(out) and out[-1].startswith("refused")
    return held, f"exit {result.returncode}; {out[-1][:100] if out else 'no output'}"


def pickle_fuzz() -> tuple[bool, str]:
    """300 mutations of a valid release pickle (bytes flipped, lengths changed, truncated)."""
    result = subprocess.run(
        [sys.executable, str(TESTS / "hardening" / "pickle_fuzz.py"), "300", "20260"],
        env=CHILD_ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    outcomes = [line.split(" ", 2)[2] for line in result.stdout.splitlines() if not line.endswith(" start")]
    bad = [o for o in outcomes if o not in ("ok", "refused")]
    held = result.returncode == 0 and len(outcomes) == 300 and not bad
    counts = f"{outcomes.count('ok')} ok, {outcomes.count('refused')} refused, {len(bad)} other errors"
    crash = (
        f"; process died (exit {result.returncode}) at mutation {len(outcomes)}" if result.returncode else ""
    )
    return held, counts + crash


def torn_decisions() -> tuple[bool, str]:
    """A torn last line in review/decisions.jsonl, then two more decisions."""
    from finefake.knowledge.review import ReviewQueue

    with tempfile.TemporaryDirectory() as tmp:
        queue = ReviewQueue(Workspace(tmp))
        queue.dir.mkdir(parents=True, exist_ok=True)
        rows = [{"key": f"k{i}", "item_id": f"i{i}", "qid": "Q1", "start": 0} for i in range(3)]
        queue.queue_path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        queue.record("k0", "accept", "ann")
        with open(queue.decisions_path, "ab") as fh:
            fh.write(b'{"key":"k1","decision":"acc')
        queue.record("k1", "reject", "ann")
        queue.record("k2", "accept", "ann")
        seen = sorted(queue.decisions())
    return seen == ["k0", "k1", "k2"], f"decisions read back: {seen} (3 recorded)"


def _cli(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return _child(
        f"import sys; sys.argv = ['finefake', '-w', {str(ws)!r}, *{args!r}]; from finefake.cli import main; main()"
    )


def corrupt_shard() -> tuple[bool, str]:
    """A truncated line in a records shard, then `finefake package`."""
    from finefake.dataset.synthetic import write_synthetic

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        write_synthetic(ws, 12, seed=3)
        shard = ws.shards("records")[0]
        lines = shard.read_text(encoding="utf-8").splitlines()
        lines[4] = lines[4][:40]
        shard.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = _cli(ws.root, "package")
    output = result.stdout + result.stderr
    tb = output.count("\n") if "Traceback" in output else 0
    held = result.returncode == 2 and not tb and "part-00000.jsonl:5" in output.replace("\n", "")
    last = output.strip().splitlines()[-1][:120] if output.strip() else ""
    return held, f"exit {result.returncode}; traceback {tb} lines; last line: {last}"


def bad_label() -> tuple[bool, str]:
    """A record with label 7 read by a stage that does not validate whole records (features, bench)."""
    from finefake.dataset.synthetic import write_synthetic

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        write_synthetic(ws, 6, seed=3)
        shard = ws.shards("records")[0]
        records = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
        records[2]["label"] = 7
        shard.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        try:
            list(ws.read("records"))
        except ValueError as exc:  # RecordError
            return records[2]["id"] in str(exc), f"refused: {exc}"
    return False, "label 7 read without complaint"


def secrets_at_debug() -> tuple[bool, str]:
    """`-vv` with tweepy: its debug log prints the request headers."""
    import requests
    import tweepy
    from requests.adapters import BaseAdapter

    from finefake.console import setup_logging

    class Canned(BaseAdapter):
        def send(self, request, **kwargs):
            response = requests.Response()
            response.status_code, response.reason, response.url, response.request = (
                200,
                "OK",
                request.url,
                request,
            )
            response._content = b'{"data": {"id": "1", "text": "hi", "edit_history_tweet_ids": ["1"]}}'
            return response

        def close(self):
            pass

    os.environ["TWITTER_BEARER_TOKEN"] = TOKEN
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        setup_logging(2)
        client = tweepy.Client(bearer_token=TOKEN)
        client.session.mount("https://", Canned())
        client.get_tweet(1)
        setup_logging(0)
    logging.getLogger().handlers.clear()
    del os.environ["TWITTER_BEARER_TOKEN"]
    leaked = err.getvalue().count(TOKEN[:24])
    return leaked == 0, f"token printed {leaked}x in {err.getvalue().count(chr(10))} lines of debug log"


def leftovers() -> tuple[bool, str]:
    """What a killed `package` leaves (.build-*, a half-written *.tmp), then the next run of the stage."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        stage = ws.stage_dir("dataset")
        (stage / ".build-1a2b3c4d" / "hf").mkdir(parents=True)
        (stage / "data").mkdir()
        (stage / "data" / f".part-00000.jsonl.{child.pid}.k3j4h5g6.tmp").write_text("half")
        (stage / ".part-00001.jsonl.abcd1234.tmp").write_text("half")
        with ws.run("dataset"):
            pass
        left = sorted(p.name for p in stage.rglob("*") if ".tmp" in p.name or ".build-" in p.name)
    return not left, f"left after the next run: {left or 'nothing'}"


ATTACKS: dict[str, Callable[[], tuple[bool, str]]] = {
    "1 ssrf: redirect to 127.0.0.1:PORT\\@allowed": ssrf_redirect,
    "1 ssrf: image 169.254.169.254\\@allowed": ssrf_image_metadata,
    "1 ssrf: DNS rebinding": ssrf_dns_rebinding,
    "2 torn WARC record": torn_warc,
    "3 slow server (1 byte / 0.05 s)": slow_server,
    "4 charset only in <meta>": meta_charset,
    "5 pickle: object array > its data": pickle_object_array,
    "5 pickle: 300 fuzzed release pickles": pickle_fuzz,
    "6 torn decisions.jsonl": torn_decisions,
    "7 corrupt shard -> package": corrupt_shard,
    "7 label 7 read by features/bench": bad_label,
    "8 secrets at -vv (tweepy)": secrets_at_debug,
    "9 leftovers of killed runs": leftovers,
}


def main() -> int:
    print(f"finefake from {Path(finefake.__file__).resolve().parent}")
    broken = 0
    for name, attack in ATTACKS.items():
        start = time.perf_counter()
        try:
            held, detail = attack()
        except Exception as exc:  # noqa: BLE001 - an attack that raises has found a hole too
            held, detail = False, f"raised {type(exc).__name__}: {str(exc)[:120]}"
        broken += not held
        print(f"{name:42s} {'held  ' if held else 'BROKEN'} {time.perf_counter() - start:5.1f}s  {detail}")
    print(f"{len(ATTACKS) - broken} of {len(ATTACKS)} held")
    return broken


if __name__ == "__main__":
    sys.exit(main())
