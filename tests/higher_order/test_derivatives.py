"""Higher-order derivatives: the op table's derivative formulas evaluated on Values."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import (
    GradcheckError,
    Value,
    derivative,
    gradgradcheck,
    gradients,
    hessian,
    hvp,
    nn,
    no_grad,
    trace,
)
from autograd_mini.higher_order import formula_tree
from autograd_mini.ops import OPS, Op
from tests.strategies import EVERY_OP, SMOOTH, Graph, apply, graphs


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def second(f: Callable[[Value], Value], x: float) -> float:
    """f''(x) by applying the derivative transform twice."""
    return derivative(derivative(f))(x).data


# -- every formula of the table is expressible on Values ------------------------------


def test_every_derivative_formula_of_the_table_parses() -> None:
    for op in OPS.values():
        for formula in op.derivatives:
            assert formula_tree(formula) is formula_tree(formula)  # parsed once, then cached


def test_a_formula_calling_something_that_is_not_an_op_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot evaluate"):
        formula_tree("max(x, 0.0)")
    with pytest.raises(ValueError, match="cannot evaluate"):
        formula_tree("x.__class__")


@pytest.mark.parametrize("name", sorted(OPS))
def test_first_order_create_graph_equals_the_float_path_bit_for_bit(name: str) -> None:
    op = OPS[name]
    x = Value(0.7)
    y = Value(1.3)
    out = apply(name, *[x, y][: op.arity])
    graph = gradients(out, [x, y][: op.arity], create_graph=True)
    out.backward()
    assert [g.data for g in graph] == [x.grad, y.grad][: op.arity]


# Graphs over every op of the table; a step's second operand is a node or a number.
any_programs = partial(
    graphs,
    EVERY_OP,
    inputs=st.floats(-3.0, 3.0) | st.sampled_from([0.0, -0.0, math.nan]),
    max_inputs=3,
    max_steps=8,
    numbers=st.floats(-2.0, 2.0),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(any_programs())
def test_create_graph_first_order_equals_backward_on_random_graphs(program: Graph) -> None:
    leaves = [Value(x) for x in program.inputs]
    try:
        nodes = program.nodes(leaves)
    except (ArithmeticError, ValueError):
        return  # outside an op's domain: eager refuses, nothing to compare
    out = nodes[-1]
    graph = gradients(out, leaves, create_graph=True, allow_unused=True)
    out.backward()
    for leaf, g in zip(leaves, graph, strict=True):
        assert g.data == leaf.grad or (math.isnan(g.data) and math.isnan(leaf.grad))


def test_draw_graph_of_a_gradient_draws_the_same_ops() -> None:
    from autograd_mini.viz import draw_graph

    w = Value(-3.0, "w")
    (g,) = gradients((w * 2.0).tanh(), w, create_graph=True)
    source = draw_graph(g, show="forward").source
    assert "tanh" in source and w in _nodes(g)


# -- closed forms ------------------------------------------------------------------------

xs = st.floats(-3.0, 3.0)


@given(xs)
def test_tanh_second_derivative(x: float) -> None:
    t = math.tanh(x)
    assert second(Value.tanh, x) == pytest.approx(-2 * t * (1 - t * t), abs=1e-12)


@given(xs)
def test_sigmoid_and_softplus_second_derivatives(x: float) -> None:
    s = sigmoid(x)
    assert second(Value.sigmoid, x) == pytest.approx(s * (1 - s) * (1 - 2 * s), abs=1e-12)
    assert second(Value.softplus, x) == pytest.approx(s * (1 - s), abs=1e-12)


@given(xs)
def test_expm1_and_log1p_second_derivatives(x: float) -> None:
    assert second(Value.expm1, x) == pytest.approx(math.exp(x))
    assert second(Value.log1p, abs(x)) == pytest.approx(-1 / (1 + abs(x)) ** 2)


@given(st.floats(0.1, 3.0), st.floats(-2.5, 2.5).filter(lambda y: y != 0.0))
def test_power_second_derivatives_in_base_and_exponent(x: float, y: float) -> None:
    def f(a: Value, b: Value) -> Value:
        return a**b

    (dxx, dxy), (dyx, dyy) = ((h.data for h in row) for row in hessian(f, [x, y]))
    assert dxx == pytest.approx(y * (y - 1) * x ** (y - 2), rel=1e-9, abs=1e-12)
    assert dyy == pytest.approx(x**y * math.log(x) ** 2, rel=1e-9, abs=1e-12)
    assert dxy == pytest.approx(x ** (y - 1) * (1 + y * math.log(x)), rel=1e-9, abs=1e-12)
    assert dyx == pytest.approx(dxy, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("x", [0.5, 1.0, 2.0])
def test_power_at_exponent_zero_selects_as_pytorch(x: float) -> None:
    # d/dx x**y at y = 0 is PyTorch's where(y == 0, 0, ...): a constant 0, so its derivative
    # in y is 0 there too (PyTorch's numbers), while d/dx of d/dy x**y = x**y ln x is 1/x.
    (dxx, dxy), (dyx, dyy) = ((h.data for h in row) for row in hessian(lambda a, b: a**b, [x, 0.0]))
    assert (dxx, dxy) == (0.0, 0.0)
    assert dyx == pytest.approx(1.0 / x, rel=1e-15)
    assert dyy == pytest.approx(math.log(x) ** 2, rel=1e-15)


@pytest.mark.parametrize("exponent", [2.0, 3.0, 0.5, -1.0])
def test_power_with_a_number_exponent(exponent: float) -> None:
    x = 0.8
    expected = exponent * (exponent - 1) * x ** (exponent - 2)
    assert second(lambda a: a**exponent, x) == pytest.approx(expected)


def test_power_at_zero_follows_the_tables_limits() -> None:
    assert second(lambda a: a**2, 0.0) == 2.0
    assert second(lambda a: a**3, 0.0) == 0.0
    assert derivative(lambda a: a**0.5)(0.0).data == math.inf  # the table's inf, not an error
    assert second(lambda a: a**1.5, 0.0) == math.inf


@pytest.mark.parametrize(("exponent", "routed"), [(2.0, lambda v: v * v), (0.5, math.sqrt)])
def test_powers_inside_derivatives_are_the_tables_power(
    exponent: float, routed: Callable[[float], float]
) -> None:
    """d/dx x**(e+1) and d2/dx2 x**(e+2) read x**e: ops.power (x * x, sqrt), where CPython's ** misrounds."""
    rng = random.Random(f"higher-order power {exponent}")
    bases = [rng.uniform(1.0, 2.0) * 2.0 ** rng.randint(-30, 30) for _ in range(20_000)]
    misrounded = [x for x in bases if x**exponent != routed(x)]
    assert len(misrounded) > 3  # glibc's pow: about 1 base in 1,300
    for x in misrounded:
        first = derivative(lambda a: a ** (exponent + 1.0))(x).data
        assert first == (exponent + 1.0) * routed(x), x
        assert first == (Value(x) ** (exponent + 1.0)).local_grads[0], x  # backward's own float
        assert second(lambda a: a ** (exponent + 2.0), x) == (exponent + 2.0) * (
            (exponent + 1.0) * routed(x)
        ), x


def test_sin_and_cos_cycle_through_four_derivatives() -> None:
    x = 0.4
    expected = [math.sin(x), math.cos(x), -math.sin(x), -math.cos(x), math.sin(x)]
    f: Callable[..., Value] = Value.sin
    for value in expected:
        assert f(Value(x)).data == pytest.approx(value, abs=1e-15)
        f = derivative(f)
    g: Callable[..., Value] = Value.cos
    for value in [math.cos(x), -math.sin(x), -math.cos(x), math.sin(x), math.cos(x)]:
        assert g(Value(x)).data == pytest.approx(value, abs=1e-15)
        g = derivative(g)


@pytest.mark.parametrize("x", [-1.5, 2.0])
def test_constant_branch_values_have_derivative_zero(x: float) -> None:
    assert second(Value.relu, x) == 0.0
    assert second(abs, x) == 0.0
    assert second(Value.leaky_relu, x) == 0.0
    # With a Value slope, d^2/dx dslope is 1 on the negative side and 0 on the positive.
    h = hessian(lambda a, s: a.leaky_relu(s), [x, 0.1])
    assert h[0][1].data == (1.0 if x < 0 else 0.0)


def test_nan_passes_through_as_in_the_float_path() -> None:
    x = Value(math.nan)
    out = x.relu() * 2.0
    (g,) = gradients(out, x, create_graph=True)
    out.backward()
    assert g.data == x.grad == 2.0  # relu(nan) has slope 1, as in PyTorch


# -- the transforms ---------------------------------------------------------------------


def test_derivative_takes_the_partial_in_argnum() -> None:
    def f(a: Value, b: Value) -> Value:
        return a * a * b

    assert derivative(f)(3.0, 2.0).data == 12.0
    assert derivative(f, argnum=1)(3.0, 2.0).data == 9.0
    assert derivative(derivative(f), argnum=1)(3.0, 2.0).data == 6.0  # d/db (2ab)


def test_derivative_of_a_constant_function_is_zero() -> None:
    assert second(lambda a: a * 3.0, 1.0) == 0.0
    assert derivative(lambda a: Value(5.0))(1.0).data == 0.0


def test_hessian_of_a_tiny_mlp_loss_is_symmetric() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    params = model.parameters()
    loss = Value(0.0)
    for x, target in [([0.5, -1.0], 1.0), ([-0.3, 0.8], -1.0)]:
        loss = loss + (model(x) - target) ** 2
    first = gradients(loss, params, create_graph=True)
    h = [[v.data for v in gradients(g, params, allow_unused=True)] for g in first]
    n = len(params)
    for i in range(n):
        for j in range(i):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-12)
    assert sum(h[i][j] != 0.0 for i in range(n) for j in range(n) if i != j) > n


@given(
    st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3), st.lists(st.floats(-2, 2), min_size=3, max_size=3)
)
def test_hvp_equals_hessian_times_v(point: list[float], v: list[float]) -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        return (a * b).tanh() + b.sin() * c + (c * a).sigmoid()

    h = hessian(f, point)
    product = hvp(f, point, v)
    for i in range(3):
        expected = sum(h[i][j].data * v[j] for j in range(3))
        assert product[i].data == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_hvp_closed_form() -> None:
    def f(a: Value, b: Value) -> Value:
        return a * a * b

    assert [g.data for g in hvp(f, [1.0, 2.0], [1.0, 0.0])] == [4.0, 2.0]


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


# -- the .grad rule ---------------------------------------------------------------------


def test_gradients_touch_no_grad_and_backward_create_graph_writes_floats() -> None:
    x, y = Value(0.5), Value(-1.5)
    out = (x * y).tanh() + x.exp()
    gradients(out, [x, y], create_graph=True)
    assert x.grad == y.grad == out.grad == 0.0
    out.backward(create_graph=True)
    graph_grads = (x.grad, y.grad)
    assert all(type(g) is float for g in graph_grads)
    x.zero_grad()
    y.zero_grad()
    out.backward()
    assert (x.grad, y.grad) == graph_grads
    out.backward(create_graph=True)  # leaves accumulate, as with backward()
    assert x.grad == pytest.approx(2 * graph_grads[0])


def test_gradients_without_create_graph_are_leaves() -> None:
    x = Value(0.3)
    (g,) = gradients(x.sin(), x)
    assert g.is_leaf and g.data == math.cos(0.3)


def test_grad_outputs_weight_each_output() -> None:
    x = Value(2.0)
    (g,) = gradients([x * x, x * 3.0], [x], grad_outputs=[0.5, Value(2.0)])
    assert g.data == 0.5 * 4.0 + 2.0 * 3.0


def test_gradient_graph_is_drawable_and_made_of_table_ops() -> None:
    x, y = Value(0.5, "x"), Value(2.0, "y")
    (g,) = gradients((x * y).tanh(), x, create_graph=True)
    ops = {node.op for node in _nodes(g)}
    assert ops <= {OPS[name].symbol for name in OPS} | {""}
    assert "tanh" in ops and "*" in ops


def _nodes(root: Value) -> list[Value]:
    seen, stack = {root}, [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return list(seen)


# -- bad input: clear errors, nothing half-computed ---------------------------------------


def test_create_graph_under_no_grad_is_refused() -> None:
    x = Value(1.0)
    out = x * x
    with no_grad(), pytest.raises(RuntimeError, match="create_graph=True inside no_grad"):
        gradients(out, x, create_graph=True)
    with no_grad(), pytest.raises(RuntimeError, match="inside no_grad"):
        out.backward(create_graph=True)
    assert x.grad == 0.0


def test_a_graph_built_under_no_grad_is_refused() -> None:
    x = Value(1.0)
    with no_grad():
        out = x * x
    with pytest.raises(ValueError, match=r"inputs\[0\] is not in the graph of outputs .*no_grad"):
        gradients(out, x, create_graph=True)
    with pytest.raises(ValueError, match="has no graph"):
        out.backward(create_graph=True)
    assert x.grad == 0.0 and out.grad == 0.0


def test_inputs_not_in_the_graph() -> None:
    x, other = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"inputs\[1\] is not in the graph.*allow_unused"):
        gradients(x * x, [x, other])
    assert gradients(x * x, [x, other], allow_unused=True)[1].data == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"grad_outputs": [1.0, 2.0]}, ValueError, "grad_outputs has 2 entries but outputs has 1"),
        ({"grad_outputs": ["1"]}, TypeError, r"grad_outputs\[0\] must be a Value or a real number, got str"),
        ({"grad_outputs": [True]}, TypeError, r"grad_outputs\[0\]"),
        ({"inputs": [1.0]}, TypeError, r"inputs\[0\] must be a Value, got float"),
        ({"inputs": []}, TypeError, "inputs must be a Value or a non-empty list"),
        ({"outputs": 3.0}, TypeError, "outputs must be a Value"),
    ],
)
def test_bad_arguments_name_themselves(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    x = Value(1.0)
    args: dict[str, object] = {"outputs": x * x, "inputs": [x], **kwargs}
    with pytest.raises(error, match=message):
        gradients(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [lambda a: 3.0, lambda a: (a, a), lambda a: [a * a]])
def test_a_function_not_returning_one_value(bad: Callable[[Value], object]) -> None:
    with pytest.raises(TypeError, match=r"derivative\(f\): f must return a single Value"):
        derivative(bad)(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hessian: f must return a single Value"):
        hessian(bad, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hvp: f must return a single Value"):
        hvp(bad, [1.0], [1.0])  # type: ignore[arg-type]


def test_transform_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="derivative: f must be callable"):
        derivative(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="argnum must be an int"):
        derivative(Value.sin, argnum=-1)
    with pytest.raises(TypeError, match=r"argnum=1.*1 argument"):
        derivative(Value.sin, argnum=1)(0.5)
    with pytest.raises(TypeError, match="argument 0 must be a real number"):
        derivative(Value.sin)("x")
    with pytest.raises(ValueError, match="hvp: v must be a list with one entry per x"):
        hvp(Value.sin, [1.0], [1.0, 2.0])


def test_backward_create_graph_on_an_error_leaves_every_grad() -> None:
    x = Value(2.0)
    out = x * x
    out.grad = 7.0
    with pytest.raises(TypeError, match="backward grad"):
        out.backward("1", create_graph=True)  # type: ignore[arg-type]
    assert out.grad == 7.0 and x.grad == 0.0


def test_transforms_and_create_graph_name_their_bad_arguments() -> None:
    with pytest.raises(TypeError, match="hessian xs must be a list"):
        hessian(lambda a: a * a, Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hvp xs must be a list"):
        hvp(lambda a: a * a, Value(1.0), [1.0])  # type: ignore[arg-type]
    x = Value(2.0)
    with pytest.raises(TypeError, match="create_graph must be True or False"):
        (x * x).backward(create_graph="yes")  # type: ignore[arg-type]
    assert x.grad == 0.0


# -- second order on random graphs ---------------------------------------------------------


def run_program(program: Graph, leaves: tuple[Value, ...]) -> Value:
    nodes = program.nodes(list(leaves))
    return sum(nodes[len(leaves) :], nodes[-1] * 0.0).tanh()  # bounded, every step reaches it


@settings(max_examples=60, deadline=None)
@given(graphs(SMOOTH, inputs=st.floats(-1.5, 1.5), max_inputs=3, max_steps=8))
def test_random_graphs_second_order_against_central_differences(program: Graph) -> None:
    gradgradcheck(lambda *v: run_program(program, v), program.inputs, atol=1e-5, rtol=1e-4)


def test_gradgradcheck_catches_a_wrong_second_derivative() -> None:
    # tanh's derivative written as 1 - out instead of 1 - out^2: first order by the stored
    # floats stays right, the second order read from the table is wrong and is caught.
    wrong = Op("tanh", "tanh", "tanh(x)", ("1.0 - out",))
    with pytest.raises(GradcheckError, match="gradgradcheck FAILED"):
        gradgradcheck(lambda v: _with_op(v, wrong), [0.4])


def _with_op(v: Value, op: Op) -> Value:
    out = v.tanh()
    out._op_def = op
    return out


# -- compiled mode -------------------------------------------------------------------------


def penalized(a: Value, b: Value) -> Value:
    """A loss with a gradient-norm penalty: L + |dL/da|^2 + |dL/db|^2."""
    loss = (a * b + a.sin()).tanh() + (b * 0.5).sigmoid() + (a * a).log1p()
    ga, gb = gradients(loss, [a, b], create_graph=True)
    return loss + ga * ga + gb * gb


@given(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0))
@settings(max_examples=30, deadline=None)
def test_a_traced_gradient_penalty_equals_eager(x: float, y: float) -> None:
    compiled = trace(penalized, 0.3, -0.5)
    a, b = Value(x), Value(y)
    out = penalized(a, b)
    out.backward()
    assert compiled(x, y) == (out.data, [a.grad, b.grad])


def test_a_traced_branch_of_a_derivative_refuses_the_other_side() -> None:
    def kinked(a: Value) -> Value:
        loss = (a * 2.0).relu()
        (g,) = gradients(loss, a, create_graph=True)
        return loss + g * a

    compiled = trace(kinked, 0.5)
    assert compiled(1.5) == (6.0, [4.0])
    with pytest.raises(ValueError, match=r"branch was chosen when tracing.*trace again"):
        compiled(-1.5)


# -- the demo ----------------------------------------------------------------------------


def test_newton_demo_converges_faster_than_gradient_descent() -> None:
    from autograd_mini.demos import newton

    assert abs(newton.newton(6)[-1] - newton.MINIMUM) < 1e-13
    assert abs(newton.gradient_descent(6)[-1] - newton.MINIMUM) > 1e-2
    assert newton.neuron_gradient().data == pytest.approx(1.0)  # the lecture's w1.grad


def test_leaky_relu_with_a_value_slope_at_zero_takes_the_side_of_its_first_derivative() -> None:
    """At x = 0 the first derivative takes the x <= 0 side (d/dslope = x); so does the second."""
    rows = hessian(lambda a, b: a.leaky_relu(b), [0.0, 0.5])
    assert [[h.data for h in row] for row in rows] == [[0.0, 1.0], [1.0, 0.0]]
