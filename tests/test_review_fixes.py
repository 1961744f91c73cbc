"""Findings of a hostile review, each pinned: file errors name the user's path, symlinks are
written through, huge integers are shortened in optimizer errors, an infinite tolerance fails."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from autograd_mini import GradcheckError, TraceError, Value, gradcheck, nn, no_grad, optim, trace
from autograd_mini._files import replace_file
from autograd_mini.higher_order import gradients, hessian, hvp


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


@pytest.mark.parametrize(
    "call",
    [
        lambda p: optim.SGD([p], lr=0.1).step([10**5000]),
        lambda p: optim.SGD([p], lr=10**5000),
        lambda p: optim.Adam([p], eps=10**5000),
        lambda p: optim.SGD([p], lr=0.1).step([10**400]),
    ],
)
def test_optimizer_errors_shorten_huge_integers(call: object) -> None:
    p = Value(1.0, "p")
    with pytest.raises(ValueError, match="digits") as info:
        call(p)  # type: ignore[operator]
    assert len(str(info.value)) < 200 and p.data == 1.0


def test_a_nan_parameter_is_named_as_the_cause() -> None:
    q = Value(math.nan, "q")
    with pytest.raises(ValueError, match="parameter itself is not finite"):
        optim.SGD([q], lr=0.1).step([1.0])


def test_gradcheck_fails_when_the_numerical_side_is_infinite() -> None:
    with pytest.raises(GradcheckError, match="allowed inf"):
        gradcheck(lambda a: (a * a).detach() * a, [1.5], eps=1e300)


def test_a_hostile_module_name_gives_a_printable_error(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model = nn.MLP(2, [3, 1])
    model.save(path)
    path.write_text(path.read_text().replace('"module": "MLP"', '"module": "\\ud800"'))
    with pytest.raises(ValueError) as info:
        model.load(path)
    str(info.value).encode("utf-8")  # a lone surrogate in the message would raise here


# -- trace: refusals instead of a silently frozen function or a RecursionError ---------------


def test_trace_inside_no_grad_is_refused() -> None:
    with no_grad(), pytest.raises(TraceError, match="inside no_grad"):
        trace(lambda a: a * a, 2.0)


def test_trace_of_a_result_that_ignores_its_inputs_is_refused() -> None:
    @no_grad()
    def loss(a: Value) -> Value:
        return a * a

    with pytest.raises(TraceError, match="depends on no argument"):
        trace(loss, 2.0)
    w = Value(0.5)
    with pytest.raises(TraceError, match="depends on no argument"):
        trace(lambda a: Value(a.data * w.data), 2.0, params=[w])


def test_trace_refuses_deep_or_self_containing_arguments() -> None:
    deep: list[object] = [1.0]
    for _ in range(5000):
        deep = [deep]
    loop: list[object] = [1.0]
    loop.append(loop)
    for args in (deep, loop):
        with pytest.raises(TraceError, match="nest lists more than"):
            trace(lambda xs: Value(1.0) * 2, args)
    compiled = trace(lambda xs: xs[0] * 2, [1.0])
    with pytest.raises(TraceError, match="nest lists more than"):
        compiled(deep)


def test_trace_takes_any_real_number_type() -> None:
    from fractions import Fraction

    compiled = trace(lambda a: a * a, Fraction(3, 2))
    value, grads = compiled(Fraction(5, 2))
    assert value == 6.25 and grads == [5.0]
    with pytest.raises(TraceError, match="got bool"):
        compiled(True)


# -- higher order: no aliases, clear errors -------------------------------------------------


def test_a_gradient_is_never_an_existing_node() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    for create_graph in (True, False):
        ga, gb = gradients(a * b, [a, b], create_graph=create_graph)
        assert ga is not b and gb is not a and (ga.data, gb.data) == (3.0, 2.0)
        ga.label = "dL/da"
        assert b.label == "b"
    c = Value(1.0)
    g1, g2 = gradients(a + c, [a, c], create_graph=True)
    assert g1 is not g2 and g1.data == g2.data == 1.0


def test_transforms_and_create_graph_name_their_bad_arguments() -> None:
    with pytest.raises(TypeError, match="hessian xs must be a list"):
        hessian(lambda a: a * a, Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hvp xs must be a list"):
        hvp(lambda a: a * a, Value(1.0), [1.0])  # type: ignore[arg-type]
    x = Value(2.0)
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        (x * x).backward(create_graph="yes")  # type: ignore[arg-type]
    assert x.grad == 0.0
