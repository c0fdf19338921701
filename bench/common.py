"""What every benchmark needs: a seeded database, `dialogue serve` child processes, their costs.

The servers are real `dialogue serve` processes (the same command operators run), so what is
measured is what ships. CPU and peak memory are read from /proc of the server process.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from dialogue.accounts import service as accounts  # noqa: E402
from dialogue.accounts.models import TokenKind, User  # noqa: E402
from dialogue.config import Settings  # noqa: E402
from dialogue.db import Database, utcnow  # noqa: E402
from dialogue.dialogues import service as dialogues  # noqa: E402
from dialogue.dialogues import theme_service  # noqa: E402
from dialogue.migrations import upgrade  # noqa: E402
from dialogue.policy import Role  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"dialogue-bench-{prefix}-"))
    return path


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'bench.db'}"


@dataclass
class Seeded:
    """A dialogue ready for load: writers with tokens, each with a thread of their own."""

    slug: str
    dialogue_id: int
    theme_id: int
    writer_tokens: list[str]
    thread_ids: list[int] = field(default_factory=list)


async def seed(
    database_url: str,
    *,
    writers: int,
    slug: str = "bench",
    visibility: str = "public",
    migrate: bool = True,
) -> Seeded:
    """Migrate, then make an open post-moderated dialogue, a theme and `writers` members."""
    settings = Settings(database_url=database_url, environment="test", secret_key="bench")  # noqa: S106
    if migrate:
        upgrade(settings)
    database = Database(settings)
    password_hash = PasswordHasher().hash(os.urandom(12).hex())
    try:
        async with database.session() as session:
            admin = User(
                email=f"admin-{slug}@example.org",
                display_name="Admin",
                password_hash=password_hash,
                is_admin=True,
            )
            session.add(admin)
            await session.flush()
            dialogue = await dialogues.create_dialogue(
                session=session,
                actor=admin,
                fields={
                    "slug": slug,
                    "title": f"Bench {slug}",
                    "visibility": visibility,
                    "moderation": "post",
                    "code_of_conduct": "1. Be kind.\n",
                },
            )
            dialogue.status = "open"
            session.add(dialogue)
            now = utcnow()
            theme = await theme_service.create_theme(
                session=session,
                dialogue=dialogue,
                fields={
                    "title": "Load",
                    "guiding_questions": "1. How fast?",
                    "opens_at": now - timedelta(days=1),
                    "closes_at": now + timedelta(days=30),
                },
            )
            tokens = []
            for n in range(writers):
                user = User(
                    email=f"writer{n}-{slug}@example.org",
                    display_name=f"Writer {n}",
                    password_hash=password_hash,
                )
                session.add(user)
                await session.flush()
                assert user.id is not None
                membership = await dialogues.add_member(
                    session=session, dialogue=dialogue, user_id=user.id, role=Role.PARTICIPANT
                )
                membership.conduct_version = dialogue.conduct_version
                membership.conduct_accepted_at = now
                session.add(membership)
                tokens.append(
                    await accounts.issue_token(
                        session=session, user=user, kind=TokenKind.API, lifetime=timedelta(days=1)
                    )
                )
            await session.commit()
            assert dialogue.id is not None and theme.id is not None
            return Seeded(
                slug=slug, dialogue_id=dialogue.id, theme_id=theme.id, writer_tokens=tokens
            )
    finally:
        await database.dispose()


async def seed_dialogues(
    database_url: str, *, writers: int, dialogues: int, slug: str = "bench"
) -> list[Seeded]:
    """Migrate, then `dialogues` dialogues sharing `writers` members round-robin.

    Writer w is member `w // dialogues` of dialogue `w % dialogues` (see `writer_of`). One
    dialogue is slugged `slug`, as `seed` makes it; several are `slug-0`, `slug-1`...
    """
    return [
        await seed(
            database_url,
            writers=len(range(d, writers, dialogues)),
            slug=slug if dialogues == 1 else f"{slug}-{d}",
            migrate=d == 0,
        )
        for d in range(dialogues)
    ]


def writer_of(seeded: list[Seeded], w: int) -> tuple[Seeded, int]:
    """The dialogue writer w posts in, and its index among that dialogue's writers."""
    return seeded[w % len(seeded)], w // len(seeded)


async def open_threads(base_url: str, seeded: Seeded) -> None:
    """One thread per writer, made through the API of a running server."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for n, token in enumerate(seeded.writer_tokens):
            r = await http.post(
                f"/api/v1/themes/{seeded.theme_id}/threads",
                json={"title": f"Thread {n}", "body": "Opening post."},
                headers={"Authorization": f"Bearer {token}"},
            )
            r.raise_for_status()
            seeded.thread_ids.append(int(r.json()["id"]))


class ServerProcess:
    """A child process serving HTTP on a port; its CPU time and peak memory from /proc."""

    def __init__(self, argv: list[str], *, port: int, env: dict[str, str], log: Path) -> None:
        self.argv, self.port, self.log = argv, port, log
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def dialogue(cls, database_url: str, directory: Path, **env: str) -> ServerProcess:
        port = free_port()
        argv = [sys.executable, "-m", "dialogue.cli", "serve", "--port", str(port), "--no-migrate"]
        base = {
            "DIALOGUE_DATABASE_URL": database_url,
            "DIALOGUE_ENVIRONMENT": "test",
            "DIALOGUE_SECRET_KEY": "bench",
            "DIALOGUE_POSTS_PER_MINUTE": "1000000",
            "DIALOGUE_POSTS_PER_MINUTE_PER_ADDRESS": "1000000",  # every writer is 127.0.0.1
        }
        return cls(argv, port=port, env={**base, **env}, log=directory / f"server-{port}.log")

    @classmethod
    def floor(cls, directory: Path) -> ServerProcess:
        port = free_port()
        argv = [sys.executable, str(ROOT / "bench" / "floor_server.py"), "--port", str(port)]
        return cls(argv, port=port, env={}, log=directory / f"floor-{port}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, ready_path: str = "/healthz") -> ServerProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv[:3]} exited; see {self.log}")
            try:
                if httpx.get(self.url + ready_path, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start; see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far."""
        return cpu_seconds(self.pid)

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS, in KiB."""
        found = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
        return found

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, all its threads, from /proc."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """User and system (kernel) CPU of a process so far: the kernel's share is the sends."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def machine_ticks() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine so far (all cores, from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def share_out(items: list[T], parts: int) -> list[list[T]]:
    """`items` dealt round-robin into at most `parts` non-empty shares."""
    return [share for share in (items[p::parts] for p in range(parts)) if share]


class Workers:
    """Processes forked from this one, one per share of the work, released together.

    Each runs `target(pipe, share, go, *args)`: it waits for the `go` event, does its share
    and sends one report (a dict) down `pipe`. A load generator spread this way is not
    held to one core, so it is less likely to be what a benchmark measures.
    """

    def __init__(self, target: Callable[..., None], shares: list[Any], *args: Any) -> None:
        context = mp.get_context("fork")
        self.go = context.Event()
        self.pipes: list[Pipe] = []
        self.procs = []
        for share in shares:
            parent, child = context.Pipe()
            proc = context.Process(target=target, args=(child, share, self.go, *args), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def start(self) -> None:
        self.go.set()

    def reports(self, timeout: float) -> list[dict[str, Any]]:
        """Every worker's report, then the workers ended (killed if they linger)."""
        try:
            found = []
            for pipe, proc in zip(self.pipes, self.procs, strict=True):
                if not pipe.poll(timeout):
                    raise TimeoutError(f"worker {proc.pid} did not report in {timeout} s")
                try:
                    found.append(pipe.recv())
                except EOFError:
                    proc.join(timeout=10)
                    raise RuntimeError(
                        f"worker {proc.pid} exited ({proc.exitcode}) without reporting"
                    ) from None
            return found
        finally:
            for proc in self.procs:
                proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()
                    proc.join()


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def machine() -> dict[str, Any]:
    """What the figures were measured on: cores, load, Python."""
    return {
        "cores": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
    }


def cleanup(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def run_in_workdir(prefix: str, main: Callable[[Path], Awaitable[None]]) -> None:
    """Print the machine, run `main` in a fresh directory, and remove the directory after."""
    print("machine:", machine())
    directory = workdir(prefix)
    try:
        asyncio.run(main(directory))
    finally:
        cleanup(directory)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
