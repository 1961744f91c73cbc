"""Neurons, layers and MLPs on the engine, shaped like PyTorch's ``nn``.

A neuron computes act(w . x + b). Parameters are leaf Values; a module finds them
by walking its attributes (and the lists, tuples and dicts in them), so names read
like ``layers.0.neurons.3.w.1``.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._collector import pauses_collector
from ._files import replace_file
from ._kernels_generated import multiply_add
from ._numbers import saturating_float
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
    if isinstance(value, bool) or value not in choices:
        hint = " (micrograd's True/False is spelled nonlin=...)" if isinstance(value, bool) else ""
        raise ValueError(f"{what} must be one of {', '.join(map(repr, choices))}, got {value!r}{hint}")
    return str(value)


def _resolve_activation(activation: str | None, nonlin: bool | None) -> str:
    """``activation``, or micrograd's ``nonlin`` (True: relu, False: linear); default relu; not both."""
    if nonlin is None:
        return _check_choice("activation", "relu" if activation is None else activation, ACTIVATIONS)
    if not isinstance(nonlin, bool):
        raise TypeError(f"nonlin must be True (relu) or False (linear), got {type(nonlin).__name__}")
    if activation is not None:
        raise ValueError(
            f"pass activation={activation!r} or micrograd's nonlin={nonlin}, not both "
            "(nonlin=True is activation='relu', nonlin=False is activation='linear')"
        )
    return "relu" if nonlin else "linear"


def _check_size(what: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


class Module:
    """Base class: parameters found by walking attributes (Values, Modules, lists, tuples, dicts)."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order, e.g. ('layers.0.neurons.3.w.1', w).

        The walk reads the module's attributes in order, entering Modules, lists, tuples and
        dicts (str keys) at any depth, and lists the leaf Values it finds (a computed Value is
        an output, not a parameter); each Module and Value is visited once, so a module that
        refers to itself, or a Value held twice, is listed once, under the first name reached.
        """
        return _named_parameters(self)

    def parameters(self) -> list[Value]:
        """The trainable leaf Values, in ``named_parameters`` order."""
        return [p for _, p in _named_parameters(self)]

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
        return {name: p.data for name, p in _named_parameters(self)}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``state`` (a tied one by any of its names), or change nothing."""
        values = self._checked_state(state)  # every check runs before the first assignment
        for param, value in values:
            param.assign(value)

    def _checked_state(self, state: object) -> list[tuple[Value, float]]:
        """(parameter, new value) pairs, or ValueError listing every problem in ``state``."""
        if not isinstance(state, Mapping):
            raise ValueError(
                f"state must be a mapping of parameter names to numbers, got {type(state).__name__}"
            )
        named = _named_parameters(self)
        params = dict(named)
        first_name = {id(param): name for name, param in named}
        # Each parameter's entries, under its own name or under another name that reaches the same
        # Value (a tied weight: files from versions that listed it under every name hold both).
        given: dict[str, list[tuple[str, float | None]]] = {name: [] for name in params}
        unexpected = []
        for key in state:
            if isinstance(key, str) and key in params:
                owner: str | None = key
            else:
                target = _resolve(self, key) if isinstance(key, str) else None
                owner = first_name.get(id(target)) if isinstance(target, Value) else None
            if owner is None:
                unexpected.append(str(key))
            else:  # its own name first: that entry's value is the one assigned
                given[owner].insert(
                    0 if owner == key else len(given[owner]), (key, saturating_float(state[key]))
                )
        problems = []
        missing = [name for name, pairs in given.items() if not pairs]
        entries = [pair for pairs in given.values() for pair in pairs]
        non_numeric = [key for key, value in entries if value is None]
        non_finite = [key for key, value in entries if value is not None and not math.isfinite(value)]
        conflicts = [
            f"{name} ({given[name][0][1]!r}) and {key} ({value!r})"
            for name in params
            for key, value in given[name][1:]
            if value is not None and given[name][0][1] is not None and value != given[name][0][1]
        ]
        if missing:
            problems.append(f"missing {len(missing)} parameter(s): {_preview(missing)}")
        if unexpected:
            problems.append(f"unexpected {len(unexpected)} key(s): {_preview(unexpected)}")
        if non_numeric:
            problems.append(f"non-numeric value(s) for {_preview(non_numeric)}")
        if non_finite:
            problems.append(
                f"non-finite value(s) for {_preview(non_finite)} "
                "(NaN, infinities and integers too large for a float are refused)"
            )
        if conflicts:
            problems.append(f"conflicting values for {_preview(conflicts)}, one parameter under two names")
        if problems:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: {'; '.join(problems)}; nothing was changed"
            )
        return [(params[name], value) for name in params if (value := given[name][0][1]) is not None]

    def max_file_bytes(self) -> int:
        """The largest model file ``load`` reads: generous for this model's names and numbers."""
        # Each entry needs its quoted name and a float of at most 24 characters; allow 8 times
        # that (indentation, escapes) plus 64 KiB for the header, and refuse anything bigger unread.
        return 65536 + 8 * sum(len(name) + 32 for name, _ in _named_parameters(self))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write shape and weights as strict JSON, atomically; non-finite weights are refused."""
        state = self.state_dict()
        non_finite = [name for name, value in state.items() if not math.isfinite(value)]
        if non_finite:
            raise ValueError(
                f"{type(self).__name__}.save: non-finite value(s) for {_preview(non_finite)}; "
                f"model files hold finite numbers only; {os.fspath(path)} was not written"
            )
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "module": type(self).__name__,
            "config": self.config(),
            "parameters": state,
        }
        replace_file(path, json.dumps(document, indent=1, allow_nan=False) + "\n")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read weights written by ``save``; any bad file raises ValueError and changes nothing."""
        name = os.fspath(path)
        document = _read_json(name, self.max_file_bytes())
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise ValueError(f"{name}: not an autograd-mini model file (no 'format' marker)")
        version = document.get("version")
        if type(version) is not int or version != _FILE_VERSION:
            raise ValueError(f"{name}: unsupported model file version {version!r}")
        if document.get("module") != type(self).__name__ or document.get("config") != self.config():
            raise ValueError(
                # repr, not str: a hostile file's text (a lone surrogate) must not break printing
                f"{name}: holds a {document.get('module')!r} with {document.get('config')!r}, "
                f"but this is a {type(self).__name__} with {self.config()}; nothing was changed"
            )
        if "parameters" not in document:
            raise ValueError(f"{name}: no 'parameters' key; nothing was changed")
        try:
            values = self._checked_state(document["parameters"])
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        for param, value in values:
            param.assign(value)


def _named_parameters(module: Module) -> list[tuple[str, Value]]:
    """Every leaf Value reachable from ``module``'s attributes, by dotted path; see ``named_parameters``."""
    found: list[tuple[str, Value]] = []
    seen = {id(module)}  # Modules, containers and Values reached: a cycle or a shared one is walked once
    # An explicit stack, so no nesting depth reaches Python's recursion limit: per open container,
    # its path prefix, its (key, item) pairs left to read, whether its keys are a dict's, and why
    # a Value in it could not be named (None if it can).
    stack: list[tuple[str, Iterator[tuple[object, object]], bool, str | None]] = [
        ("", iter(vars(module).items()), False, None)
    ]
    while stack:
        prefix, entries, keyed, unnamed = stack[-1]
        for key, item in entries:
            if not isinstance(item, _SEARCHED) or id(item) in seen:
                continue  # numbers, strings, other objects: never searched
            if isinstance(item, Value) and not item.is_leaf:
                continue  # a computed Value (an output kept for later) is not trained, so not named
            seen.add(id(item))
            path = f"{prefix}{key}"
            reason = unnamed
            if reason is None and keyed and not (isinstance(key, str) and key and "." not in key):
                reason = (
                    f"{prefix[:-1]} has key {key!r} ({type(key).__name__}), which cannot name a "
                    "parameter; a dict holding parameters needs str keys without '.'"
                )
            if isinstance(item, Value):
                if reason is not None:
                    raise TypeError(f"{type(module).__name__}.parameters: {reason}")
                found.append((path, item))
                continue
            if isinstance(item, Module):
                stack.append((f"{path}.", iter(vars(item).items()), False, reason))
            elif isinstance(item, (list, tuple)):
                stack.append((f"{path}.", enumerate(item), False, reason))
            elif isinstance(item, dict):
                stack.append((f"{path}.", iter(item.items()), True, reason))
            else:  # a set: searched only to refuse a parameter in it, which no order could name
                reason = reason or (
                    f"{path} is a {type(item).__name__}: a set has no order, so parameters cannot "
                    "be named in it; hold them in a list, tuple or dict"
                )
                stack.append((f"{path}.", ((None, entry) for entry in item), False, reason))
            break  # read the new container first, then come back to this one
        else:
            stack.pop()
    return found


_SEARCHED = (Value, Module, list, tuple, dict, set, frozenset)


def _resolve(module: Module, name: str) -> object:
    """What the dotted ``name`` reaches from ``module`` along the walk's steps, or None.

    Steps are those of the walk: a Module's attribute, a list's or tuple's index written
    as ``named_parameters`` writes it (``3``, never ``03`` or ``-1``), a dict's str key. Only
    instance attributes and the containers' own items are read: no property or ``__getitem__``
    of the user's runs.
    """
    item: object = module
    for step in name.split("."):
        if isinstance(item, Module):
            attributes = getattr(item, "__dict__", None)
            item = attributes.get(step) if isinstance(attributes, dict) else None
        elif isinstance(item, (list, tuple)):
            canonical = step.isascii() and step.isdigit() and (step == "0" or step[0] != "0")
            if not canonical or len(step) > len(str(len(item))) or int(step) >= len(item):
                return None
            index = int(step)
            item = list.__getitem__(item, index) if isinstance(item, list) else tuple.__getitem__(item, index)
        elif isinstance(item, dict):
            item = dict.get(item, step)
        else:
            return None
    return item


def _check_inputs(module: str, x: object, nin: int) -> None:
    """A list (any sequence) of ``nin`` inputs, or a TypeError/ValueError saying what came instead."""
    try:
        count = len(x)  # type: ignore[arg-type]
    except TypeError:
        count = -1
    if count < 0 or isinstance(x, (str, bytes)):
        hint = "; for one input write [x]" if nin == 1 else ""
        raise TypeError(
            f"{module} expects a list of {nin} input(s) (numbers or Values), got {type(x).__name__}{hint}"
        )
    if count != nin:
        raise ValueError(f"{module} expects {nin} inputs, got {count}")


def _preview(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _read_json(name: str, limit: int) -> object:
    """The JSON document in file ``name``, refusing files over ``limit`` bytes before parsing them."""
    with open(name, "rb") as file:
        data = file.read(limit + 1)  # never more, whatever the file claims to be (a pipe, /dev/zero)
    if len(data) > limit:
        raise ValueError(
            f"{name}: larger than {limit} bytes, far more than this model's file needs; nothing was read"
        )
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text (byte {exc.start}); not a JSON model file") from None
    except RecursionError:
        raise ValueError(f"{name}: nested too deeply; not an autograd-mini model file") from None
    except ValueError as exc:  # JSONDecodeError, duplicate keys, an integer of over 4300 digits
        raise ValueError(f"{name}: not a JSON model file ({exc})") from None


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; a repeated key is ambiguous, so it is refused."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"key {key!r} appears twice")
        seen.add(key)
    return dict(pairs)


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
    """act(w . x + b), with act one of relu, tanh, sigmoid, linear (default relu; or micrograd's nonlin)."""

    def __init__(
        self,
        nin: int,
        activation: str | None = None,
        *,
        nonlin: bool | None = None,
        bias: bool = True,
        init: str = "auto",
        seed: Seed = 0,
    ) -> None:
        self.nin = _check_size("nin", nin)
        self.activation = _resolve_activation(activation, nonlin)
        self.init = _check_choice("init", init, INITS)
        rng = _rng(seed)
        bound = _init_bound(nin, self.activation, init)
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0) if bias else None

    @pauses_collector
    def __call__(self, x: Input) -> Value:
        """act(w0*x0 + b + w1*x1 + ...), summed in that order."""
        return self._forward(x)

    def _forward(self, x: Input) -> Value:
        _check_inputs("Neuron", x, self.nin)
        act = self.w[0] * x[0]
        if self.b is not None:
            act = act + self.b
        act = multiply_add(act, self.w[1:], x[1:])  # act + w1*x1 + w2*x2 + ..., node for node
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
        activation: str | None = None,
        *,
        nonlin: bool | None = None,
        bias: bool = True,
        init: str = "auto",
        seed: Seed = 0,
    ) -> None:
        rng = _rng(seed)
        self.nin = _check_size("nin", nin)
        self.nout = _check_size("nout", nout)
        self.activation = _resolve_activation(activation, nonlin)
        self.neurons = [Neuron(nin, self.activation, bias=bias, init=init, seed=rng) for _ in range(nout)]

    @pauses_collector
    def __call__(self, x: Input) -> list[Value]:
        """[neuron(x) for each neuron]."""
        return self._forward(x)

    def _forward(self, x: Input) -> list[Value]:
        _check_inputs("Layer", x, self.nin)
        # A neuron of another class (a subclass, or a module of yours) is called as it asks.
        return [neuron._forward(x) if type(neuron) is Neuron else neuron(x) for neuron in self.neurons]

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

    @pauses_collector
    def __call__(self, x: Input) -> Any:
        """The layers applied in turn."""
        return self._forward(x)

    def _forward(self, x: Input) -> Any:
        _check_inputs("MLP", x, self.nin)
        out: Input = x
        for layer in self.layers:
            out = layer._forward(out) if type(layer) is Layer else layer(out)
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
