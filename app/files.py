"""Private files and folders: what the app keeps on disk is for its own user only.

The SQLite database, photos and the embedded Redis socket hold residents' data and the
keys to it, so folders are 0700 and files 0600 whatever the process umask (a usual 022
would leave them readable by every local user). SQLite gives its -wal and -shm files the
mode of the database file, so making that one private covers them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_private(path: Path | str, mode: int = FILE_MODE) -> None:
    """chmod `path` to `mode` if it exists; a path we do not own is left as it is."""
    try:
        os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except PermissionError:
        log.warning("cannot restrict the permissions of %s (not ours)", path)


def private_dir(path: Path | str) -> Path:
    """Create `path` (and its parents) if needed and make it 0700; returns it."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    make_private(path, DIR_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to a new or truncated file that only our user can read (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)  # an existing file kept its old mode
        handle.write(data)
