"""Report generation as background jobs with progress; a second request for the same report joins.

A job is keyed by what it produces (dialogue, format, source). While one runs, asking for
the same key returns the running job instead of starting a second, so ten reviewers
opening the PDF at once cost one rendering.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError
from dialogue.i18n import gettext as _

# Finished jobs are kept for their status and file, oldest dropped first, within these
# bounds: a 20,000-post JSON report is about 19 MiB, and a server has other uses for memory.
KEEP_FINISHED = 32
KEEP_BYTES = 64 * 1024 * 1024
KEEP_SECONDS = 600.0

JobKey = tuple[Any, ...]
Work = Callable[["Job"], Awaitable[bytes]]


@dataclass(slots=True)
class Job:
    id: str
    key: JobKey
    dialogue_id: int
    format: str
    state: str = "running"  # running | done | failed
    progress: float = 0.0
    stage: str = "queued"
    result: bytes | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    task: asyncio.Task[None] | None = None

    def report(self, fraction: float, stage: str) -> None:
        """Called from the worker thread too: plain attribute writes, no awaiting."""
        self.progress = max(self.progress, min(fraction, 1.0))
        self.stage = stage

    def data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "format": self.format,
            "state": self.state,
            "progress": round(self.progress, 3),
            "stage": self.stage,
            "error": self.error,
            "seconds": round((self.finished or time.monotonic()) - self.started, 3),
        }


class JobRegistry:
    def __init__(self) -> None:
        self.running: dict[JobKey, Job] = {}
        self.finished: OrderedDict[str, Job] = OrderedDict()

    def start_or_join(self, *, key: JobKey, dialogue_id: int, fmt: str, work: Work) -> Job:
        job = self.running.get(key)
        if job is not None:
            return job
        job = Job(id=secrets.token_hex(8), key=key, dialogue_id=dialogue_id, format=fmt)
        self.running[key] = job
        job.task = asyncio.create_task(self._run(job, work))
        return job

    async def _run(self, job: Job, work: Work) -> None:
        try:
            job.result = await work(job)
            job.state = "done"
            job.report(1.0, "done")
        except DialogueError as exc:
            job.state, job.error = "failed", exc.message
        except Exception as exc:
            job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.monotonic()
            self.running.pop(job.key, None)
            self.finished[job.id] = job
            self.prune()

    def prune(self) -> None:
        """Forget old finished jobs; a caller still waiting on one keeps its own reference."""
        now = time.monotonic()
        while self.finished:
            oldest = next(iter(self.finished.values()))
            size = sum(len(j.result or b"") for j in self.finished.values())
            expired = now - (oldest.finished or now) > KEEP_SECONDS
            if not (expired or len(self.finished) > KEEP_FINISHED or size > KEEP_BYTES):
                return
            self.finished.popitem(last=False)

    def get(self, job_id: str) -> Job | None:
        self.prune()
        found = self.finished.get(job_id)
        if found is not None:
            return found
        return next((j for j in self.running.values() if j.id == job_id), None)

    async def wait(self, job: Job) -> bytes:
        assert job.task is not None
        await asyncio.shield(job.task)
        if job.state != "done" or job.result is None:
            raise DialogueError(
                _("The report could not be generated: {error}").format(error=job.error),
                status=500,
                code=ErrorCode.REPORT_FAILED,
            )
        return job.result

    async def close(self) -> None:
        for job in list(self.running.values()):
            if job.task is not None:
                job.task.cancel()
