"""Dynamic batching: the documents of concurrent requests share engine calls.

One worker thread owns the :class:`~pipeline.run.Translator` (built in that thread, so the
translation memory's SQLite connection and the engine are only ever used there): it takes the
first waiting document, gathers whatever else arrives within a short wait (up to a window of
sentences), and translates them all in one :meth:`Translator.translate_documents` call, the
call ``pipeline translate`` makes for a window of files. The scheduler translates each
distinct sentence once per call and the engine translates each sentence independently, so a
document gets the records it would get alone; a call that fails for another reason than a
refused sentence is retried one document at a time, so one request's failure is its own.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from ..document import Document
from ..errors import InputError

#: How long the first document of a batch waits for others, in seconds.
DEFAULT_WAIT_S = 0.005
#: Most sentences gathered into one call (``pipeline translate``'s default window).
DEFAULT_MAX_SENTENCES = 500


@dataclass
class _Job:
    doc: Document
    doc_path: str | None
    future: Future = field(default_factory=Future)
    sentences: list = field(default_factory=list)


@dataclass
class BatchStats:
    """What the worker did: engine calls made and documents translated (the tests and the
    benchmark read them)."""

    calls: int = 0
    documents: int = 0
    largest: int = 0  # most documents in one call


class Batcher:
    """Translate documents from any thread or event loop, batched across callers.

    ``make_translator`` builds the translator in the worker thread; :meth:`start` returns
    once it is built (raising what building it raised)."""

    def __init__(self, make_translator: Callable[[], object], *, wait_s: float = DEFAULT_WAIT_S,
                 max_sentences: int = DEFAULT_MAX_SENTENCES) -> None:
        self._make = make_translator
        self.wait_s = wait_s
        self.max_sentences = max_sentences
        self.stats = BatchStats()
        self.translator = None
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._closed = False

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> Batcher:
        self._thread = threading.Thread(target=self._run, name="pipeline-engine", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failed is not None:
            raise self._failed
        return self

    def close(self) -> None:
        """Finish every document already submitted, then stop the worker."""
        if self._thread is None or self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    # --- submitting ----------------------------------------------------------------------------

    def submit(self, doc: Document, doc_path: str | None = None) -> Future:
        """A future of the document's records (or of the :class:`InputError` that refused it)."""
        if self._closed or self._thread is None:
            raise RuntimeError("the batcher is not running")
        job = _Job(doc, doc_path)
        self._queue.put(job)
        return job.future

    async def translate(self, doc: Document, doc_path: str | None = None) -> list:
        """The records of ``doc``, awaited without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(doc, doc_path))

    # --- the worker ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.translator = self._make()
        except BaseException as exc:  # re-raised by start() in the caller's thread
            self._failed = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            stop = False
            while not stop:
                first = self._queue.get()
                if first is None:
                    break
                batch, stop = self._gather(first)
                self._translate(batch)
        finally:
            self.translator.close()

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        """``first`` and the documents that arrive within the wait, up to the window; whether
        the stop sign came meanwhile (the batch is still translated)."""
        batch = [first]
        size = self._split(first)
        deadline = time.monotonic() + self.wait_s
        while size < self.max_sentences:
            left = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return batch, True
            batch.append(job)
            size += self._split(job)
        return batch, False

    def _split(self, job: _Job) -> int:
        job.sentences = self.translator.split(job.doc.text)
        return len(job.sentences)

    def _translate(self, batch: list[_Job]) -> None:
        live = [job for job in batch if job.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            results = self._call(live)
        except Exception as exc:
            if len(live) == 1:
                live[0].future.set_exception(exc)
                return
            for job in live:  # one document's failure stays its own
                try:
                    results = self._call([job])
                except Exception as one:
                    job.future.set_exception(one)
                    continue
                self._settle(job, results[0])
            return
        for job, result in zip(live, results):
            self._settle(job, result)

    def _call(self, jobs: list[_Job]) -> list:
        self.stats.calls += 1
        self.stats.documents += len(jobs)
        self.stats.largest = max(self.stats.largest, len(jobs))
        return self.translator.translate_documents([(j.doc, j.sentences) for j in jobs],
                                                   [j.doc_path for j in jobs])

    @staticmethod
    def _settle(job: _Job, result) -> None:
        if isinstance(result, InputError):
            job.future.set_exception(result)
        else:
            job.future.set_result(result)
