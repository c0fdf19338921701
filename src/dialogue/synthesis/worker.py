"""Each instance's report worker: claims queued report jobs from the table and runs them.

The instance that queues a job nudges its own worker, so a job usually runs where it was
asked for; another instance takes it over only when that one dies mid-job (its lease
runs out) or has no free slot for long. Progress is written with each lease renewal, so a
client polling any instance sees it move.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from datetime import timedelta

from dialogue import leases
from dialogue.config import Settings
from dialogue.db import Database, utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.errors import DialogueError, NotFound
from dialogue.i18n import gettext as _
from dialogue.leases import WorkState
from dialogue.synthesis import jobs, pipeline
from dialogue.synthesis.models import ReportJob, ReportSnapshot
from dialogue.synthesis.render.common import options_from
from dialogue.wakeup import woken

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
RENEW_SECONDS = 1.0  # also how often progress reaches other instances
# Idle instances look for jobs orphaned by a dead one this often; well within a lease, and
# rare enough that a test measuring a page's statements never meets one.
POLL_SECONDS = 15.0
SLOTS = 2  # jobs one instance renders at once: each takes a CPU while it builds
MAX_ATTEMPTS = 3


class Progress:
    """Written by the rendering thread, read by the renewing task: plain attribute writes."""

    def __init__(self) -> None:
        self.fraction, self.stage = 0.0, "queued"

    def report(self, fraction: float, stage: str) -> None:
        self.fraction = max(self.fraction, min(fraction, 1.0))
        self.stage = stage


class ReportWorker:
    def __init__(self, *, database: Database, settings: Settings, owner: str) -> None:
        self.database = database
        self.owner = owner
        self.options = options_from(settings)
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(SLOTS)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._loop = asyncio.create_task(self._claim_forever())

    def nudge(self) -> None:
        """A job was queued here: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; hand unfinished jobs back so another instance takes them at once."""
        self._stopping = True
        tasks = [t for t in (self._loop, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _claim_forever(self) -> None:
        last_sweep = utcnow()
        while True:
            # Wait first: a new instance leaves orphans to the next poll rather than touch
            # the database in the very first moment of its life.
            await woken(self._wake, POLL_SECONDS)
            self._wake.clear()
            while await self._start_one():
                pass
            if utcnow() - last_sweep > jobs.KEEP:
                last_sweep = utcnow()
                await self._forget_old()

    async def _start_one(self) -> bool:
        """Claim and start one job when a slot is free; False when there was none to run."""
        if self._slots.locked():
            return False  # `_done` wakes the loop when a slot frees
        await self._slots.acquire()
        job = await self._claim()
        if job is None:
            self._slots.release()
            return False
        self._running[job.id] = task = asyncio.create_task(self._run(job))
        task.add_done_callback(functools.partial(self._done, job.id))
        return True

    def _done(self, job_id: str, _task: asyncio.Task[None]) -> None:
        self._running.pop(job_id, None)
        self._slots.release()
        self._wake.set()  # a slot is free: more may be waiting

    async def _claim(self) -> ReportJob | None:
        try:
            async with self.database.writing() as session:
                job = await leases.claim(
                    session=session,
                    model=ReportJob,
                    owner=self.owner,
                    lease=LEASE,
                    max_attempts=MAX_ATTEMPTS,
                )
                await session.commit()
                return job
        except Exception:  # a database outage must not end the loop; the next poll retries
            log.exception("claiming a report job failed")
            return None

    async def _forget_old(self) -> None:
        try:
            async with self.database.writing() as session:
                before = utcnow() - jobs.KEEP
                await leases.forget_finished(session=session, model=ReportJob, before=before)
                await session.commit()
        except Exception:  # the next sweep tries again
            log.exception("deleting old report jobs failed")

    async def _run(self, job: ReportJob) -> None:
        progress = Progress()
        work = asyncio.create_task(self._render(job, progress))
        renewing = asyncio.create_task(self._renew(job.id, progress, work))
        state, values = WorkState.DONE, {}
        try:
            values = {"result": await work, "progress": 1.0, "stage": "done"}
        except asyncio.CancelledError:
            if self._stopping:
                await self._hand_back(job.id)
                raise
            return  # the lease was lost: its new holder finishes the job
        except DialogueError as exc:
            state, values = WorkState.FAILED, {"error": exc.message}
        except Exception as exc:
            log.exception("report job %s failed", job.id)
            state, values = WorkState.FAILED, {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            renewing.cancel()
        async with self.database.writing() as session:
            await leases.finish(
                session=session,
                model=ReportJob,
                row_id=job.id,
                owner=self.owner,
                state=state,
                **values,
            )
            await session.commit()

    async def _renew(self, job_id: str, progress: Progress, work: asyncio.Task[bytes]) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                async with self.database.writing() as session:
                    held = await leases.renew(
                        session=session,
                        model=ReportJob,
                        row_id=job_id,
                        owner=self.owner,
                        lease=LEASE,
                        progress=progress.fraction,
                        stage=progress.stage,
                    )
                    await session.commit()
            except Exception:  # a blip: the lease outlasts many missed renewals
                log.exception("renewing the lease of report job %s failed", job_id)
                continue
            if not held:
                log.warning("report job %s was taken over by another instance", job_id)
                work.cancel()
                return

    async def _hand_back(self, job_id: str) -> None:
        with contextlib.suppress(Exception):  # at worst the lease runs out and it is reclaimed
            async with self.database.writing() as session:
                await leases.release(
                    session=session, model=ReportJob, row_id=job_id, owner=self.owner
                )
                await session.commit()

    async def _render(self, job: ReportJob, progress: Progress) -> bytes:
        if job.snapshot_id is not None:
            async with self.database.reader() as session:
                snapshot = await session.get(ReportSnapshot, job.snapshot_id)
                found = await session.get(Dialogue, job.dialogue_id)
                if snapshot is None or found is None:
                    raise NotFound(_("Not found."))
                document = await pipeline.current_snapshot(
                    session=session,
                    dialogue=found,
                    document=snapshot.document,
                    options=self.options,
                )
            return await pipeline.snapshot_report(
                document=document, fmt=job.format, options=self.options, progress=progress.report
            )
        async with self.database.reader() as session:
            dialogue = await session.get(Dialogue, job.dialogue_id)
            if dialogue is None:
                raise NotFound(_("Not found."))
            source = await pipeline.load(
                session=session,
                dialogue=dialogue,
                state=job.report_state,
                options=self.options,
                progress=progress.report,
            )
        return await pipeline.render_source(
            source, fmt=job.format, options=self.options, progress=progress.report
        )
