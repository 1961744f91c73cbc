"""The demos: small programs that print and draw what the engine computes, writing to out/.

``python -m autograd_mini.demos`` runs them all (``make demo``), ``autograd-mini demo NAME`` or
``python -m autograd_mini.demos.NAME`` runs one. ``DEMOS`` below is the one list of them: the
command line, the runner, ``make demo`` and the tests read it. This module needs the standard
library only; the demos draw with matplotlib (the ``demos`` extra) and the graphviz package (the
``viz`` extra), imported when they draw, and ``check`` names the extra to install when one is missing.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "DEMOS",
    "Demo",
    "MissingExtraError",
    "Option",
    "argument_parser",
    "check",
    "listing",
    "run",
    "run_main",
]

# The optional packages the demos import, and the extra of autograd-mini that installs each.
EXTRAS = {"matplotlib": "demos", "graphviz": "viz"}


class MissingExtraError(ImportError):
    """A demo needs an optional package that is not installed; the message names the extra."""


@dataclass(frozen=True)
class Option:
    """One command-line option of a demo: a switch, or, with a metavar, one whole number."""

    flag: str
    help: str
    metavar: str | None = None
    default: int | None = None

    def __str__(self) -> str:
        return f"{self.flag} {self.metavar}" if self.metavar else self.flag


@dataclass(frozen=True)
class Demo:
    """One demo: what it shows, its options, the optional packages it needs, the files it writes."""

    name: str
    description: str
    quick: str | None  # what --quick does; None: the demo has no quick mode (it is quick already)
    needs: tuple[str, ...]  # keys of EXTRAS
    writes: tuple[str, ...]  # files in out/, when Graphviz's dot program is installed
    options: tuple[Option, ...] = ()

    def usage(self) -> str:
        """Its options as a reader types them: '--quick, --seed N, --compiled', or 'none'."""
        shown = (["--quick"] if self.quick else []) + [str(option) for option in self.options]
        return ", ".join(shown) or "none"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare --quick (if the demo has a quick mode) and the demo's own options on ``parser``."""
        if self.quick:
            parser.add_argument("--quick", action="store_true", help=self.quick)
        for option in self.options:
            if option.metavar:
                parser.add_argument(
                    option.flag, type=int, default=option.default, metavar=option.metavar, help=option.help
                )
            else:
                parser.add_argument(option.flag, action="store_true", help=option.help)

    def files(self) -> str:
        """What it writes, a drawing's three files as one: 'moons_boundary.png, x_graph.{dot,svg,png}'."""
        shown: list[str] = []
        for name in self.writes:
            stem, _, suffix = name.rpartition(".")
            if suffix in ("svg", "png") and f"{stem}.dot" in self.writes:
                continue  # shown with its .dot
            shown.append(f"{stem}.{{dot,svg,png}}" if suffix == "dot" else name)
        return ", ".join(shown)

    def missing(self) -> list[str]:
        """The packages it needs that cannot be imported here."""
        return [name for name in self.needs if importlib.util.find_spec(name) is None]


def _drawing(*stems: str) -> tuple[str, ...]:
    """The files a drawing is saved as: its DOT source, SVG and PNG."""
    return tuple(f"{stem}.{suffix}" for stem in stems for suffix in ("dot", "svg", "png"))


# In the order `python -m autograd_mini.demos` runs them.
DEMOS: dict[str, Demo] = {
    demo.name: demo
    for demo in (
        Demo(
            "chain_rule",
            "the x,y -> z diagram with numbers: forward values, local derivatives, gradients",
            quick=None,
            needs=("graphviz",),
            writes=_drawing("chain_rule_graph", "neuron_graph"),
        ),
        Demo(
            "cheatsheet_network",
            "the ML-cheatsheet 1-2-2 ReLU network: the article's equations vs the engine",
            quick=None,
            needs=("graphviz",),
            writes=_drawing("cheatsheet_network"),
        ),
        Demo(
            "four_layer_network",
            "the 4-2-2-1 network: dC/dw22 by the chain rule vs the engine; gradient descent",
            quick="at most 20 descent steps",
            needs=("graphviz", "matplotlib"),
            writes=(*_drawing("four_layer_network"), "four_layer_cost.png"),
        ),
        Demo(
            "folded_mlp",
            "the lecture's MLP(3, [4, 4, 1]) loss drawn with each neuron folded into one node",
            quick=None,
            needs=("graphviz",),
            writes=_drawing("folded_mlp_graph", "folded_mlp_loss"),
        ),
        Demo(
            "moons",
            "micrograd's moons: MLP(2, [16, 16, 1]), hinge + L2, SGD; curves and decision boundary",
            quick="10 steps and a coarse picture",
            needs=("matplotlib",),
            writes=("moons_training.png", "moons_boundary.png"),
            options=(
                Option("--seed", "data and initialization seed (default 0)", metavar="N", default=0),
                Option("--compiled", "train through trace: the same numbers without building graphs"),
            ),
        ),
        Demo(
            "regression",
            "noisy sin(x) fitted by a tanh MLP with MSE and Adam",
            quick="20 steps",
            needs=("matplotlib",),
            writes=("regression.png",),
        ),
        Demo(
            "gpt",
            "a 1-layer character-level GPT (4,192 parameters) trained with Adam, one word a step",
            quick="8 steps",
            needs=(),
            writes=("gpt_training.txt",),
            options=(
                Option("--compiled", "train through autograd_mini.compile: traced once per word length"),
            ),
        ),
        Demo(
            "newton",
            "Newton's method (f'' by differentiating the gradient) next to gradient descent",
            quick="6 steps instead of 12",
            needs=("graphviz", "matplotlib"),
            writes=("newton_paths.png", *_drawing("newton_gradient_graph")),
        ),
        Demo(
            "explorer_pages",
            "pages stepping through forward and backward: x,y -> z, the neuron, b = a + a reuse",
            quick=None,
            needs=("graphviz",),
            writes=("explorer_xy.html", "explorer_neuron.html", "explorer_reuse.html"),
            options=(
                Option(
                    "--measure",
                    "write nothing; measure page size and step times in headless Chromium "
                    "(needs playwright and Debian's chromium)",
                ),
            ),
        ),
        Demo(
            "training_view",
            "watch moons being learned: tanh vs relu recorded with record(), as training pages",
            quick="20 steps",
            needs=("graphviz",),
            writes=("training_moons_tanh.html", "training_moons_relu.html"),
        ),
        Demo(
            "vanishing_gradients",
            "a deep narrow tanh net: early layers' gradients vanish with a small init, not with Xavier's",
            quick="8 steps",
            needs=("graphviz",),
            writes=("vanishing_small_init.html", "vanishing_xavier.html"),
        ),
    )
}


def listing() -> list[str]:
    """The lines that list the demos: name and description, then options and files."""
    lines = []
    for demo in DEMOS.values():
        lines.append(f"{demo.name:<20} {demo.description}")
        lines.append(f"{'':<20} options: {demo.usage()}; writes {demo.files()}")
    lines.append("")
    lines.append("Files go to out/ (or $AUTOGRAD_MINI_OUT). The demos draw with matplotlib and the graphviz")
    lines.append("package: pip install 'autograd-mini[demos]'.")
    return lines


def check(name: str) -> None:
    """Raise MissingExtraError, naming the extra to install, if the demo needs a missing package."""
    missing = DEMOS[name].missing()
    if missing:
        # The demos extra holds graphviz too: name the smaller viz extra only when it is enough.
        extra = "viz" if all(EXTRAS[package] == "viz" for package in missing) else "demos"
        raise MissingExtraError(
            f"demo {name} needs {' and '.join(missing)}, which is not installed: "
            f"pip install 'autograd-mini[{extra}]'"
        )


def argument_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """A demo's own argument parser: its docstring's first line, and its options from DEMOS."""
    demo = DEMOS[name]
    result = argparse.ArgumentParser(
        prog=f"python -m {__name__}.{name}", description=(doc or demo.description).splitlines()[0]
    )
    demo.add_arguments(result)
    return result


def run_main(name: str, main: Callable[[list[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """Call a demo's main after checking its packages; a missing one is one line on stderr, status 1."""
    try:
        check(name)
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return main(None if argv is None else list(argv))


def run(name: str, argv: Sequence[str] | None = None) -> int:
    """Run the demo called ``name`` with its command-line arguments; returns its exit status."""
    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; known: {', '.join(DEMOS)}")
    module = importlib.import_module(f"{__name__}.{name}")
    return run_main(name, module.main, argv)
