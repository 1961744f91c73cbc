"""The training page: one self-contained HTML file that replays a recorded run step by step.

``run.page()`` puts together: the network as ``draw_network`` draws it (SVG laid out by Graphviz,
recoloured by the page for each step: weights, gradients or updated weights, by phase), a slider
and a play button over the kept steps, the loss curve with the step marked (NaN losses marked, not
drawn), the decision boundary for 2-D data, the per-layer gradient norms on a log scale, a panel for
the clicked weight (its value and gradient over time, and p.data -= lr * p.grad with numbers), and,
with ``sample_loss``, explorer pages on one sample's graph for a few steps.

Size: every kept step's parameter values and gradients go in as float32 (base64), 2 x 4 bytes per
parameter per step before base64's 4/3: MLP(2, [16, 16, 1]) (337 parameters) over 300 steps is
about 1.1 MB, and the page stays under 2 MB. An embedded explorer page costs about 300 KB for a
40-parameter network and grows with the graph (0.85 MB for 105 parameters), so pages embed
explorers only when asked (``sample_loss``), for 3 steps by default. Like the explorer, the page
fetches nothing (a CSP says so), and user text (names, title) reaches it as escaped JSON read
through ``textContent``.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import shutil
from array import array
from collections.abc import Callable, Sequence
from importlib import resources
from importlib.util import find_spec
from typing import Any

from ._drawing import GraphvizNotFoundError, format_number, graphviz_module
from ._explorer_page import Page, compact_svg, document, script_json
from .engine import Value
from .network_drawing import draw_network
from .nn import MLP
from .recording import Run, learning_rate

__all__ = ["DEFAULT_EXPLORE_STEPS", "TrainingPage", "page_data", "training_page", "unpack"]

DEFAULT_EXPLORE_STEPS = 3  # explorer pages embedded with sample_loss: first, middle and last kept step
_ASSETS = "training_assets"


class TrainingPage(Page):
    """A training page: ``save(path)`` writes it, notebooks show it inline."""

    IFRAME_HEIGHT = 900


@functools.cache
def _asset(name: str) -> str:
    return (resources.files(__package__ or "autograd_mini") / _ASSETS / name).read_text(encoding="utf-8")


def training_page(
    run: Run,
    *,
    title: str = "watching a network learn",
    sample_loss: Callable[[], Value] | None = None,
    explore_steps: Sequence[int] | None = None,
) -> TrainingPage:
    """The page for ``run``; with ``sample_loss``, explorer pages for ``explore_steps`` (default 3)."""
    if not isinstance(run, Run):
        raise TypeError(f"training_page: run must be a recording.Run, got {type(run).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"training_page: title must be a str, got {type(title).__name__}")
    if not run.snapshots:
        raise ValueError("training_page: no steps recorded yet; call run.step(loss) once per iteration")
    steps = _explore_steps(run, sample_loss, explore_steps)
    svg, network = _network(run)
    explorers = [{"step": step, "html": _explorer(run, step, sample_loss)} for step in steps]
    data = _run_data(run) | {"title": title, "network": network, "explorers": explorers}
    page = _assemble(title, svg, script_json(data))
    return TrainingPage(page, title)


def _explore_steps(
    run: Run, sample_loss: Callable[[], Value] | None, explore_steps: Sequence[int] | None
) -> list[int]:
    """The kept steps that get an explorer page: checked before any explorer is built."""
    if sample_loss is None:
        if explore_steps is not None:
            raise ValueError("training_page: explore_steps needs sample_loss (the loss of one sample)")
        return []
    if not callable(sample_loss):
        raise TypeError(f"training_page: sample_loss must be a function, got {type(sample_loss).__name__}")
    kept = [snap.step for snap in run.snapshots]
    if explore_steps is None:
        chosen = sorted({kept[0], kept[len(kept) // 2], kept[-1]})[:DEFAULT_EXPLORE_STEPS]
        return chosen
    if isinstance(explore_steps, (str, bytes)) or not isinstance(explore_steps, Sequence):
        raise TypeError("training_page: explore_steps must be a list of step numbers")
    for step in explore_steps:
        run.snapshot(step)  # a ValueError naming the kept steps
    return sorted(set(explore_steps))


def _explorer(run: Run, step: int, sample_loss: Callable[[], Value] | None) -> str:
    """The explorer page of one sample's loss at ``step``, or a ValueError saying how to do without."""
    assert sample_loss is not None
    try:
        return run.explore(step, sample_loss).html
    except ValueError as exc:
        raise ValueError(
            f"training_page: the explorer for step {step} was refused ({exc}); leave out sample_loss "
            "for a page without explorers, or open one with run.explore(step, sample_loss, max_nodes=...)"
        ) from None


FLOAT32_MAX, FLOAT32_TINY = 3.4028234663852886e38, 1.1754943508222875e-38
WIDE = "d:"  # marks float64 numbers where float32 was asked for but cannot hold them


def _floats(values: Sequence[float] | array[float], code: str = "f") -> str:
    """Little-endian float32 ('f') or float64 ('d') numbers as base64 (NaN and inf survive).

    float32 halves the page; a list with a number float32 would turn into inf or 0 (a diverging
    run's 1e200, a vanished gradient's 1e-40) is stored as float64 instead, prefixed WIDE.
    """
    prefix = ""
    if code == "f" and any(FLOAT32_MAX < abs(v) < math.inf or 0.0 < abs(v) < FLOAT32_TINY for v in values):
        code, prefix = "d", WIDE
    packed = array(code, values)
    if packed.itemsize > 1 and array("H", [1]).tobytes()[0] == 0:
        packed.byteswap()  # big-endian machine: the page reads little-endian
    return prefix + base64.b64encode(packed.tobytes()).decode("ascii")


def _run_data(run: Run) -> dict[str, Any]:
    """Everything the page's script needs, numbers packed as base64 floats."""
    snaps = run.snapshots
    follows = [i for i in range(len(snaps) - 1) if snaps[i + 1].step == snaps[i].step + 1]
    after_at = [i for i in range(len(snaps)) if i not in set(follows)]  # after is not the next before
    data: dict[str, Any] = {
        "names": run.names,
        "layers": run.layers,
        "layerOf": run.layer_of,
        "steps": [snap.step for snap in snaps],
        "stride": run.stride,
        "stepCount": run.step_count,
        "loss": _floats(run.losses, "d"),
        "gradNorms": _floats([n for row in run.grad_norms for n in row]),
        "ratios": _floats([r for row in run.update_ratios for r in row]),
        "before": _floats([v for snap in snaps for v in snap.before]),
        "grads": _floats([g for snap in snaps for g in snap.grads]),
        "afterAt": after_at,
        "lr": [learning_rate(snap) for snap in snaps],  # None (null) where the update is not plain SGD
        "after": _floats([v for i in after_at for v in snaps[i].after]),
        "boundary": None,
    }
    boundary = run.boundary
    if boundary is not None:
        data["boundary"] = {
            "size": boundary.size,
            "extent": list(boundary.extent),
            "steps": boundary.steps,
            "scores": _floats([s for grid in boundary.scores for s in grid]),
            "points": boundary.X,
            "labels": boundary.y,
        }
    return data


def _network(run: Run) -> tuple[str, dict[str, Any] | None]:
    """draw_network's SVG of an MLP and which SVG element shows which parameter; ("", None) otherwise."""
    model = run.model
    if not isinstance(model, MLP) or shutil.which("dot") is None or find_spec("graphviz") is None:
        return "", None  # no drawing without Graphviz (program and package): the charts still work
    index = {name: i for i, name in enumerate(run.names)}
    saved = [p.data for p in run.params]
    try:  # drawn with each parameter's widest text over the kept steps: circles and labels fit all
        for i, p in enumerate(run.params):
            p.data = max((snap.before[i] for snap in run.snapshots), key=lambda v: len(format_number(v, 4)))
        graph = draw_network(model, digits=4)
        svg: str = graph.pipe(format="svg", quiet=True).decode("utf-8")
    except graphviz_module().ExecutableNotFound as exc:
        raise GraphvizNotFoundError(str(exc)) from None
    finally:
        for p, value in zip(run.params, saved, strict=True):
            p.data = value
    edges: dict[str, int] = {}
    labels: dict[str, int] = {}
    biases: dict[str, int] = {}
    n = 0
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            for k in range(len(neuron.w)):
                param = index[f"layers.{i}.neurons.{j}.w.{k}"]
                edges[f"n{i}_{k}->n{i + 1}_{j}"] = param
                labels[f"w{n}"] = param
                n += 1
            if neuron.b is not None:
                biases[f"n{i + 1}_{j}"] = index[f"layers.{i}.neurons.{j}.b"]
    return compact_svg(svg[svg.index("<svg") :]), {"edges": edges, "labels": labels, "biases": biases}


def _assemble(title: str, svg: str, data_json: str) -> str:
    """The whole page around its data; the fixed parts come from training_assets/."""
    return document(
        what="training page",
        title=title,
        style=_asset("training.css"),
        markup=_asset("training.html").replace("__SVG__", svg or _NO_DRAWING),
        data_json=data_json,
        scripts=[_asset("training.js")],
    )


_NO_DRAWING = (
    '<p class="note">No drawing: the network is drawn for an nn.MLP, with Graphviz\'s dot program '
    "installed. The charts and the parameter list still follow every step.</p>"
)

# Kept for tests and tools that read a page back: the JSON between these markers.
DATA_PATTERN = re.compile(r'<script type="application/json" id="data">(.*?)</script>', re.DOTALL)


def page_data(page: str) -> dict[str, Any]:
    """The data JSON of a saved training page (for tests and tools)."""
    found = DATA_PATTERN.search(page)
    if found is None:
        raise ValueError("page_data: not a training page (no data script)")
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def unpack(text: str, code: str = "f") -> list[float]:
    """Numbers packed by the page's base64 float encoding, as Python floats."""
    if text.startswith(WIDE):
        text, code = text[len(WIDE) :], "d"
    packed = array(code)
    packed.frombytes(base64.b64decode(text))
    if array("H", [1]).tobytes()[0] == 0:
        packed.byteswap()
    return list(packed)
