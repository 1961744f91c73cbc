"""Writing a file so that a failure never leaves it half-written: a temporary file, then a rename."""

from __future__ import annotations

import contextlib
import os
import secrets

__all__ = ["replace_file"]


def replace_file(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to a new file beside ``path``, fsync it, then rename it over ``path``.

    A failure at any point (disk full, killed process) leaves the old file whole. A symlink is
    written through (its target is replaced, the link stays). Errors name ``path``, never the
    temporary file.
    """
    given = os.fspath(path)
    target = os.path.realpath(given) if os.path.islink(given) else given
    if os.path.isdir(target):
        raise IsADirectoryError(f"cannot write {given}: it is a folder")
    folder = os.path.dirname(target) or "."
    temp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {given}: {exc.strerror}") from None
    try:
        with open(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, f"cannot write {given}: {exc.strerror}") from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the platform allows (POSIX); best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
