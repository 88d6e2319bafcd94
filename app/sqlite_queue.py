"""A writer queue in front of SQLite's write lock (the embedded default only).

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps in
growing steps (up to 100 ms) between attempts. Under a burst of writes (a flash sale) a
writer that has waited long keeps losing to newcomers that poll every millisecond, and
some requests wait seconds while the lock sits idle between sleeps. Here a writer first
queues: the threads of a process on a threading.Lock (the next one wakes as soon as it is
released), the processes on an flock of a file next to the database (polled every half
millisecond by at most one thread per process). The queue only orders who asks:
SQLite's own lock stays the authority, the queue is released once the transaction has
ended, and a writer that waited longer than the busy timeout goes ahead and lets SQLite
decide (a 503 `database_unavailable` if the lock is still held).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

_held = threading.local()  # the queue this thread holds, if any


class WriterQueue:
    def __init__(self, lock_path: str, timeout_seconds: float) -> None:
        self.lock_path = lock_path
        self.timeout = timeout_seconds
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._fd_pid: int | None = None

    def _file(self) -> int:
        if self._fd is None or self._fd_pid != os.getpid():  # a forked worker opens its own
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        """Wait for this process's turn, then for the file lock; give up at the timeout."""
        if getattr(_held, "queue", None) is not None:
            return
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            return
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self._threads.release()
                        return
                    time.sleep(0.0005)
        except BaseException:
            self._threads.release()
            raise
        _held.queue = self

    def _release(self) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


def release_held() -> None:
    """Let the next writer in, if this thread holds a queue (after commit or rollback)."""
    queue = getattr(_held, "queue", None)
    if queue is not None:
        _held.queue = None
        queue._release()
