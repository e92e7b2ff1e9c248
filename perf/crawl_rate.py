"""Crawl throughput against the politeness ceiling, and the cost of resuming after a kill.

Serves ``--pages`` news articles spread over ``--hosts`` local HTTP servers (each its own politeness host,
each with robots.txt and a sitemap), then runs ``crawl_news`` from the sitemaps with a per-host budget of
``--rate`` requests/s. Prints, measured in this run:

* achieved request rate as a fraction of the ceiling ``hosts x rate`` (goal >= 0.9);
* resume: a second crawl is SIGKILLed half-way and restarted; the killed run + the resumed run are compared
  with the uninterrupted run (wall-time ratio, pages fetched twice, items identical).

Usage: python perf/crawl_rate.py [--pages 2000] [--hosts 4] [--rate 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from finefake.crawlers.http import HttpConfig
from finefake.crawlers.news import NewsConfig, crawl_news
from finefake.workspace import Workspace

REQUESTS: Counter[str] = Counter()
LOCK = threading.Lock()
PARAGRAPH = (
    "Officials said the new budget would fund schools, roads and hospitals across the region, and "
    "residents asked for weekly reports on every project while the council debated the plan."
)


class Handler(BaseHTTPRequestHandler):
    pages_per_host = 500

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        host = f"127.0.0.1:{self.server.server_address[1]}"
        with LOCK:
            REQUESTS[f"{host}{self.path}"] += 1
        if self.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        elif self.path == "/sitemap.xml":
            urls = "".join(
                f"<url><loc>http://{host}/article/{i}</loc></url>" for i in range(self.pages_per_host)
            )
            body, ctype = (
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
                "application/xml",
            )
        elif self.path.startswith("/article/"):
            n = self.path.rsplit("/", 1)[1]
            ld = json.dumps(
                {
                    "@context": "https://schema.org",
                    "@type": "NewsArticle",
                    "headline": f"Story {n}",
                    "datePublished": "2024-01-02T03:04:05Z",
                    "author": {"name": "A. Writer"},
                }
            )
            paras = "".join(f"<p>{PARAGRAPH} Item {n}, part {k}.</p>" for k in range(4))
            body = (
                f'<html><head><title>Story {n}</title><script type="application/ld+json">{ld}</script>'
                f"</head><body><article><h1>Story {n}</h1>{paras}</article></body></html>"
            ).encode()
            ctype = "text/html; charset=utf-8"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def config(sitemaps: list[str], hosts: list[str], rate: float) -> NewsConfig:
    return NewsConfig(
        from_snopes=False,
        sitemaps=tuple(sitemaps),
        host_platforms={h: "cnn" for h in hosts},
        workers=2 * len(hosts),
        commit_every=50,
        http=HttpConfig(rate=rate, allowed_private_hosts=tuple(hosts), retries=1, backoff=0.1),
    )


def article_ids(ws: Workspace) -> list[str]:
    ids = [item["id"] for item in ws.read("crawl/news")]
    assert len(ids) == len(set(ids)), "duplicate items"
    return sorted(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    Handler.pages_per_host = args.pages // args.hosts
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(args.hosts)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    hosts = [f"127.0.0.1:{s.server_address[1]}" for s in servers]
    sitemaps = [f"http://{h}/sitemap.xml" for h in hosts]
    root = Path(tempfile.mkdtemp(prefix="finefake-perf-crawl-"))
    try:
        # 1. uninterrupted crawl
        ws = Workspace(root / "full")
        t0, c0 = time.perf_counter(), time.process_time()
        report = crawl_news(ws, config(sitemaps, hosts, args.rate))
        full, cpu = time.perf_counter() - t0, time.process_time() - c0
        requests = sum(REQUESTS.values())
        ceiling = args.hosts * args.rate
        achieved = requests / full
        expected = article_ids(ws)
        print(
            f"uninterrupted: {report.items_written} items, {requests} requests in {full:.2f}s "
            f"(CPU {cpu:.1f}s for crawler + servers, {1000 * cpu / requests:.1f} ms per request; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        print(
            f"achieved {achieved:.1f} req/s of a {ceiling:.0f} req/s politeness ceiling: "
            f"{achieved / ceiling:.3f} of the ceiling (goal >= 0.9)"
        )

        # 2. the same crawl killed half-way, then resumed
        REQUESTS.clear()
        killed = Workspace(root / "killed")
        cfg = config(sitemaps, hosts, args.rate)
        script = (
            "from finefake.workspace import Workspace; from finefake.crawlers.news import *; "
            "from finefake.crawlers.http import HttpConfig; "
            f"crawl_news(Workspace({str(killed.root)!r}), NewsConfig(from_snopes=False, "
            f"sitemaps={cfg.sitemaps!r}, host_platforms={cfg.host_platforms!r}, workers={cfg.workers}, "
            f"commit_every=50, http=HttpConfig(rate={args.rate}, allowed_private_hosts={tuple(hosts)!r}, "
            "retries=1, backoff=0.1)))"
        )
        env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", script], env=env)
        while (
            sum(v for k, v in REQUESTS.items() if "/article/" in k) < args.pages // 2 and proc.poll() is None
        ):
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        first = time.perf_counter() - t0
        before = dict(REQUESTS)
        t0 = time.perf_counter()
        crawl_news(killed, cfg)
        second = time.perf_counter() - t0
        refetched = sum(1 for k, v in REQUESTS.items() if "/article/" in k and v > before.get(k, 0) > 0)
        same = article_ids(killed) == expected
        print(f"killed after {first:.2f}s ({sum(before.values())} requests), resumed in {second:.2f}s")
        print(
            f"resume: killed+resumed wall time = {(first + second) / full:.3f}x the uninterrupted run; "
            f"{refetched} article page(s) fetched twice; items identical to the uninterrupted crawl: {same}"
        )
    finally:
        for server in servers:
            server.shutdown()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
