"""Real uvicorn servers for tests that cross a process boundary (websockets, browsers).

`ThreadServer` runs the app in a background thread of this process (fast to start);
`ProcessServer` runs `dialogue serve` as its own process, for multi-instance tests.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from dialogue.adapters.websocket_protocol import GoingAwayProtocol
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.serving import uvicorn_options
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]


class ThreadServer:
    def __init__(self, served: Settings | ASGIApp, **config: object) -> None:
        """Serves the app for these settings, or this ASGI app (tests of the server itself)."""
        self.port = free_port()
        # As `dialogue serve` runs uvicorn (websocket protocol, proxy headers), unless told.
        served_as = uvicorn_options(served) if isinstance(served, Settings) else {}
        self.config = uvicorn.Config(
            create_app(served) if isinstance(served, Settings) else served,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            # Long-polls and browsers must not hold up a stop.
            **{  # type: ignore[arg-type]
                "ws": GoingAwayProtocol,
                "lifespan": "on",
                "timeout_graceful_shutdown": 5,
                "ws_per_message_deflate": False,
                **served_as,
                **config,
            },
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class ProcessServer:
    """`dialogue serve` in a child process with its own environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        # A test server never embeds posts for reports in the background (`prewarm`).
        self.env = {**os.environ, "DIALOGUE_EMBED_POSTS_IN_BACKGROUND": "false", **env}
        self.process: subprocess.Popen[bytes] | None = None
        # Its standard error (the logs) goes to a file: a pipe nobody reads fills up and
        # stops the server at its next log line.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `stop`

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> ProcessServer:
        """Spawn and wait for /healthz; importing the app alone takes 15 s on a busy machine."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dialogue.cli",
                "serve",
                "--port",
                str(self.port),
                "--no-migrate",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_text())
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("dialogue serve did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def log_text(self) -> str:
        """What the server has logged so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode()
