"""Model files and state dicts: every bad input is refused with a clear error and changes nothing."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from autograd_mini import Value, nn
from autograd_mini._files import replace_file
from tests.statecheck import unchanged

LAST = "layers.1.neurons.0.b"  # assigned last: a bad value here once left 12 of 13 parameters changed


def model() -> nn.MLP:
    return nn.MLP(2, [3, 1], seed=5)


def good_document() -> dict[str, object]:
    """What ``save`` writes for ``model()``, as a dict to spoil."""
    source = model()
    return {
        "format": "autograd-mini module",
        "version": 1,
        "module": "MLP",
        "config": source.config(),
        "parameters": source.state_dict(),
    }


def with_parameter(value: str) -> str:
    """The good file's JSON text with LAST's number replaced by ``value`` (raw JSON)."""
    text = json.dumps(good_document(), indent=1)
    head, tail = text.split(f'"{LAST}": ')
    return head + f'"{LAST}": {value}' + tail[tail.index("\n") :]


def spoiled(**changes: object) -> str:
    return json.dumps({**good_document(), **changes})


def parameters_with(**changes: object) -> str:
    params = good_document()["parameters"]
    assert isinstance(params, dict)
    return spoiled(parameters={**params, **changes})


def without(key: str) -> str:
    return json.dumps({k: v for k, v in good_document().items() if k != key})


GOOD = json.dumps(good_document(), indent=1)
LIMIT = model().max_file_bytes()

BAD_FILES: dict[str, str | bytes] = {
    "empty": "",
    "only whitespace": " \n\t ",
    "truncated": GOOD[: len(GOOD) // 2],
    "truncated by one byte": GOOD[:-1],
    "trailing garbage": GOOD + "x",
    "two documents": GOOD + GOOD,
    "a list": "[1, 2]",
    "null": "null",
    "a number": "1",
    "a string": '"model"',
    "no format marker": without("format"),
    "wrong format": spoiled(format="pytorch"),
    "no version": without("version"),
    "version 99": spoiled(version=99),
    "version as a string": spoiled(version="1"),
    "version true": spoiled(version=True),
    "version 1.0": spoiled(version=1.0),
    "other module": spoiled(module="Layer"),
    "other shape": spoiled(config={**model().config(), "nouts": [4, 1]}),
    "no config": without("config"),
    "no parameters": without("parameters"),
    "parameters a list": spoiled(parameters=[1.0] * 13),
    "parameters null": spoiled(parameters=None),
    "missing key": json.dumps(
        {**good_document(), "parameters": {k: v for k, v in model().state_dict().items() if k != LAST}}
    ),
    "extra key": parameters_with(**{"layers.9.w": 1.0}),
    "empty parameters": spoiled(parameters={}),
    "a string number": with_parameter('"1.0"'),
    "null number": with_parameter("null"),
    "a list number": with_parameter("[1.0]"),
    "an object number": with_parameter('{"value": 1.0}'),
    "true": with_parameter("true"),
    "false": with_parameter("false"),
    "int too large for a float": with_parameter("1" + "0" * 400),
    "int of 5000 digits": with_parameter("9" * 5000),
    "NaN": with_parameter("NaN"),
    "Infinity": with_parameter("Infinity"),
    "-Infinity": with_parameter("-Infinity"),
    "1e999": with_parameter("1e999"),
    "-1e999": with_parameter("-1e999"),
    "NaN in config": spoiled(config={**model().config(), "nin": float("nan")}),
    "duplicate key": GOOD.replace(f'"{LAST}":', '"layers.0.neurons.0.b": 0.5,\n "layers.0.neurons.0.b":', 1),
    "deeply nested list": "[" * 30_000,
    "deeply nested objects": '{"a": ' * 20_000,
    "deeply nested parameter": with_parameter("[" * 30_000),
    "non-UTF-8 bytes": b"\xff\xfe\x00garbage",
    "latin-1 name": GOOD.replace("layers.0.neurons.0.w.0", "layers.0.neurons.0.w.\xe9").encode("latin-1"),
    "UTF-16": GOOD.encode("utf-16"),
    "UTF-8 byte-order mark": b"\xef\xbb\xbf" + GOOD.encode(),
    "NUL bytes": "\x00" * 100,
    "padded past the size limit": GOOD + " " * LIMIT,
    "huge": "[" + "1.0, " * (LIMIT // 4) + "1.0]",
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_file_is_refused_and_changes_nothing(tmp_path: Path, name: str) -> None:
    content = BAD_FILES[name]
    path = tmp_path / "model.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    target = model()
    target.zero_grad()
    target.parameters()[0].backward(3.0)  # a grad that must survive too
    with unchanged(target, tmp_path), pytest.raises(ValueError) as info:
        target.load(path)
    assert str(path) in str(info.value)  # the message names the file


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1" + "0" * 400, "non-finite"),
        ("NaN", "non-finite"),
        ("Infinity", "non-finite"),
        ("1e999", "non-finite"),
        ('"1.0"', "non-numeric"),
        ("true", "non-numeric"),
    ],
)
def test_bad_number_is_named(tmp_path: Path, value: str, words: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(with_parameter(value))
    with pytest.raises(ValueError, match=f"{words} value\\(s\\) for {LAST}.*nothing was changed"):
        model().load(path)


def test_other_bad_files_name_their_problem(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    cases = {
        "larger than": GOOD + " " * LIMIT,
        "nested too deeply": "[" * 30_000,
        "not UTF-8 text": b"\xff",
        "appears twice": BAD_FILES["duplicate key"],
        "version": spoiled(version=True),
    }
    for words, content in cases.items():
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        with pytest.raises(ValueError, match=words):
            model().load(path)


def test_100000_deep_nesting_is_a_value_error(tmp_path: Path) -> None:
    big = nn.MLP(2, [16, 16, 1])
    assert big.max_file_bytes() > 100_000
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    with unchanged(big), pytest.raises(ValueError, match="nested too deeply"):
        big.load(path)


def test_size_limit_is_generous_and_checked_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model().save(path)
    size = path.stat().st_size
    assert 4 * size < LIMIT  # far more than a saved file needs
    path.write_text(GOOD + " " * (LIMIT - len(GOOD)))  # exactly at the limit: still loads
    loaded = nn.MLP(2, [3, 1], seed=6)
    loaded.load(path)
    assert loaded.state_dict() == model().state_dict()
    path.write_text(GOOD + " " * (LIMIT - len(GOOD) + 1))
    with pytest.raises(ValueError, match=f"larger than {LIMIT} bytes"):
        loaded.load(path)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda tmp: tmp / "missing.json", FileNotFoundError),
        (lambda tmp: tmp, IsADirectoryError),
    ],
)
def test_unreadable_paths_raise_os_errors_and_change_nothing(
    tmp_path: Path, make: Callable[[Path], Path], error: type[Exception]
) -> None:
    target = model()
    with unchanged(target, tmp_path), pytest.raises(error):
        target.load(make(tmp_path))


BAD_STATES: dict[str, object] = {
    "int too large, last": {**model().state_dict(), LAST: 10**400},
    "nan": {**model().state_dict(), LAST: float("nan")},
    "inf": {**model().state_dict(), LAST: float("inf")},
    "-inf": {**model().state_dict(), "layers.0.neurons.0.w.0": -float("inf")},
    "a Value": {**model().state_dict(), LAST: Value(1.0)},
    "a string": {**model().state_dict(), LAST: "1.0"},
    "None": {**model().state_dict(), LAST: None},
    "bool": {**model().state_dict(), LAST: True},
    "missing": {k: v for k, v in model().state_dict().items() if k != LAST},
    "extra": {**model().state_dict(), "extra": 1.0},
    "non-string key": {**model().state_dict(), 7: 1.0},
    "empty": {},
    "a list": list(model().state_dict().values()),
    "None state": None,
}


@pytest.mark.parametrize("name", BAD_STATES)
def test_bad_state_is_refused_and_changes_nothing(name: str) -> None:
    target = model()
    with unchanged(target), pytest.raises(ValueError, match=r"nothing was changed|mapping"):
        target.load_state_dict(BAD_STATES[name])  # type: ignore[arg-type]


def test_state_accepts_any_real_number() -> None:
    target = nn.Neuron(2, "linear")
    target.load_state_dict({"w.0": Fraction(1, 4), "w.1": 3, "b": -0.0})
    assert target.state_dict() == {"w.0": 0.25, "w.1": 3.0, "b": -0.0}
    assert all(type(v) is float for v in target.state_dict().values())


def test_save_refuses_non_finite_weights_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    source = model()
    source.save(path)
    source.parameters()[-1].assign(float("nan"))
    with unchanged(tmp_path), pytest.raises(ValueError, match=f"non-finite value\\(s\\) for {LAST}"):
        source.save(path)
    source.parameters()[-1].assign(float("inf"))
    with unchanged(tmp_path), pytest.raises(ValueError, match="finite numbers only"):
        source.save(tmp_path / "new.json")


def test_saved_file_is_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model().save(path)

    def refuse(constant: str) -> float:
        raise AssertionError(f"{constant} in a saved file")

    document = json.loads(path.read_text(encoding="ascii"), parse_constant=refuse)
    assert document["parameters"] == model().state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_failing_during_serialization_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    source = model()
    source.save(path)
    # A value json cannot write, met half-way through the document: writing straight into
    # the target would already have truncated it.
    monkeypatch.setattr(source, "config", lambda: {"nin": 2, "weird": object()})
    with unchanged(tmp_path), pytest.raises(TypeError):
        source.save(path)


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_save_failing_mid_write_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "model.json"
    model().save(path)
    other = nn.MLP(2, [3, 1], seed=6)

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with unchanged(tmp_path), pytest.raises(OSError, match="No space left"):
        other.save(path)


def test_save_interrupted_removes_its_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.json"
    model().save(path)

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with unchanged(tmp_path), pytest.raises(KeyboardInterrupt):
        nn.MLP(2, [3, 1], seed=6).save(path)


def test_save_to_bad_places_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with unchanged(tmp_path), pytest.raises(OSError):
        model().save(tmp_path / "folder")  # a directory stands where the file would go
    with unchanged(tmp_path), pytest.raises(FileNotFoundError):
        model().save(tmp_path / "no-such-folder" / "model.json")


def test_save_replaces_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model().save(path)
    source = nn.MLP(2, [3, 1], seed=9)
    source.parameters()[0].assign(-0.0)
    source.parameters()[1].assign(5e-324)
    source.save(path)
    loaded = model()
    loaded.load(path)
    assert [p.data.hex() for p in loaded.parameters()] == [p.data.hex() for p in source.parameters()]
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_saved_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    reference.write_text("")  # created like any file: 0o666 minus the umask
    path = tmp_path / "model.json"
    model().save(path)
    assert path.stat().st_mode == reference.stat().st_mode


def test_save_into_a_missing_folder_names_the_path_not_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as info:
        nn.MLP(2, [3, 1]).save(target)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)


def test_save_onto_a_folder_refuses_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="models"):
        nn.MLP(2, [3, 1]).save(folder)
    assert sorted(os.listdir(tmp_path)) == ["models"] and os.listdir(folder) == []


def test_save_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    real.write_text("old")
    link.symlink_to(real)
    model = nn.MLP(2, [3, 1], seed=4)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    fresh = nn.MLP(2, [3, 1], seed=5)
    fresh.load(real)
    assert [p.data for p in fresh.parameters()] == [p.data for p in model.parameters()]


def test_replace_file_failure_mid_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=r"cannot write .*f\.txt: No space left"):
        replace_file(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_a_hostile_module_name_gives_a_printable_error(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model = nn.MLP(2, [3, 1])
    model.save(path)
    path.write_text(path.read_text().replace('"module": "MLP"', '"module": "\\ud800"'))
    with pytest.raises(ValueError) as info:
        model.load(path)
    str(info.value).encode("utf-8")  # a lone surrogate in the message would raise here


class _Tied(nn.Module):
    """Tied weights: a Value and a whole module each held under two attribute names."""

    def __init__(self) -> None:
        self.a = Value(2.0)
        self.shared = self.a
        self.c = Value(5.0)
        self.enc = nn.Neuron(1, seed=0)
        self.dec = self.enc


# Written by the version whose state_dict listed a tied parameter under every name reaching it.
TIED_FILE_LISTING_EVERY_NAME = """{
 "format": "autograd-mini module",
 "version": 1,
 "module": "_Tied",
 "config": {},
 "parameters": {
  "a": 7.0,
  "shared": 7.0,
  "c": 5.0,
  "enc.w.0": 0.25,
  "enc.b": -1.5,
  "dec.w.0": 0.25,
  "dec.b": -1.5
 }
}
"""


def test_a_file_naming_tied_parameters_under_every_name_loads(tmp_path: Path) -> None:
    path = tmp_path / "tied.json"
    path.write_text(TIED_FILE_LISTING_EVERY_NAME, encoding="utf-8")
    target = _Tied()
    target.load(path)
    assert target.state_dict() == {"a": 7.0, "c": 5.0, "enc.w.0": 0.25, "enc.b": -1.5}
    assert target.shared.data == 7.0 and target.dec.b.data == -1.5  # type: ignore[union-attr]
    target.save(path)  # each parameter once, under its first name
    assert json.loads(path.read_text(encoding="utf-8"))["parameters"] == target.state_dict()


def test_each_parameter_may_come_under_any_of_its_names() -> None:
    target = _Tied()
    target.load_state_dict({"shared": 7.0, "c": 5.0, "dec.w.0": 0.25, "enc.b": -1.5})
    assert target.state_dict() == {"a": 7.0, "c": 5.0, "enc.w.0": 0.25, "enc.b": -1.5}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"shared": 8.0}, "conflicting values for a (7.0) and shared (8.0), one parameter"),
        ({"dec.b": 0.0}, "conflicting values for enc.b (-1.5) and dec.b (0.0), one parameter"),
        ({"shared": "7"}, "non-numeric value(s) for shared"),
        ({"shared": float("inf")}, "non-finite value(s) for shared"),
    ],
)
def test_names_of_one_parameter_must_agree(extra: dict[str, object], message: str) -> None:
    target = _Tied()
    state: dict[str, object] = {"a": 7.0, "c": 5.0, "enc.w.0": 0.25, "enc.b": -1.5, **extra}
    with unchanged(target), pytest.raises(ValueError) as info:
        target.load_state_dict(state)
    assert message in str(info.value) and "nothing was changed" in str(info.value)


@pytest.mark.parametrize(
    "name", ["shared.0", "enc.w", "enc.w.00", "enc.w.1", "enc.w.-1", "enc.w.+0", "enc.w.٠", "enc", "nin", ""]
)
def test_names_reaching_no_parameter_are_unexpected(name: str) -> None:
    target = _Tied()
    state: dict[str, object] = {"a": 7.0, "c": 5.0, "enc.w.0": 0.25, "enc.b": -1.5, name: 0.25}
    with unchanged(target), pytest.raises(ValueError, match=r"unexpected 1 key\(s\)"):
        target.load_state_dict(state)


def test_a_name_reaching_a_computed_value_is_unexpected() -> None:
    target = _Tied()
    target.out = target.enc([1.0])  # type: ignore[attr-defined]
    state: dict[str, object] = {"a": 7.0, "c": 5.0, "enc.w.0": 0.25, "enc.b": -1.5, "out": 1.0}
    with unchanged(target), pytest.raises(ValueError, match=r"unexpected 1 key\(s\): out"):
        target.load_state_dict(state)
