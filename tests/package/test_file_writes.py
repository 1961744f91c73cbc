"""The package's file writers (model save, explorer page save, render) and the permissions they keep."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd_mini import Value, nn
from autograd_mini._files import check_writable, replace_file
from autograd_mini.explorer import Explorer
from autograd_mini.viz import draw_graph, render


def _save_model(path: Path) -> None:
    nn.MLP(2, [3, 1], seed=5).save(path)


def _save_page(path: Path) -> None:
    Explorer("<!doctype html><title>page</title>", "page").save(path)


def _render_drawing(path: Path) -> None:
    x = Value(2.0)
    render(draw_graph(x * x + 1.0), path)


WRITERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "Module.save": (_save_model, "model.json"),
    "Explorer.save": (_save_page, "page.html"),
    "render": (_render_drawing, "graph.dot"),
}


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604], ids=oct)
def test_replacing_a_file_keeps_its_mode(tmp_path: Path, writer: str, mode: int) -> None:
    write, name = WRITERS[writer]
    path = tmp_path / name
    path.write_text("old")
    os.chmod(path, mode)
    write(path)
    assert path.read_text() != "old"
    assert _mode(path) == mode
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o444, 0o400], ids=oct)
def test_a_read_only_file_is_refused_and_left_untouched(tmp_path: Path, writer: str, mode: int) -> None:
    """No write bit for anyone: refused even for root, whom open(path, "w") would let write it."""
    write, name = WRITERS[writer]
    path = tmp_path / name
    path.write_text("old")
    os.chmod(path, mode)
    before = os.stat(path)
    with pytest.raises(PermissionError) as info:
        write(path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)
    assert "read-only" in str(info.value)
    after = os.stat(path)
    assert path.read_text() == "old"
    assert after.st_ino == before.st_ino and after.st_mtime_ns == before.st_mtime_ns
    assert after.st_mode == before.st_mode
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_the_system_says_you_cannot_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    """As for a user who is not root and whose file has no write bit for them (os.access says so)."""
    write, name = WRITERS[writer]
    path = tmp_path / name
    path.write_text("old")
    os.chmod(path, 0o644)
    real_access = os.access

    def access(target: object, want: int, **kwargs: object) -> bool:
        if os.fspath(target) == str(path) and want & os.W_OK:  # type: ignore[call-overload]
            return False
        return real_access(target, want, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(PermissionError, match="Permission denied"):
        write(path)
    assert path.read_text() == "old" and _mode(path) == 0o644
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize("writer", WRITERS)
def test_a_new_file_gets_the_usual_permissions(tmp_path: Path, writer: str) -> None:
    write, name = WRITERS[writer]
    reference = tmp_path / "reference"
    reference.write_text("")  # created like any file: 0o666 minus the umask
    write(tmp_path / name)
    assert _mode(tmp_path / name) == _mode(reference)


def test_through_a_symlink_the_target_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    real.write_text("old")
    os.chmod(real, 0o600)
    link.symlink_to(real)
    _save_model(link)
    assert link.is_symlink() and _mode(real) == 0o600 and real.read_text() != "old"


def test_through_a_symlink_a_read_only_target_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    real.write_text("old")
    os.chmod(real, 0o444)
    link.symlink_to(real)
    with pytest.raises(PermissionError, match=r"link\.json"):
        _save_model(link)
    assert real.read_text() == "old" and link.is_symlink()


def test_replacing_keeps_the_owner_and_group(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old")
    if os.geteuid() == 0:  # root can give the file away; the replacement must give it back
        os.chown(path, 12345, 23456)
    before = os.stat(path)
    replace_file(path, "new")
    after = os.stat(path)
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_something_that_is_not_a_regular_file_is_not_replaced(tmp_path: Path) -> None:
    """A named pipe (or a device, as /dev/null) would be replaced by a plain file: refused."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file") as info:
        replace_file(fifo, "new")
    assert str(fifo) in str(info.value)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_the_refusal_comes_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old")
    os.chmod(path, 0o444)
    with pytest.raises(PermissionError) as info:
        replace_file(path, "new")
    assert info.value.errno is not None and os.strerror(info.value.errno) == "Permission denied"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_check_writable_refuses_what_replace_file_would_and_writes_nothing(tmp_path: Path) -> None:
    """The same error, type and text, from the check alone as from a write; nothing is created."""
    read_only = tmp_path / "read_only.txt"
    read_only.write_text("old")
    read_only.chmod(0o444)
    cases = [tmp_path, tmp_path / "missing" / "new.txt", read_only]
    for path in cases:
        with pytest.raises(OSError) as checked:
            check_writable(path)
        with pytest.raises(OSError) as written:
            replace_file(path, "new")
        assert (type(checked.value), str(checked.value)) == (type(written.value), str(written.value))
    assert isinstance(checked.value, PermissionError)
    check_writable(tmp_path / "new.txt")  # a new file in an existing folder: fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read_only.txt"] and read_only.read_text() == "old"
