"""Start a throw-away Label Studio server on 127.0.0.1 for tests, benchmarks and local trials.

The server runs from its own virtual environment (``scripts/install-label-studio.sh``), with a temporary data
folder, a pre-created admin user and a legacy API token, exactly as the annotation integration test needs:

    python scripts/labelstudio/server.py            # start, print URL and token, stop on Ctrl-C

Which executable: ``$LABEL_STUDIO_BIN``, else ``<repo>/.venv-labelstudio/bin/label-studio``.

How long to wait for it: its first start creates and migrates a SQLite database, which takes seconds on an idle
machine and minutes on a loaded one (a 2-core machine running the test suite took over 100 s). The wait is
bounded by ``$LABEL_STUDIO_STARTUP_TIMEOUT`` seconds (default 600), polling ``GET /health`` every second; it
ends early if the process exits.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
#: Default bound on the wait for ``GET /health`` (seconds): holds on a loaded 2-core machine.
STARTUP_TIMEOUT = 600.0
INSTALL_HINT = "bash scripts/install-label-studio.sh, then export LABEL_STUDIO_BIN=<the path it prints>"


class LabelStudioUnavailable(RuntimeError):
    """The server could not be found or did not come up."""


def find_binary() -> Path:
    """The label-studio executable: $LABEL_STUDIO_BIN or the repository's .venv-labelstudio."""
    configured = os.environ.get("LABEL_STUDIO_BIN")
    candidate = Path(configured) if configured else REPO / ".venv-labelstudio" / "bin" / "label-studio"
    if not candidate.is_file() or not os.access(candidate, os.X_OK):
        where = (
            f"LABEL_STUDIO_BIN={configured}" if configured else f"{candidate} (LABEL_STUDIO_BIN is not set)"
        )
        raise LabelStudioUnavailable(
            f"no Label Studio server executable at {where}; install it with {INSTALL_HINT}"
        )
    return candidate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabelStudioProcess:
    """A Label Studio server process; use as a context manager (``with LabelStudioProcess() as ls: ls.url``)."""

    def __init__(self, *, startup_timeout: float | None = None, data_dir: str | Path | None = None) -> None:
        self.binary = find_binary()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.username = "admin@finefake.test"
        self.password = secrets.token_urlsafe(12)
        self.token = secrets.token_hex(20)
        if startup_timeout is None:
            startup_timeout = float(os.environ.get("LABEL_STUDIO_STARTUP_TIMEOUT") or STARTUP_TIMEOUT)
        self.startup_timeout = startup_timeout
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="labelstudio-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.log_path = self.data_dir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LABEL_STUDIO_", "PYTHON", "VIRTUAL_ENV", "DJANGO"))
        }
        env.update(
            {
                "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
                "LABEL_STUDIO_USERNAME": self.username,
                "LABEL_STUDIO_PASSWORD": self.password,
                "LABEL_STUDIO_USER_TOKEN": self.token,
                "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
                "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "false",
                "SENTRY_DSN": "",
                "FRONTEND_SENTRY_DSN": "",
                "COLLECT_ANALYTICS": "false",
            }
        )
        return env

    def start(self) -> LabelStudioProcess:
        log = open(self.log_path, "wb")  # noqa: SIM115 - kept open for the life of the process
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--log-level",
                "WARNING",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            cwd=self.data_dir,
            start_new_session=True,
        )
        started = time.monotonic()
        deadline = started + self.startup_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise LabelStudioUnavailable(
                    f"Label Studio exited with {self.process.returncode} while starting:\n{self.log_tail()}"
                )
            try:  # a loaded machine may take seconds to answer even once up: a generous per-request bound
                status = requests.get(f"{self.url}/health", timeout=10).status_code
            except requests.RequestException as exc:
                last = type(exc).__name__
            else:
                if status == 200:
                    return self
                last = f"HTTP {status}"
            time.sleep(1.0)
        self.stop()
        raise LabelStudioUnavailable(
            f"Label Studio did not answer 200 on GET {self.url}/health within {self.startup_timeout:.0f}s "
            f"of starting (last answer: {last}; waited for its database migration and web server; "
            f"set LABEL_STUDIO_STARTUP_TIMEOUT to wait longer):\n{self.log_tail()}"
        )

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Terminate the server's own process group (SIGTERM, then SIGKILL after 15 s)."""
        if self.process is not None and self.process.poll() is None:
            pgid = os.getpgid(self.process.pid)
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LabelStudioProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def sign_up(url: str, email: str, password: str) -> str:
    """Sign a new user up through the web form (as a person would) and return their API token."""
    session = requests.Session()
    session.get(f"{url}/user/signup/", timeout=30).raise_for_status()
    response = session.post(
        f"{url}/user/signup/",
        data={
            "email": email,
            "password": password,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        headers={"Referer": f"{url}/user/signup/"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise LabelStudioUnavailable(f"sign-up of {email} failed: HTTP {response.status_code}")
    token = session.get(f"{url}/api/current-user/token", timeout=30)
    token.raise_for_status()
    return token.json()["token"]


if __name__ == "__main__":
    with LabelStudioProcess() as server:
        print(
            f"LABEL_STUDIO_URL={server.url}\nLABEL_STUDIO_API_KEY={server.token}\n"
            f"login: {server.username} / {server.password}\n(Ctrl-C stops it)",
            flush=True,
        )
        try:
            while server.process and server.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
