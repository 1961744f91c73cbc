"""Optimizers: SGD (with momentum and weight decay) and Adam, as plain float arithmetic on leaf Values.

A step validates everything (learning rate, every gradient, every new value) before it changes
anything: a step either updates every parameter and the optimizer's state, or raises and changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from ._numbers import finite_float
from .engine import Value, zero_grad

__all__ = ["Optimizer", "SGD", "Adam", "LearningRate"]

LearningRate = float | Callable[[int], float]


def _check_fraction(what: str, value: object) -> float:
    number = finite_float(value, what)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"{what} must be a number in [0, 1), got {value!r}")
    return number


def _check_non_negative(what: str, value: object) -> float:
    number = finite_float(value, what)
    if number < 0.0:
        raise ValueError(f"{what} must be a number >= 0, got {value!r}")
    return number


def _check_params(owner: str, params: Iterable[Value]) -> list[Value]:
    """Distinct leaf Values: a parameter listed twice would be updated twice per step."""
    if isinstance(params, Value) or not isinstance(params, Iterable):
        raise TypeError(f"{owner}: params must be an iterable of Values, e.g. model.parameters()")
    checked = list(params)
    if not checked:
        raise ValueError(f"{owner}: no parameters to optimize")
    first: dict[int, int] = {}
    for i, p in enumerate(checked):
        if not isinstance(p, Value):
            raise TypeError(f"{owner}: parameters must be Values, got {type(p).__name__} at #{i}")
        if not p.is_leaf:
            raise ValueError(f"{owner}: parameters must be leaves, got a computed Value {p!r} at #{i}")
        if id(p) in first:
            raise ValueError(
                f"{owner}: parameter #{i} is the same Value as #{first[id(p)]}; "
                "list each parameter once (it would be updated twice per step)"
            )
        first[id(p)] = i
    return checked


class Optimizer:
    """Parameters and step count; ``lr`` is a number or a function of the step number (0, 1, ...)."""

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        self.params = _check_params(type(self).__name__, params)
        if not callable(lr):
            _check_non_negative("lr", lr)
        self.lr = lr
        self.steps = 0  # updates done so far; a callable lr is called with it

    def current_lr(self) -> float:
        """The learning rate the next ``step`` will use."""
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        return _check_non_negative(f"learning rate at step {self.steps}", lr)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        zero_grad(self.params)

    def step(self, grads: Sequence[float] | None = None) -> None:
        """Update every parameter from its grad, or from ``grads`` (one per parameter, e.g. from trace).

        Nothing changes unless the learning rate, every gradient and every new value are finite numbers.
        """
        lr = self.current_lr()
        values = self._gradients(grads)
        new_data, new_state = self._update(lr, values)
        self._check_finite(new_data, new_state)
        for p, x in zip(self.params, new_data, strict=True):
            p.assign(x)
        for name, column in new_state.items():
            getattr(self, name)[:] = column
        self.steps += 1

    def _gradients(self, grads: Sequence[float] | None) -> list[float]:
        """One finite float per parameter: the given ``grads``, or each parameter's ``grad``."""
        if grads is None:
            given: list[object] = [p._grad for p in self.params]  # slots: no trace hook per read
        else:
            if isinstance(grads, (str, bytes)) or not isinstance(grads, Sequence):
                raise TypeError(
                    f"step: grads must be a list or tuple of numbers in parameter order, "
                    f"got {type(grads).__name__}"
                )
            given = list(grads)
            if len(given) != len(self.params):
                raise ValueError(f"step: {len(given)} gradients for {len(self.params)} parameters")
        return [finite_float(g, f"step: gradient for {self._name(i)}") for i, g in enumerate(given)]

    def _check_finite(self, new_data: list[float], new_state: dict[str, list[float]]) -> None:
        """Refuse an update that overflows (a learning rate or gradient too large for a float)."""
        for i, x in enumerate(new_data):
            if not math.isfinite(x):
                cause = (
                    "the parameter itself is not finite"
                    if not math.isfinite(self.params[i].data)
                    else "learning rate or gradient too large?"
                )
                name = self._name(i)
                raise ValueError(f"step: the update would make {name} {x}; nothing was changed ({cause})")
        for name, column in new_state.items():
            for i, x in enumerate(column):
                if not math.isfinite(x):
                    raise ValueError(
                        f"step: the update would make {name}[{i}] {x}; nothing was changed "
                        "(gradient too large?)"
                    )

    def _name(self, i: int) -> str:
        label = self.params[i].label
        return f"parameter #{i}" + (f" ({label!r})" if label else "")

    def _update(self, lr: float, grads: list[float]) -> tuple[list[float], dict[str, list[float]]]:
        """New parameter values and state lists (by attribute name), computed without changing anything."""
        raise NotImplementedError


class SGD(Optimizer):
    """p -= lr * v, v = momentum * v + grad + weight_decay * p (PyTorch's rule; v = g without momentum)."""

    def __init__(
        self, params: Iterable[Value], lr: LearningRate, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_fraction("momentum", momentum)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        self.velocity = [0.0] * len(self.params)

    def _update(self, lr: float, grads: list[float]) -> tuple[list[float], dict[str, list[float]]]:
        new_data, velocity = [], list(self.velocity)
        for i, p in enumerate(self.params):
            g = grads[i] + self.weight_decay * p._data
            if self.momentum:
                g = self.momentum * velocity[i] + g if self.steps else g
                velocity[i] = g
            new_data.append(p._data - lr * g)
        return new_data, {"velocity": velocity}


class Adam(Optimizer):
    """Adam: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr * m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (_check_fraction("betas[0]", betas[0]), _check_fraction("betas[1]", betas[1]))
        self.eps = _check_non_negative("eps", eps)
        if self.eps == 0.0:
            raise ValueError("eps must be > 0 (it keeps the update finite when a gradient is 0), got 0")
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, lr: float, grads: list[float]) -> tuple[list[float], dict[str, list[float]]]:
        b1, b2 = self.betas
        t = self.steps + 1
        new_data, m, v = [], list(self.m), list(self.v)
        for i, p in enumerate(self.params):
            g = grads[i] + self.weight_decay * p._data
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            new_data.append(p._data - lr * m_hat / (math.sqrt(v_hat) + self.eps))
        return new_data, {"m": m, "v": v}
