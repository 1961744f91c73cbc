"""torch_code: the generated PyTorch source runs and gives the graph's value and gradients.

The generated text is run here, in a fresh namespace per test (tests only: the library never
runs it). Cases: every op of the table, the lecture's neuron, a graph with no layer, the
moons training step (traced), an eager MLP on constant inputs, a recurrence (the same W
applied to its own output), random graphs.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
import torch
from hypothesis import assume, given, settings

from autograd_mini import Value, datasets, losses, nn, trace
from autograd_mini.graph import forward_order
from autograd_mini.ops import OPS
from autograd_mini.torch_bridge import torch_state
from autograd_mini.torch_code import TORCH_OPS, UNSUPPORTED_OPS, TorchCode, torch_code
from tests.helpers import ROOT
from tests.strategies import apply, graphs

TOLERANCE = 1e-12


def run(code: TorchCode, values: list[float] | None = None) -> tuple[float, list[float]]:
    """The generated compute's value and the gradients, in the graph's order."""
    namespace: dict[str, Any] = {}
    exec(compile(code.source, "<generated>", "exec"), namespace)  # our own generated code, in a test
    arguments = code.arguments(values)
    out = namespace["compute"](**arguments)
    out.backward()
    return out.item(), code.gradients(arguments)


def leaf_gradients(root: Value) -> list[float]:
    root.backward()
    return [v.grad for v in forward_order(root) if v.is_leaf]


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def assert_matches(
    code: TorchCode, value: float, grads: list[float], values: list[float] | None = None
) -> None:
    theirs, their_grads = run(code, values)
    assert close(value, theirs), (value, theirs)
    assert len(grads) == len(their_grads)
    worst = max((abs(a - b) for a, b in zip(grads, their_grads, strict=True)), default=0.0)
    assert all(close(a, b) for a, b in zip(grads, their_grads, strict=True)), worst


def test_every_op_has_a_torch_form_or_a_reason() -> None:
    assert set(TORCH_OPS) | set(UNSUPPORTED_OPS) == set(OPS)
    assert not set(TORCH_OPS) & set(UNSUPPORTED_OPS)


# Operands where each op is defined and smooth (pow's Value exponent needs a positive base).
_POINTS = {"log": 1.7, "sqrt": 0.8, "log1p": -0.4, "pow": 1.3}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("second", ["value", "number"])
def test_each_op_matches_with_a_value_or_a_number_operand(name: str, second: str) -> None:
    for x in (_POINTS.get(name, -0.7), 2.5):
        a = Value(x, label="a")
        if OPS[name].arity == 1:
            root = apply(name, a)
        else:
            b = Value(0.3, label="b") if second == "value" else 0.3
            root = apply(name, a, b)
        root = root * 1.5  # the op is not the root: its result is read by name
        assert_matches(torch_code(root), root.data, leaf_gradients(root))


def test_the_lectures_neuron_is_a_layer_of_one() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    code = torch_code(o)
    assert "h0 = torch.tanh(torch.stack([x1, x2]) @ W0.T + b0)" in code.source
    assert [(t.name, t.shape) for t in code.tensors] == [("W0", (1, 2)), ("b0", (1,)), ("x1", ()), ("x2", ())]
    assert_matches(code, o.data, leaf_gradients(o))


def test_a_graph_with_no_layer_is_scalar_code() -> None:
    a, c = Value(1.5, label="a"), Value(-0.5)
    root = ((a * c).exp() + c.sin() ** 2.0) / (a.abs() + 1.0)
    code = torch_code(root)
    assert "@" not in code.source and ".sum()" not in code.source
    assert "v0 = a * leaf1" in code.source
    assert_matches(code, root.data, leaf_gradients(root))


def _moons_step(samples: int) -> tuple[Any, nn.MLP, list[list[float]], list[float]]:
    X, y = datasets.make_moons(samples, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def loss_fn(X: list[list[Value]], y: list[Value]) -> Value:
        return losses.hinge([model(x) for x in X], y) + 1e-4 * losses.l2(params)

    return trace(loss_fn, X, y, params=params), model, X, y


@pytest.mark.slow
def test_the_moons_step_becomes_three_matrix_products_and_sums() -> None:
    step, model, X, y = _moons_step(100)
    code = torch_code(step)
    for line in (
        "h0 = torch.relu(arg0 @ W0.T + b0)",
        "h1 = torch.relu(h0 @ W1.T + b1)",
        "h2 = h1 @ W2.T + b2",
        "torch.relu(1.0 - h2[:, 0] * arg1).sum()",
        "(W0 * W0).sum()",
    ):
        assert line in code.source
    assert len(code.source.splitlines()) < 40
    value, grads = step(X, y)
    inputs = [p.data for p in model.parameters()] + [v for row in X for v in row] + list(y)
    assert_matches(code, value, grads, inputs)


def test_an_eager_mlp_on_numbers_reads_them_as_a_constant_matrix() -> None:
    model = nn.MLP(3, [4, 2], "tanh", "sigmoid", seed=2)
    rng = random.Random(1)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(5)]
    loss = losses.cross_entropy([model(x) for x in X], [0, 1, 1, 0, 1])
    code = torch_code(loss)
    assert "h0 = torch.tanh(C0 @ W0.T + b0)" in code.source
    assert "C0 = torch.tensor([[" in code.source
    assert "torch.sigmoid(h0 @ W1.T + b1)" in code.source
    assert_matches(code, loss.data, leaf_gradients(loss))


def test_a_recurrence_applies_one_matrix_step_by_step() -> None:
    cell = nn.Layer(3, 3, "tanh", seed=4)
    h: list[Value | float] = [0.5, -0.2, 0.1]
    for _ in range(3):
        h = list(cell(h))
    root = h[0] + h[1] * h[2]
    code = torch_code(root)
    assert code.source.count("@ W0.T + b0") == 3  # each step needs the one before: not stacked
    assert_matches(code, root.data, leaf_gradients(root))


def test_a_trace_without_params_differentiates_its_arguments() -> None:
    compiled = trace(lambda xs, w: (xs[0] * w + xs[1]).tanh() * xs[2], [2.0, -3.0, 0.5], 6.88)
    code = torch_code(compiled)
    value, grads = compiled([2.0, -3.0, 0.5], 6.88)
    assert_matches(code, value, grads, [2.0, -3.0, 0.5, 6.88])
    assert [t.name for t in code.tensors] == ["arg0", "arg1"]


def test_labels_become_names_only_when_they_are_plain_identifiers() -> None:
    a = Value(0.5, label="__import__('os').system('x')")
    b = Value(1.5, label="class")
    c = Value(2.0, label="W0")
    root = a * b + c.exp()
    root.label = "total"
    code = torch_code(root)
    assert "import__" not in code.source and "class" not in code.source
    assert code.source.count("W0") == 0
    assert "total = " in code.source
    assert_matches(code, root.data, leaf_gradients(root))


def test_constants_that_are_not_finite_are_written_with_math() -> None:
    a = Value(0.5, label="a")
    root = (a + math.inf).exp() * 0.0 + a
    code = torch_code(root)
    assert "math.inf" in code.source and "import math" in code.source
    theirs, _ = run(code)
    assert math.isnan(theirs) and math.isnan(root.data)


def test_an_op_without_a_torch_form_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(TORCH_OPS, "sin")
    with pytest.raises(ValueError, match=r"torch_code: op 'sin' has no PyTorch form .* add it to TORCH_OPS"):
        torch_code(Value(0.3).sin() + 1.0)


def test_anything_else_is_refused() -> None:
    with pytest.raises(TypeError, match="got MLP"):
        torch_code(nn.MLP(2, [1]))  # type: ignore[arg-type]


def test_a_compiled_functions_gradients_need_its_inputs() -> None:
    step, _, _, _ = _moons_step(4)
    with pytest.raises(ValueError, match="pass the inputs' values"):
        torch_code(step).arguments()


@pytest.mark.slow
@settings(max_examples=60)
@given(graphs())
def test_random_graphs_match(graph: Any) -> None:
    leaves = [Value(v) for v in graph.inputs]
    root = graph.build(*leaves)
    assume(math.isfinite(root.data))
    grads = leaf_gradients(root)
    assume(all(math.isfinite(g) for g in grads))
    assert_matches(torch_code(root), root.data, grads)


def test_a_traced_calls_arguments_can_be_named() -> None:
    step, model, X, y = _moons_step(4)
    code = torch_code(step, names=["X", "y"])
    assert "h0 = torch.relu(X @ W0.T + b0)" in code.source
    assert "torch.relu(1.0 - h2[:, 0] * y).sum()" in code.source
    assert "X: 4x2, argument 0 of the traced call" in code.source
    value, grads = step(X, y)
    inputs = [p.data for p in model.parameters()] + [v for row in X for v in row] + list(y)
    assert_matches(code, value, grads, inputs)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["X"], "1 names for the traced call's 2 arguments"),
        (["X", "X"], "argument names repeat"),
        (["X", "W0"], "argument name 'W0' must be a Python identifier"),
        (["X", "a b"], "argument name 'a b'"),
        (["X", "torch"], "argument name 'torch'"),
        ("Xy", "names must be a list of str"),
    ],
)
def test_bad_argument_names_are_refused(names: Any, message: str) -> None:
    compiled = trace(lambda xs, y: (xs[0] * xs[1]).tanh() * y, [0.5, 2.0], 3.0)
    with pytest.raises((TypeError, ValueError), match=message):
        torch_code(compiled, names=names)


def test_names_are_only_for_traced_functions() -> None:
    with pytest.raises(TypeError, match="names are for a traced function's arguments"):
        torch_code(Value(1.0).exp(), names=["x"])


def test_numbers_that_differ_per_term_become_a_constant_tensor() -> None:
    X, y = datasets.make_moons(6, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    loss = losses.hinge([model(x) for x in X], y)
    code = torch_code(loss)
    assert "C1 = torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0, -1.0], dtype=torch.float64)" in code.source
    assert "torch.relu(1.0 - h1[:, 0] * C1).sum()" in code.source
    assert "h0 = torch.relu(C0 @ W0.T + b0)" in code.source
    assert_matches(code, loss.data, leaf_gradients(loss))


@pytest.mark.slow
def test_the_readme_example_runs_and_shows_the_code_it_prints(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From scalars to tensors", 1)[1]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    X, Y = datasets.make_moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    compiled = trace(lambda X, Y: losses.hinge([model(p) for p in X], Y), X, Y, params=model.parameters())
    namespace = {"torch": torch, "losses": losses, "model": model, "X": X, "Y": Y, "compiled": compiled}
    exec(compile(block, "README.md", "exec"), namespace)  # the README's own example, in a test
    printed = capsys.readouterr().out
    shown = [line.lstrip("#").strip() for line in block.splitlines() if line.startswith("#   ")]
    assert len(shown) == 4
    assert all(line in printed for line in shown)
    grads = torch_state(namespace["net"], grad=True)
    loss = losses.hinge([model(p) for p in X], Y)
    model.zero_grad()
    loss.backward()
    assert max(abs(p.grad - grads[name]) for name, p in model.named_parameters()) <= TOLERANCE


def test_an_op_with_a_number_beside_the_sum_is_the_layers_activation() -> None:
    layer = nn.Layer(3, 4, "linear", seed=6)
    xs = [Value(0.3, label="p"), Value(-1.1, label="q"), Value(0.8, label="r")]
    outputs = [o.leaky_relu(0.2) for o in layer(xs)]
    root = outputs[0] * outputs[1] + outputs[2] - outputs[3]
    code = torch_code(root)
    assert (
        "z0 = torch.stack([p, q, r]) @ W0.T + b0\n    h0 = torch.where(z0 > 0, z0, 0.2 * z0)" in code.source
    )
    assert [(t.name, t.shape) for t in code.tensors][:2] == [("W0", (4, 3)), ("b0", (4,))]
    assert_matches(code, root.data, leaf_gradients(root))


def test_a_value_fn_reads_directly_is_a_number_in_the_code() -> None:
    w = Value(2.5)
    compiled = trace(lambda x: (x * w).tanh() + x, 0.4)
    code = torch_code(compiled)
    assert "2.5" in code.source and [t.name for t in code.tensors] == ["arg0"]
    value, grads = compiled(0.4)
    assert_matches(code, value, grads, [0.4])


def test_a_parameter_the_root_never_reads_gets_gradient_zero() -> None:
    w, unused = Value(0.5), Value(3.0)
    compiled = trace(lambda x: (x * w).exp(), 1.5, params=[w, unused])
    code = torch_code(compiled)
    value, grads = compiled(1.5)
    assert grads[1] == 0.0
    assert_matches(code, value, grads, [0.5, 3.0, 1.5])


def test_too_few_values_are_refused_with_both_counts() -> None:
    compiled = trace(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(ValueError, match="1 values for 2 inputs"):
        torch_code(compiled).arguments([1.0])


def test_a_label_never_takes_an_arguments_name() -> None:
    def f(X: list[Value]) -> Value:
        total = X[0] * X[1]
        total.label = "X"
        return total.tanh()

    compiled = trace(f, [0.5, 2.0])
    code = torch_code(compiled, names=["X"])
    assert "X = " not in code.source
    value, grads = compiled([0.5, 2.0])
    assert_matches(code, value, grads, [0.5, 2.0])
