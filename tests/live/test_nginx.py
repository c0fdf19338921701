"""Debian's nginx with deploy/nginx.conf in front of two instances: websockets, HTTP, failover.

The configuration is the one shipped for docker compose; the test rewrites only what must
differ on this machine (upstream addresses, listen port, file paths) and fails if any of
those lines has changed shape, so the file and the test cannot drift apart.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from dialogue.config import Settings
from tests.factories import Factory
from tests.live.scale import (
    bearer,
    bodies,
    build_scene,
    close_all,
    expected,
    logged_events,
    open_client,
    post,
    receive_through,
    received,
)
from tests.servers import ROOT, ProcessServer
from tests.services import free_port, in_ci

pytestmark = pytest.mark.postgres_only

CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def render(conf: str, *, upstreams: list[int], listen: int, prefix: Path) -> str:
    """deploy/nginx.conf with this machine's ports and every file path inside `prefix`."""
    replacements = [
        (r"server app1:8000", f"server 127.0.0.1:{upstreams[0]}"),
        (r"server app2:8000", f"server 127.0.0.1:{upstreams[1]}"),
        (r"listen 8080;", f"listen 127.0.0.1:{listen};"),
        (r"pid [^;]+;", f"pid {prefix}/nginx.pid;"),
        (r"error_log [^;]+;", f"error_log {prefix}/error.log warn;"),
        (r"access_log [^;]+;", f"access_log {prefix}/access.log;"),
    ]
    for pattern, value in replacements:
        conf, count = re.subn(pattern, value, conf)
        assert count == 1, f"deploy/nginx.conf: expected one `{pattern}`, found {count}"
    conf, count = re.subn(r"(\w+_temp_path) [^;]+;", rf"\1 {prefix}/\1;", conf)
    assert count == 5, "deploy/nginx.conf: expected the five *_temp_path lines"
    return conf


class Nginx:
    def __init__(self, upstreams: list[int]) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix="dialogue-nginx-"))
        self.prefix.chmod(0o755)  # the workers (not root) create their temp files in here
        self.port = free_port()
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(
            render(CONF.read_text(), upstreams=upstreams, listen=self.port, prefix=self.prefix)
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""

    def start(self) -> Nginx:
        assert NGINX is not None
        check = subprocess.run(
            [NGINX, "-t", "-p", str(self.prefix), "-c", str(self.conf)], capture_output=True
        )
        assert check.returncode == 0, check.stderr.decode()
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(self.conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx exited: " + self.error_log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen: " + self.error_log())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)


@contextmanager
def in_front_of(instances: list[ProcessServer]) -> Iterator[Nginx]:
    if NGINX is None:
        if in_ci():
            pytest.fail("nginx is required under CI=true (apt-get install -y nginx)")
        pytest.skip("nginx is not installed")
    proxy = Nginx([server.port for server in instances]).start()
    yield proxy
    log = proxy.error_log()
    proxy.stop()
    assert "[emerg]" not in log and "[crit]" not in log, log


@pytest.fixture
def database_url(module_postgres_url: str) -> str:
    """The factory writes where the module's shared instances read."""
    return module_postgres_url


@pytest.fixture(scope="module")
def nginx(shared_instances: list[ProcessServer]) -> Iterator[Nginx]:
    """In front of the module's two instances (started once: they take seconds)."""
    with in_front_of(shared_instances) as proxy:
        yield proxy


@pytest.fixture
def lone_nginx(instances: list[ProcessServer]) -> Iterator[Nginx]:
    """In front of two instances of the test's own, for a test that stops one."""
    with in_front_of(instances) as proxy:
        yield proxy


class TestHttpThroughNginx:
    async def test_health_api_and_long_poll(
        self, factory: Factory, nginx: Nginx, shared_instances: list[ProcessServer]
    ):
        instances = shared_instances
        scene = await build_scene(factory, nginx.url)
        token = scene.tokens["alice"]
        async with httpx.AsyncClient(base_url=nginx.url, headers=bearer(token)) as http:
            for path in ("/healthz", "/readyz"):
                r = await http.get(path)
                assert r.status_code == 200, (path, r.text)
            start = (await logged_events(nginx.url, scene.slug, token, 0))[-1]["seq"]
            post_id = await post(nginx.url, token, scene.thread_id, "through nginx")
            r = await http.get(f"/api/v1/threads/{scene.thread_id}/posts")
            assert post_id in [p["id"] for p in r.json()["items"]]

            # The long poll is answered when the event comes, not when a buffer fills.
            seen = (await logged_events(nginx.url, scene.slug, token, start))[-1]["seq"]
            waiting = asyncio.create_task(
                http.get(
                    f"/api/v1/dialogues/{scene.slug}/events",
                    params={"after": seen, "wait": 20},
                    timeout=30,
                )
            )
            await asyncio.sleep(0.5)
            began = time.monotonic()
            await post(instances[1].url, scene.tokens["bob"], scene.thread_id, "wakes the poll")
            r = await waiting
            assert r.status_code == 200, r.text
            assert time.monotonic() - began < 10
            assert [e["data"]["body"] for e in r.json()["events"]] == ["wakes the poll"]

    async def test_app_answers_pass_through_and_huge_bodies_stop_at_the_door(self, nginx: Nginx):
        async with httpx.AsyncClient(base_url=nginx.url) as http:
            # A bad login is answered by the app, with its error shape and its own headers.
            r = await http.post(
                "/api/v1/auth/login", json={"email": "x@example.org", "password": "no"}
            )
            assert r.status_code in (400, 401, 422), r.text
            assert set(r.json()) == {"error"}
            assert r.headers.get("x-frame-options") == "DENY"
            # Far over the app's own 1 MiB limit: nginx refuses it before any instance reads it.
            r = await http.post(
                "/api/v1/auth/login",
                content=b"x" * (3 * 1024 * 1024),
                headers={"content-type": "application/json"},
            )
            assert r.status_code == 413
            # Compressed once (by the app; nginx leaves an encoded answer alone), marked Vary.
            async with http.stream(
                "GET", "/static/css/site.css", headers={"Accept-Encoding": "gzip"}
            ) as r:
                packed = b"".join([chunk async for chunk in r.aiter_raw()])
            assert r.headers["content-encoding"] == "gzip"
            assert r.headers.get_list("vary") == ["Accept-Encoding"]
            assert gzip.decompress(packed) == (ROOT / "static" / "css" / "site.css").read_bytes()

    async def test_a_client_cannot_choose_the_address_the_limits_count(self, nginx: Nginx):
        """nginx overwrites X-Forwarded-For with the address it saw: a client sending its
        own, new each time, is still one address to the per-address limits, counted
        together by both instances."""
        limit = Settings().password_forgot_per_address  # the instances run the defaults
        async with httpx.AsyncClient(base_url=nginx.url) as http:
            for n in range(limit + 1):
                r = await http.post(
                    "/api/v1/auth/password/forgot",
                    json={"email": f"spoofer{n}@example.org"},
                    headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                )
                assert r.status_code == (202 if n < limit else 429), (n, r.text)
        assert int(r.headers["retry-after"]) >= 1


class TestWebsocketThroughNginx:
    async def test_live_events_reach_sockets_opened_through_nginx(
        self, factory: Factory, nginx: Nginx
    ):
        scene = await build_scene(factory, nginx.url)
        start = (await logged_events(nginx.url, scene.slug, scene.tokens["alice"], 0))[-1]["seq"]
        # least_conn spreads these over both instances.
        clients = [
            await open_client(nginx.ws_url, scene.slug, scene.tokens[name], after=start)
            for name in ("bob", "mona", "alice", "bob")
        ]
        names = ["bob", "mona", "alice", "bob"]
        try:
            for n in range(5):
                await post(nginx.url, scene.tokens["alice"], scene.thread_id, f"live {n}")
            for client, name in zip(clients, names, strict=True):
                truth = await logged_events(nginx.url, scene.slug, scene.tokens[name], start)
                await receive_through(client, truth[-1]["seq"])
                assert received(client) == expected(truth)
                assert bodies(client) == [f"live {n}" for n in range(5)]
        finally:
            await close_all(*clients)


class TestOneInstanceDown:
    async def test_nginx_sends_everything_to_the_other(
        self, factory: Factory, lone_nginx: Nginx, instances: list[ProcessServer]
    ):
        nginx = lone_nginx
        scene = await build_scene(factory, nginx.url)
        token = scene.tokens["bob"]
        start = (await logged_events(nginx.url, scene.slug, token, 0))[-1]["seq"]
        instances[0].stop()
        async with httpx.AsyncClient(base_url=nginx.url) as http:
            statuses = [(await http.get("/healthz")).status_code for _ in range(6)]
        assert statuses == [200] * 6
        client = await open_client(nginx.ws_url, scene.slug, token, after=start)
        try:
            await post(nginx.url, scene.tokens["alice"], scene.thread_id, "still here")
            truth = await logged_events(nginx.url, scene.slug, token, start)
            await receive_through(client, truth[-1]["seq"])
            assert received(client) == expected(truth)
            assert bodies(client) == ["still here"]
        finally:
            await client.ws.close()


def test_rendering_refuses_a_changed_config() -> None:
    with pytest.raises(AssertionError, match="app2"):
        render(
            CONF.read_text().replace("app2:8000", "backend2:8000"),
            upstreams=[1, 2],
            listen=3,
            prefix=Path(os.sep, "tmp"),
        )
