"""Neurons, layers and MLPs on the engine, shaped like PyTorch's ``nn``.

A neuron computes act(w . x + b). Parameters are leaf Values; a module finds them
by walking its attributes, so names read like ``layers.0.neurons.3.w.1``.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .engine import Value, no_grad, zero_grad

__all__ = ["ACTIVATIONS", "Module", "Neuron", "Layer", "MLP"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
INITS = ("auto", "he", "xavier", "uniform")
Input = Sequence[Value | float]
Seed = int | random.Random

_FILE_FORMAT = "autograd-mini module"
_FILE_VERSION = 1


def _rng(seed: Seed) -> random.Random:
    """A private generator: never the global one, so model construction is reproducible."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}")


def _check_choice(what: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)


def _check_size(what: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


class Module:
    """Base class: parameters found by walking attributes (Values, Modules, and lists of them)."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order, e.g. ('layers.0.neurons.3.w.1', w)."""
        return list(self._walk(""))

    def _walk(self, prefix: str) -> Iterator[tuple[str, Value]]:
        for name, attr in vars(self).items():
            items = enumerate(attr) if isinstance(attr, (list, tuple)) else [(None, attr)]
            for index, item in items:
                path = f"{prefix}{name}" if index is None else f"{prefix}{name}.{index}"
                if isinstance(item, Value):
                    yield path, item
                elif isinstance(item, Module):
                    yield from item._walk(path + ".")

    def parameters(self) -> list[Value]:
        """The trainable leaf Values, in ``named_parameters`` order."""
        return [p for _, p in self._walk("")]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (do this before each backward of a training step)."""
        zero_grad(self.parameters())

    def __call__(self, x: Input) -> Any:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module's shape (saved alongside the weights)."""
        return {}

    def state_dict(self) -> dict[str, float]:
        """{parameter name: value}: plain floats, JSON-ready."""
        return {name: p.data for name, p in self._walk("")}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``state``; on any missing, extra or non-numeric entry, change nothing."""
        if not isinstance(state, Mapping):
            raise ValueError(
                f"state must be a mapping of parameter names to numbers, got {type(state).__name__}"
            )
        params = dict(self._walk(""))
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        problems = []
        if missing:
            problems.append(f"missing {len(missing)} parameter(s): {_preview(missing)}")
        if unexpected:
            problems.append(f"unexpected {len(unexpected)} key(s): {_preview(unexpected)}")
        bad = [
            name
            for name, value in state.items()
            if name in params and (isinstance(value, bool) or not isinstance(value, (int, float)))
        ]
        if bad:
            problems.append(f"non-numeric value(s) for {_preview(bad)}")
        if problems:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: {'; '.join(problems)}; nothing was changed"
            )
        for name, param in params.items():
            param.assign(state[name])  # type: ignore[arg-type]  # checked numeric above

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the module's shape and weights as JSON (floats round-trip exactly; never pickle)."""
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "module": type(self).__name__,
            "config": self.config(),
            "parameters": self.state_dict(),
        }
        with open(path, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1)
            file.write("\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read weights written by ``save`` into this module; a file of another shape changes nothing."""
        try:
            with open(path, encoding="utf-8") as file:
                document = json.load(file)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{os.fspath(path)}: not a JSON model file ({exc})") from None
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise ValueError(f"{os.fspath(path)}: not an autograd-mini model file (no 'format' marker)")
        if document.get("version") != _FILE_VERSION:
            raise ValueError(f"{os.fspath(path)}: unsupported model file version {document.get('version')!r}")
        if document.get("module") != type(self).__name__ or document.get("config") != self.config():
            raise ValueError(
                f"{os.fspath(path)}: holds a {document.get('module')} with {document.get('config')}, "
                f"but this is a {type(self).__name__} with {self.config()}; nothing was changed"
            )
        if "parameters" not in document:
            raise ValueError(f"{os.fspath(path)}: no 'parameters' key; nothing was changed")
        self.load_state_dict(document["parameters"])


def _preview(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _activate(act: Value, activation: str) -> Value:
    if activation == "relu":
        return act.relu()
    if activation == "tanh":
        return act.tanh()
    if activation == "sigmoid":
        return act.sigmoid()
    return act


def _init_bound(nin: int, activation: str, init: str) -> float:
    """Half-width of the uniform initial weights: variance 2/nin (He) for relu, 1/nin (Xavier) otherwise."""
    if init == "uniform":
        return 1.0
    if init == "he" or (init == "auto" and activation == "relu"):
        return math.sqrt(6.0 / nin)
    return math.sqrt(3.0 / nin)


class Neuron(Module):
    """act(w . x + b), with act one of relu, tanh, sigmoid, linear."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        bias: bool = True,
        init: str = "auto",
        seed: Seed = 0,
    ) -> None:
        self.nin = _check_size("nin", nin)
        self.activation = _check_choice("activation", activation, ACTIVATIONS)
        self.init = _check_choice("init", init, INITS)
        rng = _rng(seed)
        bound = _init_bound(nin, activation, init)
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0) if bias else None

    def __call__(self, x: Input) -> Value:
        if len(x) != self.nin:
            raise ValueError(f"Neuron expects {self.nin} inputs, got {len(x)}")
        act = self.w[0] * x[0]
        if self.b is not None:
            act = act + self.b
        for wi, xi in zip(self.w[1:], x[1:], strict=True):
            act = act + wi * xi
        return _activate(act, self.activation)

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "bias": self.b is not None}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; the output is always a list."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        bias: bool = True,
        init: str = "auto",
        seed: Seed = 0,
    ) -> None:
        rng = _rng(seed)
        self.nin = _check_size("nin", nin)
        self.nout = _check_size("nout", nout)
        self.activation = _check_choice("activation", activation, ACTIVATIONS)
        self.neurons = [Neuron(nin, activation, bias=bias, init=init, seed=rng) for _ in range(nout)]

    def __call__(self, x: Input) -> list[Value]:
        if len(x) != self.nin:
            raise ValueError(f"Layer expects {self.nin} inputs, got {len(x)}")
        return [neuron(x) for neuron in self.neurons]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "bias": self.neurons[0].b is not None,
        }

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """Layers of sizes ``nouts``; returns one Value when the last layer has one neuron, else a list."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        output_bias: bool = True,
        init: str = "auto",
        seed: Seed = 0,
    ) -> None:
        rng = _rng(seed)
        self.nin = _check_size("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin, *(_check_size("layer size", n) for n in nouts)]
        self.activation = _check_choice("activation", activation, ACTIVATIONS)
        self.output_activation = _check_choice("output_activation", output_activation, ACTIVATIONS)
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation if i < last else output_activation,
                bias=output_bias if i == last else True,
                init=init,
                seed=rng,
            )
            for i in range(len(nouts))
        ]

    @property
    def sizes(self) -> list[int]:
        """[inputs, layer 1 size, ..., output size]."""
        return [self.nin, *(layer.nout for layer in self.layers)]

    def __call__(self, x: Input) -> Any:
        if len(x) != self.nin:
            raise ValueError(f"MLP expects {self.nin} inputs, got {len(x)}")
        out: Input = x
        for layer in self.layers:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def predict(self, x: Input) -> Any:
        """Forward pass under no_grad, for evaluation (no graph is kept)."""
        with no_grad():
            return self(x)

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": self.sizes[1:],
            "activation": self.activation,
            "output_activation": self.output_activation,
            "output_bias": self.layers[-1].neurons[0].b is not None,
        }

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.sizes[1:]}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}; {self.num_parameters()} parameters)"
        )
