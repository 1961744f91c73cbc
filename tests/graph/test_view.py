"""graph.view and the pure gradient map: one computation per graph, no .grad read or written."""

from __future__ import annotations

from fractions import Fraction

import pytest

from autograd_mini import Value, nn
from autograd_mini.graph import (
    first_reached,
    forward_order,
    node_names,
    operands_first,
    reference_gradients,
    toposort,
    view,
)
from autograd_mini.naming import parameter_names
from tests.helpers import bits


def _graph() -> tuple[Value, Value, Value]:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    return x, w, (x * w + x).tanh()


def test_view_gives_the_order_names_consumers_and_gradients_of_one_graph() -> None:
    x, _, out = _graph()
    graph = view(out, seed=2.0)
    assert graph.order == forward_order(out) and graph.backward_order == toposort(out)
    assert graph.names == node_names(out)
    assert graph.consumers[x] == [n for n in graph.order if x in n.parents]  # x * w and the sum
    out.backward(2.0)
    assert [bits(graph.gradients[n]) for n in graph.order] == [bits(n.grad) for n in graph.order]


def test_reference_gradients_neither_read_nor_write_grad() -> None:
    x, w, out = _graph()
    x.grad = 5.0  # an earlier pass's accumulation: not part of the reference
    before = [n.grad for n in forward_order(out)]
    grads = reference_gradients(out)
    assert [n.grad for n in forward_order(out)] == before
    x.grad = 0.0
    out.backward()
    assert grads[x] == x.grad and grads[w] == w.grad


@pytest.mark.parametrize("seed", [True, "a", None, 1j])
def test_a_seed_that_is_not_a_real_number_is_refused(seed: object) -> None:
    _, _, out = _graph()
    with pytest.raises(TypeError, match="seed must be a real number"):
        reference_gradients(out, seed)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be a real number"):
        view(out, seed=seed)  # type: ignore[arg-type]


def test_a_seed_of_another_number_type_gives_float_gradients() -> None:
    _, _, out = _graph()
    grads = view(out, seed=Fraction(1, 2)).gradients  # type: ignore[arg-type]
    assert all(type(g) is float for g in grads.values())


class _LooksLikeAValue:
    _uses = 0
    _a = _b = None


@pytest.mark.parametrize("root", [3.0, None, _LooksLikeAValue()])
def test_a_root_that_is_not_a_value_is_refused(root: object) -> None:
    for walk in (toposort, forward_order, reference_gradients, view):
        with pytest.raises(TypeError, match="root must be a Value"):
            walk(root)  # type: ignore[arg-type]


def test_parameter_names_reads_a_module_without_being_told_the_node_class() -> None:
    model = nn.MLP(2, [1], seed=0)
    assert parameter_names(model) == {p: name for name, p in model.named_parameters()}


def test_operands_first_is_the_order_python_evaluates_an_expression_in() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    product = a * b
    total = product + a.exp()
    order = operands_first([total])
    assert order == [a, b, product, order[3], total] and order[3].op == "exp"
    assert operands_first([b, total])[:2] == [b, a]  # an earlier start comes first


def test_first_reached_finds_a_target_below_a_start_and_shares_its_search() -> None:
    a, b = Value(1.0), Value(2.0)
    start = (a * 2.0).tanh() + b
    seen: set[Value] = set()
    assert first_reached(start, {b}, seen) is b
    assert first_reached(start, {start}, set()) is None  # the start itself does not count
    searched: set[Value] = set()
    assert first_reached(a * 3.0, {b}, searched) is None
    assert first_reached(a * 3.0, {a}, set()) is a
