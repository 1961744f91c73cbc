"""Recording a training run, to watch it learn: ``with record(model) as run:`` around your own loop.

Your loop stays yours; call ``run.step(loss)`` once per iteration, after the update::

    with autograd_mini.record(model) as run:
        for k in range(100):
            loss = losses.hinge([model(x) for x in X], y)
            model.zero_grad()
            loss.backward()
            optimizer.step()          # or: for p in params: p.data -= lr * p.grad
            run.step(loss)

At that moment every p.grad still holds dL/dp of this step and p.data the updated value, so the
recorder sees the whole iteration without hooking your optimizer (a hand-written update works the
same): the values before the update (kept from the previous step), the gradients, the values after.
It only reads p.data and p.grad, and evaluates the model under ``no_grad`` for the decision
boundary, so training is bit-for-bit the same with and without it.

Memory: the loss, and each layer's gradient norm and update/weight ratio, for every step (3 floats
per layer); full snapshots (every parameter's value before and after the update, and its gradient:
24 bytes a parameter) for at most ``max_snapshots`` steps. Past that, every other snapshot is
dropped and from then on only every 2nd (4th, ...) step is kept: at most
24 * parameters * max_snapshots bytes (MLP(2, [16, 16, 1]), 337 parameters, 1,000 snapshots: 8 MB).
"""

from __future__ import annotations

import math
import os
import sys
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._drawing import format_number
from ._progress import Progress
from .engine import Value, no_grad
from .nn import MLP, Module

if TYPE_CHECKING:
    from types import TracebackType

    from .explorer import Explorer
    from .training_page import TrainingPage

__all__ = ["DEFAULT_MAX_SNAPSHOTS", "Boundary", "Run", "Snapshot", "learning_rate", "record"]

DEFAULT_MAX_SNAPSHOTS = 1000
MAX_BOUNDARIES = 200  # decision-boundary grids kept; past it, every other one is dropped
MAX_GRID = 60  # grid points per side: 3,600 forward passes per picture at most


@dataclass(frozen=True)
class Snapshot:
    """One recorded step: parameter values before and after its update, and its gradients dL/dp."""

    step: int
    before: array[float]
    grads: array[float]
    after: array[float]


@dataclass
class Boundary:
    """The model's output on a grid over 2-D data, at some steps (what the decision boundary needs)."""

    X: list[list[float]]
    y: list[float]
    every: int
    size: int
    extent: tuple[float, float, float, float]  # x low, x high, y low, y high
    steps: list[int] = field(default_factory=list)  # grid k shows the model before step steps[k]
    scores: list[array[float]] = field(default_factory=list)  # size * size, row by row from y low

    def grid_points(self) -> list[tuple[float, float]]:
        """(x1, x2) of each grid point, row by row from the lowest x2."""
        x0, x1, y0, y1 = self.extent
        n = self.size
        return [
            (x0 + (x1 - x0) * i / (n - 1), y0 + (y1 - y0) * j / (n - 1)) for j in range(n) for i in range(n)
        ]


def record(
    model: Module | Sequence[Value],
    *,
    steps: int | None = None,
    max_snapshots: int = DEFAULT_MAX_SNAPSHOTS,
    progress: bool = True,
    description: str = "training",
) -> Run:
    """A Run recording ``model``'s training: call ``run.step(loss)`` after each update.

    ``model`` is a Module (parameters named as ``named_parameters`` names them) or a list of
    parameter Values. ``steps`` (optional) is the length of the progress bar; ``progress=False``
    shows none. At most ``max_snapshots`` full snapshots are kept (see the module's docstring).
    """
    return Run(model, steps=steps, max_snapshots=max_snapshots, progress=progress, description=description)


class Run:
    """A recorded training run: losses and per-layer numbers for every step, snapshots of some."""

    def __init__(
        self,
        model: Module | Sequence[Value],
        *,
        steps: int | None = None,
        max_snapshots: int = DEFAULT_MAX_SNAPSHOTS,
        progress: bool = True,
        description: str = "training",
    ) -> None:
        named = _named(model)
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
            raise ValueError(f"record: steps must be a positive int or None, got {steps!r}")
        if isinstance(max_snapshots, bool) or not isinstance(max_snapshots, int) or max_snapshots < 2:
            raise ValueError(f"record: max_snapshots must be an int >= 2, got {max_snapshots!r}")
        if not isinstance(description, str):
            raise TypeError(f"record: description must be a str, got {type(description).__name__}")
        self.model = model
        self.names = [name for name, _ in named]
        self.params = [p for _, p in named]
        self.layers, self.layer_of = _layers(self.names)
        if isinstance(model, MLP) and len(self.layers) == len(model.layers):
            self.layers = [_layer_title(model, i) for i in range(len(model.layers))]
        self.max_snapshots = max_snapshots
        self.stride = 1  # a snapshot is kept for every stride-th step
        self.losses: list[float] = []
        self.grad_norms: list[list[float]] = []  # per step, per layer: sqrt(sum of dL/dp^2)
        self.update_ratios: list[list[float]] = []  # per step, per layer: |after - before| / |before|
        self.snapshots: list[Snapshot] = []
        self.boundary: Boundary | None = None
        self._last = array("d", (p.data for p in self.params))
        self._progress = Progress(description, steps) if progress else None

    # -- recording -----------------------------------------------------------------------

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """End the progress bar (the recorded numbers stay)."""
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    @property
    def step_count(self) -> int:
        """Steps recorded so far."""
        return len(self.losses)

    @property
    def nan_steps(self) -> list[int]:
        """The steps whose loss was NaN or infinite."""
        return [k for k, loss in enumerate(self.losses) if not math.isfinite(loss)]

    def step(self, loss: Value) -> None:
        """Record one iteration, after its update: the loss, every p.grad and p.data, per-layer norms.

        A NaN or infinite loss is recorded (and marked on the page); nothing here raises for it.
        """
        if not isinstance(loss, Value):
            hint = " (pass the Value you called backward() on, not loss.data)" if _is_number(loss) else ""
            raise TypeError(f"run.step: loss must be a Value, got {type(loss).__name__}{hint}")
        k = len(self.losses)
        before = self._last
        after = array("d", (p.data for p in self.params))
        grads = array("d", (p.grad for p in self.params))
        norms, ratios = self._norms(grads), self._ratios(before, after)  # all computed, then kept
        self.losses.append(loss.data)
        self.grad_norms.append(norms)
        self.update_ratios.append(ratios)
        if k % self.stride == 0:
            self.snapshots.append(Snapshot(k, before, grads, after))
            if len(self.snapshots) > self.max_snapshots:
                self._thin_snapshots()
        self._last = after
        if self.boundary is not None and (k + 1) % self.boundary.every == 0:
            self._add_boundary(k + 1)
        if self._progress is not None:
            self._progress.update(loss.data)

    def _norms(self, grads: array[float]) -> list[float]:
        squares = [0.0] * len(self.layers)
        for layer, g in zip(self.layer_of, grads, strict=True):
            squares[layer] += g * g
        return [math.sqrt(s) for s in squares]

    def _ratios(self, before: array[float], after: array[float]) -> list[float]:
        change = [0.0] * len(self.layers)
        size = [0.0] * len(self.layers)
        for layer, b, a in zip(self.layer_of, before, after, strict=True):
            change[layer] += (a - b) * (a - b)  # inf for a diverging run, where ** 2 would raise
            size[layer] += b * b
        return [_ratio(math.sqrt(c), math.sqrt(s)) for c, s in zip(change, size, strict=True)]

    def _thin_snapshots(self) -> None:
        """Keep every other snapshot (steps 0, 2s, 4s, ...) and from now on every 2s-th step."""
        self.stride *= 2
        self.snapshots = [s for s in self.snapshots if s.step % self.stride == 0]

    # -- the decision boundary -------------------------------------------------------------

    def watch_boundary(
        self, X: Sequence[Sequence[float]], y: Sequence[float], *, every: int = 20, grid: int = 20
    ) -> None:
        """Evaluate the model on a grid x grid lattice over 2-D ``X`` now and after every ``every`` steps.

        The model must be a Module taking 2 inputs and returning one Value (its sign is the class).
        Evaluated under ``no_grad``: nothing of the training changes. Cost: grid**2 / every
        forward passes a step (the defaults: 20, against 100 forward and backward passes of a
        100-sample batch: about 10% more time). At most MAX_BOUNDARIES grids are kept (past it,
        every other one is dropped and ``every`` doubles).
        """
        if not isinstance(self.model, Module):
            raise TypeError("watch_boundary: record a Module (something to call on a point), not a list")
        points = _points(X)
        labels = _labels(y, len(points))
        for what, number, low, high in (("every", every, 1, None), ("grid", grid, 2, MAX_GRID)):
            if isinstance(number, bool) or not isinstance(number, int) or number < low:
                raise ValueError(f"watch_boundary: {what} must be an int >= {low}, got {number!r}")
            if high is not None and number > high:
                raise ValueError(f"watch_boundary: grid must be at most {high}, got {number}")
        with no_grad():
            probe = self.model(list(points[0]))
        if not isinstance(probe, Value):
            raise ValueError(
                "watch_boundary: the model must return one Value (a score whose sign is the class), "
                f"got {type(probe).__name__}"
            )
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        margin_x, margin_y = 0.1 * (max(xs) - min(xs)) + 0.1, 0.1 * (max(ys) - min(ys)) + 0.1
        extent = (min(xs) - margin_x, max(xs) + margin_x, min(ys) - margin_y, max(ys) + margin_y)
        self.boundary = Boundary(points, labels, every, grid, extent)
        self._add_boundary(len(self.losses))

    def _add_boundary(self, step: int) -> None:
        boundary = self.boundary
        assert boundary is not None and isinstance(self.model, Module)
        with no_grad():
            try:
                scores = array("d", (_score(self.model([x1, x2])) for x1, x2 in boundary.grid_points()))
            except (ArithmeticError, ValueError):  # a diverged model's ops overflow: no boundary, no crash
                scores = array("d", [math.nan] * len(boundary.grid_points()))
        boundary.steps.append(step)
        boundary.scores.append(scores)
        if len(boundary.steps) > MAX_BOUNDARIES:
            boundary.every *= 2
            kept = [i for i, s in enumerate(boundary.steps) if s % boundary.every == 0]
            boundary.steps = [boundary.steps[i] for i in kept]
            boundary.scores = [boundary.scores[i] for i in kept]

    # -- reading the run -------------------------------------------------------------------

    def snapshot(self, step: int) -> Snapshot:
        """The snapshot of ``step``, or a ValueError naming the steps that were kept."""
        for snap in self.snapshots:
            if snap.step == step:
                return snap
        kept = self.snapshots
        where = f"steps 0 to {kept[-1].step} every {self.stride}" if kept else "no steps yet"
        raise ValueError(f"run: step {step!r} was not kept (kept: {where}); pick a kept step")

    def explain_step(self, step: int, *, limit: int = 8, digits: int = 4) -> str:
        """One iteration as named phases, forward -> loss -> backward -> update, with numbers.

        The update is shown as p.data -= lr * p.grad with lr read from the numbers,
        (before - after) / grad, for the first ``limit`` parameters.
        """
        snap = self.snapshot(step)
        lr = learning_rate(snap)
        loss = self.losses[step]
        lines = [
            f"step {step}: one iteration of gradient descent, phase by phase",
            f"1. forward: the model computes its outputs from the {len(self.params)} parameters "
            "(values 'before' below)",
            f"2. loss: L = {format_number(loss, digits)}"
            + ("   <- not a finite number: training has diverged" if not math.isfinite(loss) else ""),
            "3. backward: loss.backward() sets each p.grad = dL/dp (chain rule, output to inputs)",
        ]
        if lr is None:
            lines.append("4. update: not plain SGD (momentum, Adam or weight decay): after = before + change")
        else:
            lines.append(f"4. update: p.data -= lr * p.grad, with lr = {format_number(lr, digits)}")
        width = max(len(name) for name in self.names[:limit])
        for i in range(min(limit, len(self.params))):
            before, grad, after = snap.before[i], snap.grads[i], snap.after[i]
            b, g, a = (format_number(v, digits) for v in (before, grad, after))
            if lr is None:
                how = f"{b} + ({format_number(after - before, digits)}) = {a}"
            else:
                how = f"{b} - {format_number(lr, digits)} * ({g}) = {a}"
            lines.append(f"   {self.names[i]:<{width}}  grad {g:>10}   {how}")
        if len(self.params) > limit:
            lines.append(f"   ... and {len(self.params) - limit} more parameters")
        return "\n".join(lines)

    def explore(self, step: int, sample_loss: Callable[[], Value], **options: Any) -> Explorer:
        """The backward explorer on one sample's loss, with the parameters as they were at ``step``.

        ``sample_loss()`` builds that loss with the model (e.g. ``lambda: losses.hinge([model(X[0])],
        [y[0]])``); it runs with each parameter set to its value before ``step``'s update, and every
        p.data and p.grad is put back afterwards. ``options`` go to ``explore``.
        """
        from .explorer import explore

        snap = self.snapshot(step)
        if not callable(sample_loss):
            raise TypeError(f"run.explore: sample_loss must be a function, got {type(sample_loss).__name__}")
        saved = [(p.data, p.grad) for p in self.params]
        try:
            for p, value in zip(self.params, snap.before, strict=True):
                p.data = value
            loss = sample_loss()
            if not isinstance(loss, Value):
                raise TypeError(f"run.explore: sample_loss() must return a Value, got {type(loss).__name__}")
            parameters = self.model if isinstance(self.model, Module) else list(self.params)
            options.setdefault("title", f"step {step}: one sample's loss")
            return explore(loss, parameters=parameters, grad=1.0, **options)
        finally:
            for p, (data, grad) in zip(self.params, saved, strict=True):
                p.data = data
                p.grad = grad

    def page(
        self,
        *,
        title: str = "watching a network learn",
        sample_loss: Callable[[], Value] | None = None,
        explore_steps: Sequence[int] | None = None,
    ) -> TrainingPage:
        """The training page (``save(path)``, or shown inline in Jupyter); see ``training_page``."""
        from .training_page import training_page

        return training_page(self, title=title, sample_loss=sample_loss, explore_steps=explore_steps)

    def save_frames(self, folder: str | os.PathLike[str], **options: Any) -> list[Path]:
        """Numbered PNG frames of the network at kept steps (see ``training_export.save_frames``)."""
        from .training_export import save_frames

        return save_frames(self, folder, **options)

    def save_gif(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """An animated GIF of the network at kept steps; needs Pillow (``training_export.save_gif``)."""
        from .training_export import save_gif

        return save_gif(self, path, **options)

    def _repr_html_(self) -> str:
        return self.page()._repr_html_()

    def __repr__(self) -> str:
        return (
            f"<Run: {len(self.losses)} steps, {len(self.params)} parameters in {len(self.layers)} "
            f"layer(s), {len(self.snapshots)} snapshots (every {self.stride})>"
        )


def _named(model: object) -> list[tuple[str, Value]]:
    """(name, parameter) pairs of a Module or a list of Values; a clear error for anything else."""
    if isinstance(model, Module):
        named = model.named_parameters()
    elif isinstance(model, (Value, str, bytes)) or not isinstance(model, Sequence):
        raise TypeError(
            f"record: model must be a Module (e.g. nn.MLP) or a list of parameter Values, "
            f"got {type(model).__name__}"
        )
    else:
        if not all(isinstance(p, Value) for p in model):
            raise TypeError("record: a list given as the model must hold parameter Values only")
        named = [(p.label or f"p{i}", p) for i, p in enumerate(model)]
    if not named:
        raise ValueError(
            f"record: the model has no parameters (nothing to watch); a {type(model).__name__} with "
            "leaf Values in its attributes, or a non-empty list of Values, is needed"
        )
    return named


def _layers(names: list[str]) -> tuple[list[str], list[int]]:
    """Layer names and each parameter's layer: its name up to the first number (layers.0), else its
    first part (w1 of a hand-made model)."""
    layers: list[str] = []
    layer_of: list[int] = []
    for name in names:
        parts = name.split(".")
        cut = next((i for i, part in enumerate(parts) if part.isdigit()), 0)
        group = ".".join(parts[: cut + 1])
        if group not in layers:
            layers.append(group)
        layer_of.append(layers.index(group))
    return layers, layer_of


def _ratio(change: float, size: float) -> float:
    """|update| / |weights|: how far a step moved a layer, relative to its size (about 1e-3 is healthy)."""
    if size == 0.0:
        return 0.0 if change == 0.0 else math.inf
    return change / size


def learning_rate(snap: Snapshot) -> float | None:
    """The lr of a plain SGD update after = before - lr * grad, when every parameter fits one; else None.

    lr is read where it is most accurate, at the largest |grad|; every parameter must then agree
    to within the rounding of its own subtraction (a few units in the last place).
    """
    triples = list(zip(snap.before, snap.after, snap.grads, strict=True))
    b, a, g = max(triples, key=lambda t: abs(t[2]))
    if g == 0.0 or not all(math.isfinite(v) for t in triples for v in t):
        return None
    lr = (b - a) / g
    for b, a, g in triples:
        step = lr * g
        if abs(b - step - a) > 8 * sys.float_info.epsilon * max(abs(a), abs(b), abs(step)):
            return None
    return lr


def _score(output: object) -> float:
    return output.data if isinstance(output, Value) else math.nan


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _points(X: object) -> list[list[float]]:
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence) or not X:
        raise ValueError("watch_boundary: X must be a non-empty list of 2-D points [[x1, x2], ...]")
    points = []
    for i, point in enumerate(X):
        if (
            isinstance(point, (str, bytes))
            or not isinstance(point, Sequence)
            or len(point) != 2
            or not all(_is_number(v) and math.isfinite(v) for v in point)
        ):
            raise ValueError(f"watch_boundary: X[{i}] must be two finite numbers [x1, x2], got {point!r}")
        points.append([float(point[0]), float(point[1])])
    return points


def _labels(y: object, count: int) -> list[float]:
    if isinstance(y, (str, bytes)) or not isinstance(y, Sequence) or len(y) != count:
        raise ValueError(f"watch_boundary: y must be a list of {count} numbers, one label per point")
    if not all(_is_number(v) and math.isfinite(v) for v in y):
        raise ValueError("watch_boundary: every label in y must be a finite number")
    return [float(v) for v in y]


def _layer_title(model: MLP, i: int) -> str:
    """'layer 1 (tanh)', ..., 'output (linear)': as draw_network titles the columns."""
    layer = model.layers[i]
    place = "output" if i == len(model.layers) - 1 else f"layer {i + 1}"
    return f"{place} ({layer.activation})"
