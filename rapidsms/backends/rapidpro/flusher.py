"""The background thread that sends what waits in the outbox when it becomes due.

One thread per backend and process, started on demand: ``send()`` returns
without waiting for the coalescing window, and this thread sends the
broadcast when the window ends (or when the request budget allows).
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import close_old_connections, connection

from rapidsms.backends.rapidpro.outbox import MAX_BACKOFF, Outbox

logger = logging.getLogger("rapidsms.backends.rapidpro")


class BackgroundFlusher:
    """A thread per backend and process that sends what becomes due later.

    :meth:`wake` schedules a look at the outbox; the thread sleeps until the
    earliest one, flushes, schedules the next due entry, and ends when the
    outbox has nothing waiting.
    """

    def __init__(self, outbox: Outbox, max_wait: float = 3600.0) -> None:
        self.outbox = outbox
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_run: float | None = None

    def wake(self, after: float = 0.0) -> None:
        """Have the thread flush the outbox ``after`` seconds from now (or sooner)."""
        with self._lock:
            when = time.monotonic() + max(0.0, after)
            if self._next_run is None or when < self._next_run:
                self._next_run = when
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"rapidpro-outbox-{self.outbox.name}", daemon=True
                )
                self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (when the outbox is empty)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def stop(self, timeout: float | None = None) -> None:
        """End the thread now; what waits stays in the outbox for the next flush."""
        with self._lock:
            self._next_run = None
            self._wake.set()
        self.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        errors = 0
        try:
            while True:
                with self._lock:
                    if self._next_run is None:
                        self._thread = None
                        return
                    wait = self._next_run - time.monotonic()
                    if wait > 0:
                        self._wake.clear()
                    else:
                        self._next_run = None
                if wait > 0:
                    self._wake.wait(wait)
                    continue  # woken early: look at the schedule again
                try:
                    next_due = self.outbox.flush(max_wait=self.max_wait)
                    errors = 0
                except Exception:
                    errors += 1
                    logger.exception("%s: the outbox could not be flushed.", self.outbox.name)
                    close_old_connections()
                    next_due = min(MAX_BACKOFF, 2.0**errors)
                if next_due is not None:
                    with self._lock:
                        when = time.monotonic() + next_due
                        if self._next_run is None or when < self._next_run:
                            self._next_run = when
        finally:
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None
            connection.close()
