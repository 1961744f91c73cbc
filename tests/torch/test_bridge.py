"""to_torch / from_torch / torch_loss: the same model in PyTorch gives the same outputs and gradients.

Every activation (hidden and output) x every init x every loss, and random shapes by
hypothesis: forward outputs, the loss and every parameter's gradient agree to 1e-12 in
float64; the round trip back gives the same weights bit for bit.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, losses, nn
from autograd_mini.nn import ACTIVATIONS, INITS
from autograd_mini.torch_bridge import (
    INSTALL_HINT,
    TORCH_LOSSES,
    from_torch,
    to_torch,
    torch_loss,
    torch_state,
)
from tests.helpers import ROOT

TOLERANCE = 1e-12
LOSSES = [losses.mse, losses.hinge, losses.binary_cross_entropy, losses.cross_entropy]
CLASSES = 3  # outputs of a model trained with cross_entropy


def _data(
    loss: Callable[..., Value], nin: int, samples: int, rng: random.Random
) -> tuple[list[list[float]], list[Any]]:
    X = [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(samples)]
    if loss is losses.mse:
        return X, [rng.uniform(-1.0, 1.0) for _ in range(samples)]
    if loss is losses.hinge:
        return X, [rng.choice((-1.0, 1.0)) for _ in range(samples)]
    if loss is losses.binary_cross_entropy:
        return X, [rng.choice((0.0, 1.0, 0.25)) for _ in range(samples)]
    return X, [rng.randrange(CLASSES) for _ in range(samples)]


def _targets_tensor(targets: list[Any]) -> torch.Tensor:
    if isinstance(targets[0], int):
        return torch.tensor(targets, dtype=torch.int64)
    return torch.tensor(targets, dtype=torch.float64)


def differences(model: nn.MLP, loss: Callable[..., Value], samples: int, seed: int) -> dict[str, float]:
    """Largest |ours - PyTorch's| of the outputs, the loss and the parameter gradients."""
    X, targets = _data(loss, model.nin, samples, random.Random(seed))
    outputs = [model(x) for x in X]
    ours = loss(outputs, targets)
    model.zero_grad()
    ours.backward()
    net = to_torch(model)
    theirs_out = net(torch.tensor(X, dtype=torch.float64))
    theirs = torch_loss(loss)(theirs_out, _targets_tensor(targets))
    theirs.backward()
    flat = [[o.data for o in (out if isinstance(out, list) else [out])] for out in outputs]
    grads = torch_state(net, grad=True)
    return {
        "output": max(
            abs(a - b)
            for row, their_row in zip(flat, theirs_out.tolist(), strict=True)
            for a, b in zip(row, their_row, strict=True)
        ),
        "loss": abs(ours.data - theirs.item()),
        "gradient": max(abs(p.grad - grads[name]) for name, p in model.named_parameters()),
    }


def _model(
    activation: str, output_activation: str, init: str, loss: Callable[..., Value], seed: int
) -> nn.MLP:
    outputs = CLASSES if loss is losses.cross_entropy else 1
    return nn.MLP(3, [5, 4, outputs], activation, output_activation, init=init, seed=seed)


@pytest.mark.parametrize("loss", LOSSES, ids=[f.__name__ for f in LOSSES])
@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_init_and_loss_agrees(
    activation: str, init: str, loss: Callable[..., Value]
) -> None:
    # The output activation cycles through all four as the hidden one does.
    output_activation = ACTIVATIONS[(ACTIVATIONS.index(activation) + INITS.index(init)) % len(ACTIVATIONS)]
    model = _model(activation, output_activation, init, loss, seed=len(activation) + len(init))
    worst = differences(model, loss, samples=6, seed=7)
    assert max(worst.values()) <= TOLERANCE, worst


@pytest.mark.slow
@settings(max_examples=30)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    nin=st.integers(1, 4),
    activation=st.sampled_from(ACTIVATIONS),
    output_activation=st.sampled_from(ACTIVATIONS),
    init=st.sampled_from(INITS),
    output_bias=st.booleans(),
    loss=st.sampled_from(LOSSES),
    seed=st.integers(0, 2**16),
)
def test_random_mlps_agree_and_round_trip(
    sizes: list[int],
    nin: int,
    activation: str,
    output_activation: str,
    init: str,
    output_bias: bool,
    loss: Callable[..., Value],
    seed: int,
) -> None:
    nouts = [*sizes, CLASSES if loss is losses.cross_entropy else 1]
    model = nn.MLP(nin, nouts, activation, output_activation, output_bias=output_bias, init=init, seed=seed)
    worst = differences(model, loss, samples=4, seed=seed)
    assert max(worst.values()) <= TOLERANCE, worst
    back = from_torch(to_torch(model))
    # A one-layer MLP has no hidden layer whose activation the Sequential could show: the default comes back.
    expected = model.config() | ({"activation": "relu"} if len(nouts) == 1 else {})
    assert back.config() == expected
    assert back.state_dict() == model.state_dict()


def test_the_sequential_has_the_models_shape_and_weights() -> None:
    model = nn.MLP(2, [3, 1], "tanh", "sigmoid", seed=4)
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert net[0].weight[2, 1].item() == model.layers[0].neurons[2].w[1].data
    assert net[2].bias[0].item() == model.layers[1].neurons[0].b.data  # type: ignore[union-attr]
    assert torch_state(net) == model.state_dict()


def test_a_linear_output_without_bias_exports_without_a_module() -> None:
    model = nn.MLP(2, [3, 2], "relu", "linear", output_bias=False)
    net = to_torch(model)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear"]
    assert net[2].bias is None
    assert from_torch(net).config() == model.config()


def test_from_torch_into_a_model_copies_the_weights() -> None:
    model = nn.MLP(2, [3, 1], "tanh", seed=1)
    net = to_torch(nn.MLP(2, [3, 1], "tanh", seed=2))
    assert from_torch(net, into=model) is model
    assert model.state_dict() == torch_state(net)


def test_from_torch_reads_a_hand_written_sequential() -> None:
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 4, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 1, dtype=torch.float64),
        torch.nn.Identity(),
    )
    model = from_torch(net)
    assert model.config() == {
        "nin": 2,
        "nouts": [4, 1],
        "activation": "relu",
        "output_activation": "linear",
        "output_bias": True,
    }
    x = [0.3, -1.2]
    assert model(x).data == pytest.approx(net(torch.tensor(x, dtype=torch.float64)).item(), abs=TOLERANCE)


# -- bad input ---------------------------------------------------------------------------------


class MyLayer(nn.Layer):
    pass


def test_a_module_of_your_own_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="got Neuron; a module of your own"):
        to_torch(nn.Neuron(2))  # type: ignore[arg-type]
    model = nn.MLP(2, [2, 1])
    model.layers[1] = MyLayer(2, 1)
    with pytest.raises(TypeError, match=r"model\.layers\[1\] is a MyLayer, not nn\.Layer"):
        to_torch(model)


def test_a_neuron_changed_by_hand_is_refused_by_its_place() -> None:
    model = nn.MLP(2, [2, 1])
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match=r"model\.layers\[0\]\.neurons\[1\]"):
        to_torch(model)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([torch.nn.Linear(2, 2), torch.nn.Dropout()], r"module\[1\] is a Dropout"),
        ([torch.nn.ReLU(), torch.nn.Linear(2, 2)], r"module\[0\] is an activation with no Linear before it"),
        ([torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Tanh()], r"module\[2\] is an activation"),
        ([torch.nn.Conv1d(1, 1, 1)], r"module\[0\] is a Conv1d"),
        ([], "no Linear layer"),
        (
            [
                torch.nn.Linear(2, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 1),
            ],
            "different activations",
        ),
        ([torch.nn.Linear(2, 3, bias=False), torch.nn.ReLU(), torch.nn.Linear(3, 1)], "layer 0 has no bias"),
        ([torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], "layer 0 gives 3 outputs but layer 1 reads 4"),
    ],
)
def test_unsupported_sequentials_are_refused_naming_the_part(
    parts: list[torch.nn.Module], message: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        from_torch(torch.nn.Sequential(*parts))


def test_only_a_sequential_is_read() -> None:
    with pytest.raises(TypeError, match="got Linear"):
        from_torch(torch.nn.Linear(2, 1))


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (nn.MLP(2, [4, 1], "tanh"), r"sizes \[2, 3, 1\] in the model, \[2, 4, 1\] in the Sequential"),
        (nn.MLP(3, [3, 1], "tanh"), r"sizes \[2, 3, 1\] in the model, \[3, 3, 1\] in the Sequential"),
        (nn.MLP(2, [3, 1], "relu"), "activation 'tanh' in the model, 'relu' in the Sequential"),
        (nn.MLP(2, [3, 1], "tanh", "sigmoid"), "output_activation 'linear' in the model, 'sigmoid'"),
        (nn.MLP(2, [3, 1], "tanh", output_bias=False), "output_bias True in the model, False"),
    ],
)
def test_a_shape_mismatch_names_both_shapes_and_changes_nothing(other: nn.MLP, message: str) -> None:
    model = nn.MLP(2, [3, 1], "tanh", seed=3)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message + ".*nothing was changed"):
        from_torch(to_torch(other), into=model)
    assert model.state_dict() == before


def test_a_non_finite_weight_changes_nothing() -> None:
    model = nn.MLP(2, [3, 1], seed=3)
    before = model.state_dict()
    net = to_torch(nn.MLP(2, [3, 1], seed=5))
    with torch.no_grad():
        net[2].weight[0, 2] = float("nan")
    with pytest.raises(ValueError, match=r"non-finite value\(s\) for layers\.1\.neurons\.0\.w\.2"):
        from_torch(net, into=model)
    assert model.state_dict() == before


def test_torch_loss_refuses_a_function_it_does_not_know() -> None:
    with pytest.raises(
        ValueError, match=r"torch_loss: .*<lambda> has no known PyTorch form; known: losses\.mse"
    ):
        torch_loss(lambda p, t: p)


def test_every_loss_of_the_module_has_a_torch_form() -> None:
    assert set(TORCH_LOSSES) == {getattr(losses, name) for name in losses.__all__}


def test_predictions_of_another_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"predictions of shape \(3, 2\) for targets of shape \(3,\)"):
        torch_loss(losses.mse)(torch.zeros(3, 2), torch.zeros(3))


def test_log_sum_exp_and_l2_agree() -> None:
    logits = [0.3, -2.0, 5.0]
    assert torch_loss(losses.log_sum_exp)(torch.tensor(logits)).item() == pytest.approx(
        losses.log_sum_exp(logits).data, abs=1e-6
    )
    model = nn.MLP(2, [2, 1], seed=1)
    ours = losses.l2(model.parameters())
    ours.backward()
    net = to_torch(model)
    theirs = torch_loss(losses.l2)(net.parameters())
    theirs.backward()
    assert abs(ours.data - theirs.item()) <= TOLERANCE
    grads = torch_state(net, grad=True)
    assert max(abs(p.grad - grads[n]) for n, p in model.named_parameters()) <= TOLERANCE


def test_torch_state_of_grads_needs_a_backward() -> None:
    with pytest.raises(ValueError, match=r"Linear layer 0 has no \.grad \(run backward first\)"):
        torch_state(to_torch(nn.MLP(2, [1])), grad=True)


@pytest.mark.slow  # a fresh interpreter
def test_without_torch_the_error_says_how_to_install_it() -> None:
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "import autograd_mini, autograd_mini.torch_bridge as b\n"
        "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "try:\n"
        "    b.to_torch(autograd_mini.nn.MLP(2, [1]))\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == f"autograd_mini's PyTorch bridge needs PyTorch: {INSTALL_HINT}"
    assert INSTALL_HINT == "pip install 'autograd-mini[torch]'"


@pytest.mark.slow  # a fresh interpreter
def test_importing_the_package_never_imports_torch() -> None:
    script = (
        "import sys, autograd_mini, autograd_mini.torch_bridge, autograd_mini.torch_code\n"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"


def test_errors_name_the_function_that_was_called() -> None:
    net = to_torch(nn.MLP(2, [1]))
    with pytest.raises(TypeError, match=r"from_torch takes an nn\.MLP .*got Layer"):
        from_torch(net, into=nn.Layer(2, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"torch_state reads a torch\.nn\.Sequential .*got Linear"):
        torch_state(net[0])


def test_torch_bce_refuses_labels_the_loss_refuses() -> None:
    import torch

    from autograd_mini.torch_bridge import torch_loss

    logits = torch.tensor([0.3, -0.2], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 1\], got -1.0"):
        torch_loss(losses.binary_cross_entropy)(logits, torch.tensor([-1.0, 1.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="labels must be"):
        losses.binary_cross_entropy([Value(0.3), Value(-0.2)], [-1.0, 1.0])
