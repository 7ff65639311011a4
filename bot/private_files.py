"""Files and folders that only the bot's own user may read (0600 and 0700).

The database holds people's names, Telegram ids and reports; its WAL holds the latest
writes; the photos are people's photos; an invite export holds live invite links. Created
with Python's defaults they are 0644/0755: anyone with an account on the server could read
them. So they are created private from the first byte (never chmod-ed after being written:
that leaves a moment when they are not), and existing ones are tightened. SQLite creates the
-wal and -shm files with the database file's own mode, so a private database gives private
companions. `python -m bot run` also sets the umask to 0o077 as a second layer.

An existing folder is left as it is: it may be shared on purpose (a home directory, /tmp);
only the folders created here are 0700, and the files in any folder are 0600.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Make sure `path` is a folder; the ones created here (parents too) are 0700."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=DIR_MODE)
            os.chmod(folder, DIR_MODE)  # mkdir's mode is cut by the umask, not raised by it
    if not path.is_dir():
        raise NotADirectoryError(str(path))


def tighten(path: Path) -> None:
    """Take every right of the group and of others away from an existing file or folder
    (only its owner may: for anyone else, say so in the log and go on)."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        try:
            os.chmod(path, mode & 0o700)
        except PermissionError:
            log.warning("%s is readable by others; only its owner can change that", path)


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 when it is missing, or tighten it when it exists, so
    whatever writes it next (SQLite, a download, `open(path, "w")`) writes a private file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
        os.chmod(path, FILE_MODE)  # the umask may have taken the owner's bits too


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a 0600 file (replacing what was there)."""
    private_file(path)
    with path.open("wb") as fh:
        fh.write(data)
