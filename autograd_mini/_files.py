"""Writing a file so that a failure never leaves it half-written: a temporary file, then a rename."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

__all__ = ["check_writable", "replace_file"]


def replace_file(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to a new file beside ``path``, fsync it, then rename it over ``path``.

    A failure at any point (disk full, killed process) leaves the old file whole. A symlink is
    written through (its target is replaced, the link stays). An existing file keeps its mode
    (and its owner and group where the process may set them); a file nobody may write by its
    mode bits (0444), or one ``os.access`` says this user cannot write, is refused with
    PermissionError before anything is written, even for root. Errors name ``path``, never the
    temporary file.
    """
    given = os.fspath(path)
    target, old = _writable_target(given)
    folder = os.path.dirname(target) or "."
    temp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # A new file is created as open() creates one (0o666 minus the umask); a replacement
    # starts private and gets the old file's mode before any byte is written.
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if old is None else 0o600)
    except OSError as exc:
        raise _naming(given, exc) from None
    try:
        if old is not None:
            _copy_permissions(fd, temp, old)
        with open(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise _naming(given, exc) from None
        raise
    _sync_folder(folder)


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise what ``replace_file(path, ...)`` would raise before writing anything, writing nothing.

    For a caller with long work before its write (training, then the page): it fails first, not after.
    """
    _writable_target(os.fspath(path))


def _writable_target(given: str) -> tuple[str, os.stat_result | None]:
    """The file to replace (a symlink's target) and its stat, None for a new file; refused as open() would."""
    target = os.path.realpath(given) if os.path.islink(given) else given
    if os.path.isdir(target):
        raise IsADirectoryError(f"cannot write {given}: it is a folder")
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise _naming(given, exc) from None
    if old is not None:
        _check_replaceable(given, target, old)
    folder = os.path.dirname(target) or "."
    if old is None and not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {given}: the folder {folder} does not exist")
    return target, old


def _check_replaceable(given: str, target: str, old: os.stat_result) -> None:
    """Refuse what ``open(path, "w")`` would refuse, and a read-only file even for root.

    Root may write any file, so ``os.access`` says yes to a 0444 file; the mode bits are the
    user's own "do not overwrite" mark, and they are honoured for everyone.
    """
    if not stat.S_ISREG(old.st_mode):
        raise OSError(errno.EINVAL, f"cannot write {given}: it is not a regular file, and would be replaced")
    mode = stat.S_IMODE(old.st_mode)
    if not mode & 0o222:
        raise PermissionError(
            errno.EACCES, f"cannot write {given}: Permission denied (the file is read-only, mode {mode:04o})"
        )
    effective = os.access in os.supports_effective_ids  # what open() checks: the effective ids
    if not os.access(target, os.W_OK, effective_ids=effective):
        raise PermissionError(errno.EACCES, f"cannot write {given}: Permission denied")


def _copy_permissions(fd: int, temp: str, old: os.stat_result) -> None:
    """Give the new file the old one's owner and group where allowed, then its mode (chown clears setuid)."""
    if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away; a group needs membership
            os.fchown(fd, old.st_uid, old.st_gid)
    if hasattr(os, "fchmod"):  # POSIX (Windows from Python 3.13)
        os.fchmod(fd, stat.S_IMODE(old.st_mode))
    else:
        os.chmod(temp, stat.S_IMODE(old.st_mode))


def _naming(given: str, exc: OSError) -> OSError:
    """The same error (and subclass, from the errno), naming the user's path."""
    return OSError(exc.errno, f"cannot write {given}: {exc.strerror}")


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
