"""One writer per run folder: an advisory lock on the folder itself.

``FolderLock(folder)`` takes an exclusive ``flock`` on the open folder (no lock file: nothing
is left in the folder, and a process that is killed, even by SIGKILL, releases its lock with
its open files, so a lock is never left stuck). A second process, or a second lock in the same
process, gets a ``ConfigError`` at once instead of writing beside the first. Where ``fcntl`` is
missing (Windows) the lock does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory folder locks
    fcntl = None  # type: ignore[assignment]


class FolderLock:
    """``with FolderLock(folder):`` holds the folder's write lock for the block."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.fd: int | None = None

    def __enter__(self) -> FolderLock:
        if fcntl is None:
            return self
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"run folder {self.folder} is being written by another neuronet process: "
                "wait for it to end, or give another --name"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # (closing releases the lock)
            self.fd = None
