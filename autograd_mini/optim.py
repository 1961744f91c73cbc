"""Optimizers: SGD (with momentum and weight decay) and Adam, updating parameters under no_grad."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from .engine import Value, no_grad, zero_grad

__all__ = ["Optimizer", "SGD", "Adam", "LearningRate"]

LearningRate = float | Callable[[int], float]


def _check_fraction(what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{what} must be a number in [0, 1), got {value!r}")
    return float(value)


def _check_non_negative(what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0.0:
        raise ValueError(f"{what} must be a number >= 0, got {value!r}")
    return float(value)


class Optimizer:
    """Parameters and step count; ``lr`` is a number or a function of the step number (0, 1, ...)."""

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: no parameters to optimize")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameters must be Values, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__}: parameters must be leaves, got a computed Value {p!r}"
                )
        if not callable(lr):
            _check_non_negative("lr", lr)
        self.lr = lr
        self.steps = 0  # updates done so far; a callable lr is called with it

    def current_lr(self) -> float:
        """The learning rate the next ``step`` will use."""
        lr = self.lr(self.steps) if callable(self.lr) else self.lr
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr < 0:
            raise ValueError(f"learning rate at step {self.steps} must be a finite number >= 0, got {lr!r}")
        return float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        zero_grad(self.params)

    def step(self, grads: Sequence[float] | None = None) -> None:
        """Update every parameter from its grad, or from ``grads`` (one per parameter, e.g. from trace)."""
        lr = self.current_lr()  # validated before anything changes
        if grads is None:
            values = [p.grad for p in self.params]
        else:
            values = list(grads)
            if len(values) != len(self.params):
                raise ValueError(f"step: {len(values)} gradients for {len(self.params)} parameters")
        with no_grad():
            self._update(lr, values)
        self.steps += 1

    def _update(self, lr: float, grads: list[float]) -> None:
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

    def _update(self, lr: float, grads: list[float]) -> None:
        for i, p in enumerate(self.params):
            g = grads[i] + self.weight_decay * p.data
            if self.momentum:
                g = self.momentum * self.velocity[i] + g if self.steps else g
                self.velocity[i] = g
            p.assign(p.data - lr * g)


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
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
        self.betas = (_check_fraction("betas[0]", betas[0]), _check_fraction("betas[1]", betas[1]))
        self.eps = _check_non_negative("eps", eps)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, lr: float, grads: list[float]) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        for i, p in enumerate(self.params):
            g = grads[i] + self.weight_decay * p.data
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            m_hat = self.m[i] / (1 - b1**t)
            v_hat = self.v[i] / (1 - b2**t)
            p.assign(p.data - lr * m_hat / (math.sqrt(v_hat) + self.eps))
