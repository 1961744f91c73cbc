"""The step to PyTorch: an ``nn.MLP`` as a ``torch.nn.Sequential`` (and back), and the losses' torch forms.

``to_torch(model)`` copies the weights into float64 ``Linear`` layers, each followed by its
activation module, so the same input gives the same output and, for the same loss, the
same parameter gradients (up to rounding: PyTorch sums a weighted sum in another order).
``from_torch`` reads such a ``Sequential`` back into an ``MLP``, or into an existing one
after checking every shape. ``torch_loss`` gives each loss of ``losses`` as a PyTorch
callable taking tensors where ours takes lists.

PyTorch is imported when a function needs it, so ``import autograd_mini`` never does;
without it the call raises ImportError naming ``pip install 'autograd-mini[torch]'``.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import losses
from .nn import ACTIVATIONS, MLP, Layer, Neuron

if TYPE_CHECKING:
    from torch.nn import Module, Sequential

__all__ = [
    "ACTIVATION_MODULES",
    "INSTALL_HINT",
    "TORCH_LOSSES",
    "from_torch",
    "require_torch",
    "to_torch",
    "torch_loss",
    "torch_state",
]

INSTALL_HINT = "pip install 'autograd-mini[torch]'"

# Each activation of nn.ACTIVATIONS as the name of its torch.nn module ("linear": no module).
ACTIVATION_MODULES: dict[str, str | None] = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "linear": None,
}


def require_torch() -> Any:
    """The ``torch`` module, or an ImportError saying how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(f"autograd_mini's PyTorch bridge needs PyTorch: {INSTALL_HINT}") from exc


# -- to PyTorch ------------------------------------------------------------------------------


def _check_exportable(model: object, caller: str = "to_torch") -> list[Layer]:
    """The model's layers, after refusing anything that is not nn.MLP's own Layer and Neuron."""
    if type(model) is not MLP:
        raise TypeError(
            f"{caller} takes an nn.MLP (its Layers of Neurons), got {type(model).__name__}; "
            "a module of your own has no known PyTorch form"
        )
    for i, layer in enumerate(model.layers):
        if type(layer) is not Layer:
            raise TypeError(f"{caller}: model.layers[{i}] is a {type(layer).__name__}, not nn.Layer")
        if layer.activation not in ACTIVATION_MODULES:
            raise ValueError(f"{caller}: model.layers[{i}] has activation {layer.activation!r}, unknown here")
        biased = layer.neurons[0].b is not None
        for j, neuron in enumerate(layer.neurons):
            where = f"model.layers[{i}].neurons[{j}]"
            if type(neuron) is not Neuron:
                raise TypeError(f"{caller}: {where} is a {type(neuron).__name__}, not nn.Neuron")
            if neuron.activation != layer.activation or len(neuron.w) != layer.nin:
                raise ValueError(
                    f"{caller}: {where} ({neuron!r}) does not match its {layer!r}; "
                    "a Linear layer needs one activation and one input size"
                )
            if (neuron.b is not None) != biased:
                raise ValueError(f"{caller}: {where} has a bias where neurons[0] has none, or the reverse")
    return list(model.layers)


def to_torch(model: MLP) -> Sequential:
    """An equivalent float64 ``torch.nn.Sequential``: Linear(nin, nout) then the activation, per layer.

    Row j of a Linear's weight is neuron j's w, its bias the neurons' b. A one-output MLP
    returns a Value per sample; the Sequential returns shape (N, 1) for N samples.
    """
    layers = _check_exportable(model)
    torch = require_torch()
    modules: list[Any] = []
    with torch.no_grad():
        for layer in layers:
            biased = layer.neurons[0].b is not None
            linear = torch.nn.Linear(layer.nin, layer.nout, bias=biased, dtype=torch.float64)
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            if linear.bias is not None:
                linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))  # type: ignore[union-attr]
            modules.append(linear)
            module_name = ACTIVATION_MODULES[layer.activation]
            if module_name is not None:
                modules.append(getattr(torch.nn, module_name)())
    sequential: Sequential = torch.nn.Sequential(*modules)
    return sequential


# -- back from PyTorch -----------------------------------------------------------------------


def _read_sequential(module: object, caller: str = "from_torch") -> list[tuple[Any, str]]:
    """(Linear, activation name) per layer of a Sequential shaped as ``to_torch`` writes it."""
    torch = require_torch()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            f"{caller} reads a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(module).__name__}"
        )
    names = {name: activation for activation, name in ACTIVATION_MODULES.items() if name is not None}
    layers: list[tuple[Any, str]] = []
    for index, part in enumerate(module):
        kind = type(part).__name__
        if type(part) is torch.nn.Linear:
            layers.append((part, "linear"))
        elif type(part) is torch.nn.Identity:
            continue
        elif (
            type(part) in (getattr(torch.nn, name) for name in names) and layers and layers[-1][1] == "linear"
        ):
            layers[-1] = (layers[-1][0], names[kind])
        else:
            known = ", ".join(["Linear", "Identity", *names])
            where = "an activation with no Linear before it" if kind in names else f"a {kind}"
            raise TypeError(
                f"{caller}: module[{index}] is {where}; supported: {known}, each activation after a Linear"
            )
    if not layers:
        raise ValueError(f"{caller}: the Sequential has no Linear layer")
    return layers


def _mlp_config(layers: list[tuple[Any, str]]) -> dict[str, Any]:
    """nn.MLP's constructor arguments for these layers, or ValueError naming what an MLP cannot hold."""
    hidden = {activation for _, activation in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(
            f"from_torch: hidden layers with different activations ({', '.join(sorted(hidden))}); "
            "an nn.MLP has one activation for all hidden layers"
        )
    for index, (linear, _) in enumerate(layers[:-1]):
        if linear.bias is None:
            raise ValueError(
                f"from_torch: Linear layer {index} has no bias; an nn.MLP drops only the output bias"
            )
    for index, ((before, _), (after, _)) in enumerate(itertools.pairwise(layers)):
        if before.out_features != after.in_features:
            raise ValueError(
                f"from_torch: Linear layer {index} gives {before.out_features} outputs but layer "
                f"{index + 1} reads {after.in_features}"
            )
    return {
        "nin": layers[0][0].in_features,
        "nouts": [linear.out_features for linear, _ in layers],
        "activation": hidden.pop() if hidden else "relu",
        "output_activation": layers[-1][1],
        "output_bias": layers[-1][0].bias is not None,
    }


def _shape_problems(model: MLP, layers: list[tuple[Any, str]], config: dict[str, Any]) -> list[str]:
    """What differs between the model and the Sequential, both shapes named; empty when they match."""
    ours = model.config()
    problems = []
    if ours["nin"] != config["nin"] or ours["nouts"] != config["nouts"]:
        problems.append(
            f"sizes {model.sizes} in the model, {[config['nin'], *config['nouts']]} in the Sequential"
        )
    for key in ("activation", "output_activation", "output_bias"):
        if (len(layers) > 1 or key != "activation") and ours[key] != config[key]:
            problems.append(f"{key} {ours[key]!r} in the model, {config[key]!r} in the Sequential")
    return problems


def from_torch(module: Module, into: MLP | None = None) -> MLP:
    """An ``nn.MLP`` with the Sequential's weights; with ``into``, that model's weights are replaced.

    Every shape is checked before any weight is copied: on a mismatch ``into`` is left
    unchanged and the error names both shapes.
    """
    layers = _read_sequential(module)
    config = _mlp_config(layers)
    if into is None:
        model = MLP(**config)
    else:
        _check_exportable(into, "from_torch")
        problems = _shape_problems(into, layers, config)
        if problems:
            raise ValueError(
                f"from_torch: the Sequential does not fit the model: {'; '.join(problems)}; "
                "nothing was changed"
            )
        model = into
    state = _state_of(layers, "data")
    model.load_state_dict(state)  # validates every value (finite floats) before assigning any
    return model


# -- reading a Sequential by our parameter names ----------------------------------------------


def _state_of(layers: list[tuple[Any, str]], field: str) -> dict[str, float]:
    state: dict[str, float] = {}
    for i, (linear, _) in enumerate(layers):
        weight = getattr(linear.weight, field)
        bias = None if linear.bias is None else getattr(linear.bias, field)
        if weight is None:
            raise ValueError(f"torch_state: Linear layer {i} has no .{field} (run backward first)")
        for j, row in enumerate(weight.tolist()):
            for k, value in enumerate(row):
                state[f"layers.{i}.neurons.{j}.w.{k}"] = float(value)
            if bias is not None:
                state[f"layers.{i}.neurons.{j}.b"] = float(bias[j])
    return state


def torch_state(module: Module, *, grad: bool = False) -> dict[str, float]:
    """Every weight (or, with ``grad``, its gradient) of a ``to_torch`` Sequential under nn.MLP's names.

    The names are ``model.state_dict()``'s (``layers.0.neurons.3.w.1``), so the two compare key by key.
    """
    return _state_of(_read_sequential(module, "torch_state"), "grad" if grad else "data")


# -- losses ----------------------------------------------------------------------------------


def _flat_predictions(preds: Any, targets: Any) -> Any:
    """A one-output network's (N, 1) predictions as (N,), the shape of their targets."""
    if preds.dim() == 2 and preds.shape[1] == 1 and targets.dim() == 1:
        return preds[:, 0]
    if preds.shape != targets.shape:
        raise ValueError(
            f"predictions of shape {tuple(preds.shape)} for targets of shape {tuple(targets.shape)}"
        )
    return preds


def _mse(preds: Any, targets: Any) -> Any:
    torch = require_torch()
    return torch.nn.functional.mse_loss(_flat_predictions(preds, targets), targets)


def _hinge(scores: Any, labels: Any) -> Any:
    torch = require_torch()
    return torch.relu(1.0 - _flat_predictions(scores, labels) * labels).mean()


def _binary_cross_entropy(logits: Any, labels: Any) -> Any:
    torch = require_torch()
    outside = labels[(labels < 0.0) | (labels > 1.0) | torch.isnan(labels)]
    if outside.numel():  # PyTorch would compute a number; losses.binary_cross_entropy refuses
        label = float(outside.flatten()[0])
        raise ValueError(
            f"binary_cross_entropy: labels must be in [0, 1], got {label!r}; for -1/+1 labels use hinge"
        )
    return torch.nn.functional.binary_cross_entropy_with_logits(_flat_predictions(logits, labels), labels)


def _cross_entropy(logits: Any, targets: Any) -> Any:
    torch = require_torch()
    return torch.nn.functional.cross_entropy(logits, targets)


def _log_sum_exp(logits: Any) -> Any:
    torch = require_torch()
    return torch.logsumexp(logits, dim=-1)


def _l2(params: Any) -> Any:
    return sum((p * p).sum() for p in params)


# Each loss of ``losses`` and its PyTorch form, taking tensors where ours takes lists.
TORCH_LOSSES: dict[Callable[..., Any], Callable[..., Any]] = {
    losses.mse: _mse,
    losses.hinge: _hinge,
    losses.binary_cross_entropy: _binary_cross_entropy,
    losses.cross_entropy: _cross_entropy,
    losses.log_sum_exp: _log_sum_exp,
    losses.l2: _l2,
}


def torch_loss(loss: Callable[..., Any]) -> Callable[..., Any]:
    """The PyTorch form of a loss of ``losses``: same arguments as tensors, the same mean.

    mse, hinge and binary_cross_entropy take predictions (N,) or a one-output network's
    (N, 1) and float targets (N,); cross_entropy takes logits (N, C) and int64 class indices
    (N,); log_sum_exp logits (..., C); l2 an iterable of tensors (``net.parameters()``).
    """
    found = TORCH_LOSSES.get(loss)
    if found is None:
        name = getattr(loss, "__qualname__", type(loss).__name__)
        known = ", ".join(f"losses.{f.__name__}" for f in TORCH_LOSSES)
        raise ValueError(f"torch_loss: {name} has no known PyTorch form; known: {known}")
    return found


assert set(ACTIVATION_MODULES) == set(ACTIVATIONS), "every activation of nn needs its torch module"
