"""The snapshot helper sees every change, down to the sign of a zero and a NaN's payload."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd_mini import Value, nn, optim
from tests.statecheck import snapshot, unchanged


def other_nan() -> float:
    nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
    assert isinstance(nan, float)
    return nan


def fresh() -> tuple[nn.Neuron, optim.Adam, Value]:
    neuron = nn.Neuron(2, seed=1)
    return neuron, optim.Adam(neuron.parameters(), lr=0.1), Value(0.0)


CHANGES: dict[str, Callable[[nn.Neuron, optim.Adam, Value], None]] = {
    "a weight": lambda n, o, v: n.w[0].assign(math.nextafter(n.w[0].data, math.inf)),
    "a grad": lambda n, o, v: n.b.backward(1.0) if n.b is not None else None,
    "0.0 to -0.0": lambda n, o, v: v.assign(-0.0),
    "optimizer moment": lambda n, o, v: o.m.__setitem__(0, -0.0),
    "optimizer steps": lambda n, o, v: setattr(o, "steps", 1),
    "a parameter replaced by an equal one": lambda n, o, v: n.w.__setitem__(0, Value(n.w[0].data)),
    "activation": lambda n, o, v: setattr(n, "activation", "tanh"),
}


@pytest.mark.parametrize("name", CHANGES)
def test_unchanged_catches_each_change(name: str) -> None:
    neuron, opt, value = fresh()
    with pytest.raises(AssertionError, match="changed"), unchanged(neuron, opt, value):
        CHANGES[name](neuron, opt, value)


def test_nan_payloads_differ_and_equal_states_match() -> None:
    assert snapshot(float("nan")) != snapshot(other_nan())
    assert snapshot(float("nan")) == snapshot(float("nan"))
    neuron, opt, value = fresh()
    with unchanged(neuron, opt, value):
        neuron.state_dict()  # reading changes nothing


def test_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"1")
    with pytest.raises(AssertionError), unchanged(tmp_path):
        (tmp_path / "a").write_bytes(b"2")
    with pytest.raises(AssertionError), unchanged(tmp_path):
        (tmp_path / ".a.tmp").write_bytes(b"")
