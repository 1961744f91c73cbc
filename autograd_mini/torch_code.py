"""PyTorch source for a graph: the same computation written as tensor code.

``torch_code(graph)`` takes a root Value or a function compiled by ``trace`` and writes a
Python module that computes the same number with PyTorch, so its ``backward`` gives the
same gradients. Where the scalar graph has the shape of a layer, the code says so:

- a *weighted sum* is a chain of additions whose terms are products w * x with w a leaf that
  gets a gradient (a weight), plus at most one such leaf alone (a bias);
- weighted sums reading the same inputs x in the same order form one layer application,
  ``x @ W.T + b``, followed by its activation when each sum feeds the same op (with the
  same numbers beside it, as leaky_relu's slope);
- applications of the same W to different inputs (one per sample) are stacked into one
  matrix product ``X @ W.T + b``, when none of them depends on another;
- a chain of additions whose terms are the same expression over whole rows, columns or all
  elements of those tensors becomes ``(...).sum()`` (a mean's sum, an L2 penalty).

Everything else is plain scalar code on 0-d tensors, one line per op. Each op's PyTorch
form is in ``TORCH_OPS``, the one table of this module. The source is built from the op
table's templates, node numbers and float reprs; labels are used as names only when they
are plain identifiers. Writing the source needs no PyTorch; running it does.
"""

from __future__ import annotations

import ast
import heapq
import keyword
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .compiler import CompiledFunction
from .engine import Value
from .graph import forward_order
from .ops import OPS

__all__ = ["TORCH_OPS", "UNSUPPORTED_OPS", "TorchCode", "TorchTensor", "torch_code"]

# Each op of ops.OPS as a PyTorch expression over its operands {x} and {y}: tensors, or a
# Python float for a number operand. softplus is logaddexp(x, 0), exact for any x (F.softplus
# switches to x above 20); leaky_relu a where(), which also takes a tensor slope.
TORCH_OPS: dict[str, str] = {
    "add": "{x} + {y}",
    "sub": "{x} - {y}",
    "mul": "{x} * {y}",
    "div": "{x} / {y}",
    "pow": "{x} ** {y}",
    "neg": "-{x}",
    "abs": "torch.abs({x})",
    "exp": "torch.exp({x})",
    "log": "torch.log({x})",
    "expm1": "torch.expm1({x})",
    "log1p": "torch.log1p({x})",
    "sqrt": "torch.sqrt({x})",
    "tanh": "torch.tanh({x})",
    "sigmoid": "torch.sigmoid({x})",
    "relu": "torch.relu({x})",
    "leaky_relu": "torch.where({x} > 0, {x}, {y} * {x})",
    "softplus": "torch.logaddexp({x}, torch.zeros_like({x}))",
    "sin": "torch.sin({x})",
    "cos": "torch.cos({x})",
}
# Ops with no PyTorch form yet, each with the reason (an op of the table must be in one of the two).
UNSUPPORTED_OPS: dict[str, str] = {}

_RESERVED = {"torch", "math", "compute"}
_GENERATED = re.compile(r"(W|b|h|z|v|C|leaf|arg|param)\d+")
_TENSOR_LITERAL = re.compile(r"torch\.tensor\((\[[^()]*\]), dtype=torch\.float64\)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_TERM_DEPTH = 8  # ops in one term of a vectorized sum
_NUMBER = "#number"  # the tensor name of a number in a term's slots (never a Python name)


@dataclass(frozen=True)
class TorchTensor:
    """An argument of the generated ``compute``: its name, shape, and the graph input of each element."""

    name: str
    shape: tuple[int, ...]
    slots: tuple[int, ...]  # row-major: the input (a leaf of the graph, by its place) each element is
    requires_grad: bool


@dataclass(frozen=True)
class TorchCode:
    """The generated module (``source``) and how its arguments map to the graph's inputs."""

    source: str
    tensors: tuple[TorchTensor, ...]
    values: tuple[float, ...] | None  # each input's value when known (a root Value's leaves)
    grad_slots: tuple[int, ...]  # the inputs whose gradients the graph's own results list, in order

    def __str__(self) -> str:
        return self.source

    def arguments(self, values: Sequence[float] | None = None) -> dict[str, Any]:
        """``compute``'s keyword arguments as float64 tensors, from each input's value (in input order)."""
        from .torch_bridge import require_torch  # only running the code needs PyTorch

        torch = require_torch()
        numbers = self.values if values is None else tuple(float(v) for v in values)
        if numbers is None:
            raise ValueError(
                "TorchCode.arguments: pass the inputs' values (params' data, then the arguments)"
            )
        needed = 1 + max((s for t in self.tensors for s in t.slots), default=-1)
        if len(numbers) < needed:
            raise ValueError(
                f"TorchCode.arguments: {len(numbers)} values for {needed} inputs "
                "(params' data, then the arguments' numbers, flattened in order)"
            )
        return {
            t.name: torch.tensor([numbers[s] for s in t.slots], dtype=torch.float64)
            .reshape(t.shape)
            .requires_grad_(t.requires_grad)
            for t in self.tensors
        }

    def gradients(self, arguments: dict[str, Any]) -> list[float]:
        """The tensors' gradients after ``backward``, in the order the graph's own gradients come."""
        by_slot: dict[int, float] = {}
        for t in self.tensors:
            if t.requires_grad:
                grad = arguments[t.name].grad
                flat = [0.0] * len(t.slots) if grad is None else grad.reshape(-1).tolist()
                by_slot.update(zip(t.slots, flat, strict=True))
        return [by_slot.get(s, 0.0) for s in self.grad_slots]  # an input the root never reads: 0


# -- the graph, read from a Value or a compiled function ---------------------------------------

# An operand: ("n", node number) or ("c", a number).
Ref = tuple[str, Any]
# What a layer's sums feed: an op, and its operands with None where the sum goes.
Activation = tuple[str, tuple[Ref | None, ...]]


@dataclass
class _Graph:
    """The graph as numbered nodes in forward order: an op and its operands, or an input (a slot)."""

    ops: list[str | None] = field(default_factory=list)
    operands: list[tuple[Ref, ...]] = field(default_factory=list)
    slot: dict[int, int] = field(default_factory=dict)  # input node -> its slot
    labels: dict[int, str] = field(default_factory=dict)
    targets: list[int] = field(default_factory=list)  # slots that get a gradient, in the result's order
    groups: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(
        default_factory=list
    )  # tensors of inputs
    values: tuple[float, ...] | None = None
    arguments: list[str] = field(default_factory=list)  # a traced call's argument names, in order

    def add(self, op: str | None, operands: tuple[Ref, ...]) -> int:
        self.ops.append(op)
        self.operands.append(operands)
        return len(self.ops) - 1


def _from_value(root: Value) -> _Graph:
    graph = _Graph()
    number: dict[Value, int] = {}
    values: list[float] = []
    for node in forward_order(root):
        if node.is_leaf:
            index = graph.add(None, ())
            graph.slot[index] = len(values)
            values.append(node.data)
        else:
            assert node.op_def is not None
            refs = tuple(("n", number[p]) if isinstance(p, Value) else ("c", float(p)) for p in node.operands)
            index = graph.add(node.op_def.name, refs)
        number[node] = index
        if node.label:
            graph.labels[index] = node.label
    graph.targets = list(range(len(values)))
    graph.values = tuple(values)
    return graph


def _tape_of(compiled: CompiledFunction) -> Any:
    """The compact graph a compiled function keeps in creation order (compiler._Tape)."""
    return compiled._tape


def _from_compiled(compiled: CompiledFunction) -> _Graph:
    tape = _tape_of(compiled)
    names = tuple(OPS)
    graph = _Graph()
    frozen: dict[int, float] = {}

    number: dict[int, int] = {}  # tape place -> node number in the graph

    def ref(r: int) -> Ref:
        if r < -1:
            return ("c", float(tape.constants[-2 - r]))
        return ("c", frozen[r]) if r in frozen else ("n", number[r])

    live = _needed_by_result(tape)
    for place, code in enumerate(tape.codes):
        if code == 254:  # an input: its slot
            number[place] = graph.add(None, ())
            graph.slot[number[place]] = tape.first[place]
        elif place not in live:
            continue  # read only by fn's tests
        elif code == 255:  # a leaf fn read directly: a number fixed at trace time
            frozen[place] = float(tape.constants[-2 - tape.first[place]])
            number[place] = graph.add("frozen", ())
        else:
            second = () if tape.second[place] == -1 else (ref(tape.second[place]),)
            number[place] = graph.add(names[code], (ref(tape.first[place]), *second))
    if number[tape.root] != len(graph.ops) - 1:  # the writer returns the last node
        raise AssertionError("torch_code: the result is not the last node of the tape")
    params = sum(1 for name in compiled.grad_names if name.startswith("params["))
    graph.targets = list(range(len(compiled.grad_names)))
    slot = params
    arguments: tuple[object, ...] = compiled._structure  # type: ignore[assignment]
    for i, structure in enumerate(arguments):
        shape = _shape(structure)
        count = math.prod(shape) if shape is not None else _count(structure)
        graph.arguments.append(f"arg{i}")
        if shape is not None:
            graph.groups.append((f"arg{i}", shape, tuple(range(slot, slot + count))))
        slot += count
    return graph


def _needed_by_result(tape: Any) -> set[int]:
    """The tape's places the result is computed from; the rest are values only fn's tests read.

    The PyTorch code follows the traced branch: the guards that repeat fn's tests
    (compiled mode's BranchChangedError) are not written.
    """
    live: set[int] = set()
    stack = [tape.root]
    while stack:
        place = stack.pop()
        if place in live:
            continue
        live.add(place)
        stack.extend(r for r in (tape.first[place], tape.second[place]) if r >= 0 and tape.codes[place] < 254)
    return live


def _shape(structure: object) -> tuple[int, ...] | None:
    """The shape of a rectangular nesting of lists ("leaf" at the bottom), else None."""
    if structure == "leaf":
        return ()
    if not isinstance(structure, tuple) or not structure:
        return None
    inner = {_shape(item) for item in structure}
    if len(inner) != 1 or None in inner:
        return None
    return (len(structure), *inner.pop())  # type: ignore[misc]


def _count(structure: object) -> int:
    if isinstance(structure, tuple):
        return sum(_count(s) for s in structure)
    return 1


# -- finding layers ---------------------------------------------------------------------------


@dataclass
class _Sum:
    """A weighted sum: its root node, weights (input nodes), inputs x, bias node, its own nodes."""

    root: int
    weights: tuple[int, ...]
    xs: tuple[Ref, ...]
    bias: int | None
    inside: list[int]


@dataclass
class _Batch:
    """Applications of one W: per application its x, its sums' roots and its output nodes."""

    matrix: int
    activation: Activation | None
    rows: list[tuple[Ref, ...]]
    outputs: list[list[int]]
    inside: list[int]


class _Writer:
    """Reads the graph's structure and writes the module."""

    def __init__(self, graph: _Graph) -> None:
        self.g = graph
        n = len(graph.ops)
        self.uses = [0] * n
        self.consumer = [-1] * n
        for i, operands in enumerate(graph.operands):
            for kind, j in operands:
                if kind == "n":
                    self.uses[j] += 1
                    self.consumer[j] = i
        self.target_slots = set(graph.targets)
        self.grouped_slots = {s for _, _, slots in graph.groups for s in slots}
        self.location: dict[int, tuple[str, tuple[int, ...]]] = {}
        # node -> the unit computing it: batch k is len(ops) + k, the sum ending at node r is -1 - r
        self.unit_of: dict[int, int] = {}
        self.tensors: list[TorchTensor] = []
        self.matrices: list[tuple[list[tuple[int, ...]], list[int | None]]] = []
        self.batches: list[_Batch] = []
        self.reductions: dict[int, list[str]] = {}  # chain root -> its summands as code
        self.reduction_refs: dict[int, list[Ref]] = {}  # chain root -> the terms it reads as they are
        self.reduction_reads: dict[int, set[int]] = {}  # chain root -> what its vectorized terms read
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.used_names: set[str] = set()
        self.names: dict[int, str] = {}
        self.batch_of_tensor: dict[str, int] = {}  # h<k> -> the batch's unit number
        self.argument_names: dict[str, int] = {}  # tensor name -> the traced call's argument number

    # -- inputs --

    def is_weight(self, ref: Ref) -> bool:
        kind, i = ref
        if kind != "n" or self.g.ops[i] is not None:
            return False
        slot = self.g.slot[i]
        return slot in self.target_slots and slot not in self.grouped_slots

    def chain_terms(self, root: int) -> tuple[list[Ref], list[int]]:
        """The terms of the chain of additions ending at root, left to right, and its add nodes."""
        terms: list[Ref] = []
        adds: list[int] = []
        stack: list[Ref] = [("n", root)]
        while stack:
            ref = stack.pop()
            kind, i = ref
            if kind == "n" and self.g.ops[i] == "add" and (i == root or self.uses[i] == 1):
                adds.append(i)
                first, second = self.g.operands[i]
                stack.extend((second, first))
            else:
                terms.append(ref)
        return terms, adds

    def weighted_sum(self, root: int) -> _Sum | None:
        terms, adds = self.chain_terms(root)
        weights: list[int] = []
        xs: list[Ref] = []
        bias = None
        inside = list(adds)
        for kind, i in terms:
            if kind != "n":
                return None
            if self.is_weight((kind, i)) and bias is None:
                bias = i
                continue
            if self.g.ops[i] != "mul" or self.uses[i] != 1:
                return None
            a, b = self.g.operands[i]
            if self.is_weight(a) and self.is_weight(b):
                # Both could be the weight: an input is read by every neuron, a weight by its
                # own product only; as the lecture writes x1*w1, a tie goes to the second.
                a, b = (b, a) if self.uses[a[1]] < self.uses[b[1]] else (a, b)
            if self.is_weight(b):
                weights.append(b[1])
                xs.append(a)
            elif self.is_weight(a):
                weights.append(a[1])
                xs.append(b)
            else:
                return None
            inside.append(i)
        distinct = {*weights, *([bias] if bias is not None else [])}
        if not weights or len(distinct) != len(weights) + (bias is not None):
            return None
        return _Sum(root, tuple(weights), tuple(xs), bias, inside)

    def find_layers(self) -> None:
        absorbed = {i for i in range(len(self.g.ops)) if self.g.ops[i] == "add" and self.uses[i] == 1}
        absorbed = {i for i in absorbed if self.g.ops[self.consumer[i]] == "add"}
        applications: dict[tuple[tuple[Ref, ...], bool], list[_Sum]] = {}
        for i, op in enumerate(self.g.ops):
            if op == "add" and i not in absorbed:
                found = self.weighted_sum(i)
                if found is not None:
                    applications.setdefault((found.xs, found.bias is not None), []).append(found)
        owner: dict[int, tuple[int, int]] = {}  # weight or bias node -> (matrix, row)
        by_matrix: dict[int, list[tuple[tuple[Ref, ...], list[_Sum], Activation | None]]] = {}
        for (xs, _), sums in applications.items():
            if len(sums) < 2 and len(xs) < 2:
                continue  # one product and a bias: scalar code reads better
            matrix = self.place_rows(sums, owner)
            if matrix is not None:
                row_of = {row: r for r, row in enumerate(self.matrices[matrix][0])}
                ordered = sorted(sums, key=lambda s: row_of[s.weights])
                by_matrix.setdefault(matrix, []).append((xs, ordered, self.activation(sums)))
        for matrix, applied in by_matrix.items():
            self.make_batches(matrix, applied)

    def activation(self, sums: list[_Sum]) -> Activation | None:
        """The op every sum feeds (its only use), with the same numbers beside it, if there is one.

        tanh(s) and leaky_relu(s, 0.1) act on the layer's sums elementwise; arithmetic (s * y,
        1 - s) is left to the code that reads the layer's outputs.
        """
        forms = set()
        for s in sums:
            consumer = self.consumer[s.root]
            operands = self.g.operands[consumer]
            op = self.g.ops[consumer]
            if self.uses[s.root] != 1 or op is None or OPS[op].method.startswith("__"):
                return None
            if operands[0] != ("n", s.root) or any(kind == "n" for kind, _ in operands[1:]):
                return None
            forms.add((op, tuple(None if kind == "n" else (kind, v) for kind, v in operands)))
        return forms.pop() if len(forms) == 1 else None

    def place_rows(self, sums: list[_Sum], owner: dict[int, tuple[int, int]]) -> int | None:
        """The matrix these sums' weights form: a new one, or one they all belong to; else None."""
        places = {owner.get(w) for s in sums for w in s.weights}
        if places == {None}:
            leaves = [w for s in sums for w in (*s.weights, *([s.bias] if s.bias is not None else []))]
            if any(leaf in owner for leaf in leaves) or len(set(leaves)) != len(leaves):
                return None
            matrix = len(self.matrices)
            rows = [s.weights for s in sums]
            self.matrices.append((rows, [s.bias for s in sums]))
            for row, s in enumerate(sums):
                for leaf in (*s.weights, *([s.bias] if s.bias is not None else [])):
                    owner[leaf] = (matrix, row)
            return matrix
        matrices = {p[0] for p in places if p is not None}
        if None in places or len(matrices) != 1:
            return None
        matrix = matrices.pop()
        rows, biases = self.matrices[matrix]
        if len(sums) != len(rows) or {s.weights for s in sums} != set(rows):
            return None
        row_of = {row: r for r, row in enumerate(rows)}
        if any(biases[row_of[s.weights]] != s.bias for s in sums):
            return None
        return matrix

    def make_batches(
        self, matrix: int, applied: list[tuple[tuple[Ref, ...], list[_Sum], Activation | None]]
    ) -> None:
        """A batch per activation for the applications of the matrix, one each if one depends on another."""

        def outputs(sums: list[_Sum], activation: Activation | None) -> list[int]:
            return [self.consumer[s.root] if activation is not None else s.root for s in sums]

        all_outputs = {o for _, sums, act in applied for o in outputs(sums, act)}
        inputs = {i for xs, _, _ in applied for kind, i in xs if kind == "n"}
        together = not self.reaches(all_outputs, inputs)
        by_activation: dict[
            Activation | None, list[tuple[tuple[Ref, ...], list[_Sum], Activation | None]]
        ] = {}
        for application in applied:
            by_activation.setdefault(application[2], []).append(application)
        groups = list(by_activation.values()) if together else [[a] for a in applied]
        for group in groups:
            batch = _Batch(matrix, group[0][2], [], [], [])
            for xs, sums, act in group:
                batch.rows.append(xs)
                batch.outputs.append(outputs(sums, act))
                for s in sums:
                    batch.inside.extend(s.inside)
                    if act is not None:
                        batch.inside.append(self.consumer[s.root])
            self.batches.append(batch)

    def reaches(self, starts: set[int], targets: set[int]) -> bool:
        """Whether any target depends on a start (forward order: operands have smaller numbers)."""
        if not starts or not targets:
            return False
        marked = set(starts)
        for i in range(min(starts), max(targets) + 1):
            if i in marked and i in targets:
                return True
            if any(kind == "n" and j in marked for kind, j in self.g.operands[i]):
                marked.add(i)
        return bool(marked & targets)

    # -- names and places --

    def place_inputs(self) -> None:
        """Every input's tensor: weights and biases by layer, argument lists as given, the rest alone."""
        node_of_slot = {slot: node for node, slot in self.g.slot.items()}
        slot_of = self.g.slot
        for m, (rows, biases) in enumerate(self.matrices):
            self.declare(f"W{m}", (len(rows), len(rows[0])), [slot_of[w] for row in rows for w in row])
            for r, row in enumerate(rows):
                for c, w in enumerate(row):
                    self.location[w] = (f"W{m}", (r, c))
            if biases[0] is not None:
                self.declare(f"b{m}", (len(rows),), [slot_of[b] for b in biases if b is not None])
                for r, b in enumerate(biases):
                    self.location[b] = (f"b{m}", (r,))  # type: ignore[index]
        for i, (name, shape, slots) in enumerate(self.g.groups):
            self.argument_names[name] = i
            self.declare(name, shape, list(slots))
            for flat, slot in enumerate(slots):
                if slot in node_of_slot:
                    self.location[node_of_slot[slot]] = (name, _unravel(flat, shape))
        for node, slot in sorted(slot_of.items(), key=lambda item: item[1]):
            if node not in self.location:
                name = self.name_of(
                    node, f"param{slot}" if self.g.groups and slot in self.target_slots else f"leaf{slot}"
                )
                self.declare(name, (), [slot])
                self.location[node] = (name, ())

    def declare(self, name: str, shape: tuple[int, ...], slots: list[int]) -> None:
        self.shapes[name] = shape
        self.used_names.add(name)
        grad = any(s in self.target_slots for s in slots)
        self.tensors.append(TorchTensor(name, shape, tuple(slots), grad))

    def name_of(self, node: int, default: str) -> str:
        """The node's label when it can be a Python name nothing else uses, else ``default``."""
        label = self.g.labels.get(node, "")
        usable = (
            _IDENTIFIER.fullmatch(label) is not None
            and not keyword.iskeyword(label)
            and label not in _RESERVED
            and _GENERATED.fullmatch(label) is None
            and label not in self.used_names
        )
        name = label if usable else default
        self.used_names.add(name)
        return name

    def ref(self, ref: Ref) -> tuple[str, bool]:
        """An operand as code, and whether it is atomic (needs no parentheses as an operand)."""
        kind, i = ref
        if kind == "c":
            return _literal(i)
        if i in self.location:
            name, index = self.location[i]
            return (f"{name}[{', '.join(map(str, index))}]" if index else name), True
        return self.names[i], True

    # -- sums over whole tensors --

    def template(
        self, ref: Ref, depth: int, inside: list[int], slots: list[tuple[str, tuple[int, ...]]]
    ) -> object:
        """A term's shape, tensor elements as slots; its op nodes go to ``inside``, elements to ``slots``."""
        kind, i = ref
        if kind == "c":  # a slot too: numbers that differ from term to term become a tensor
            slots.append((_NUMBER, (i,)))
            return ("s", _NUMBER, 1)
        if i in self.location:
            name, index = self.location[i]
            slots.append((name, index))
            return ("s", name, len(index))
        op = self.g.ops[i]
        if op in TORCH_OPS and self.uses[i] == 1 and i not in self.unit_of and depth < MAX_TERM_DEPTH:
            inside.append(i)
            return ("op", op, tuple(self.template(r, depth + 1, inside, slots) for r in self.g.operands[i]))
        return ("v", i)

    def find_reductions(self) -> None:
        absorbed = {i for i, op in enumerate(self.g.ops) if op == "add" and self.uses[i] == 1}
        absorbed = {i for i in absorbed if self.g.ops[self.consumer[i]] == "add"}
        for root, op in enumerate(self.g.ops):
            if op != "add" or root in absorbed or root in self.unit_of:
                continue
            terms, adds = self.chain_terms(root)
            if len(terms) < 2:
                continue
            shapes: dict[object, list[tuple[int, list[int], list[tuple[str, tuple[int, ...]]]]]] = {}
            for t, term in enumerate(terms):
                inside: list[int] = []
                slots: list[tuple[str, tuple[int, ...]]] = []
                shapes.setdefault(self.template(term, 0, inside, slots), []).append((t, inside, slots))
            parts: list[tuple[int, str]] = []
            covered: set[int] = set()
            for shape, found in shapes.items():
                sliced = _aligned([slots for _, _, slots in found], self.shapes) if len(found) > 1 else None
                if sliced is None:
                    continue
                text, atomic = self.render(shape, iter(sliced))
                parts.append((found[0][0], f"{text}.sum()" if atomic else f"({text}).sum()"))
                for t, inside, _ in found:
                    covered.add(t)
                    for node in inside:
                        self.unit_of[node] = -1 - root  # reduction units: negative numbers
            if not parts:
                continue
            parts += [(t, self.ref(term)[0]) for t, term in enumerate(terms) if t not in covered]
            self.reductions[root] = [text for _, text in sorted(parts)]
            self.reduction_refs[root] = [term for t, term in enumerate(terms) if t not in covered]
            for node in adds:
                self.unit_of[node] = -1 - root
            self.reduction_reads[root] = self.reads_of_templates(root, shapes, covered)

    def reads_of_templates(self, root: int, shapes: dict[object, Any], covered: set[int]) -> set[int]:
        """The nodes a reduction's vectorized terms read from other units."""
        reads: set[int] = set()

        def walk(shape: object) -> None:
            if isinstance(shape, tuple) and shape and shape[0] == "v":
                reads.add(shape[1])
            elif isinstance(shape, tuple) and shape and shape[0] == "op":
                for child in shape[2]:
                    walk(child)

        for shape, found in shapes.items():
            if found[0][0] in covered:
                walk(shape)
                for _, _, slots in found:
                    for name, _ in slots:
                        if name in self.batch_of_tensor:
                            reads.add(self.batch_of_tensor[name])
        return reads

    def render(self, shape: object, sliced: Any) -> tuple[str, bool]:
        """A term's shape as code, its slots filled from ``sliced`` in order."""
        kind = shape[0]  # type: ignore[index]
        if kind == "c":
            return _literal(shape[1])  # type: ignore[index]
        if kind == "s":
            return next(sliced), True
        if kind == "v":
            return self.ref(("n", shape[1]))  # type: ignore[index]
        return _apply(shape[1], [self.render(child, sliced) for child in shape[2]])  # type: ignore[index]

    # -- writing --

    def batch_code(self, k: int, batch: _Batch) -> str:
        _, biases = self.matrices[batch.matrix]
        activation = batch.activation
        inputs = self.matrix_input(batch.rows)
        product = f"{inputs} @ W{batch.matrix}.T" + (f" + b{batch.matrix}" if biases[0] is not None else "")
        if activation is None:
            return f"h{k} = {product}"
        op, form = activation
        if TORCH_OPS[op].count("{x}") > 1:  # the product once, then the activation reads it
            text, _ = _apply(op, [(f"z{k}", True) if r is None else self.ref(r) for r in form])
            return f"z{k} = {product}\nh{k} = {text}"
        text, _ = _apply(op, [(product, False) if r is None else self.ref(r) for r in form])
        return f"h{k} = {text}"

    def matrix_input(self, rows: list[tuple[Ref, ...]]) -> str:
        """The inputs as one tensor: a tensor (or rows of one) when they are, else built from numbers."""
        places = [[self.location.get(i) if kind == "n" else None for kind, i in row] for row in rows]
        flat = [p for row in places for p in row]
        if all(p is not None for p in flat) and len({p[0] for p in flat}) == 1:  # type: ignore[index]
            name = flat[0][0]  # type: ignore[index]
            shape = self.shapes[name]
            width = len(rows[0])
            heads = []
            for row in places:
                indices = [p[1] for p in row]  # type: ignore[index]
                head = indices[0][:-1] if indices[0] else None
                if head is None or indices != [(*head, c) for c in range(width)] or shape[-1] != width:
                    break
                heads.append(head)
            else:
                if len(rows) == 1:
                    return name if not heads[0] else f"{name}[{', '.join(map(str, heads[0]))}]"
                if all(len(h) == 1 for h in heads) and len(shape) == 2:
                    firsts = [h[0] for h in heads]
                    return name if firsts == list(range(shape[0])) else f"{name}[{firsts}]"
        if all(kind == "c" for row in rows for kind, _ in row):
            numbers = [[_literal(v)[0] for _, v in row] for row in rows]
            body = "[" + ", ".join(numbers[0]) + "]" if len(rows) == 1 else _nested(numbers)
            return f"torch.tensor({body}, dtype=torch.float64)"

        def element(ref: Ref) -> str:
            text = self.ref(ref)[0]
            return f"torch.tensor({text}, dtype=torch.float64)" if ref[0] == "c" else text

        stacked = ["torch.stack([" + ", ".join(element(r) for r in row) + "])" for row in rows]
        return stacked[0] if len(rows) == 1 else "torch.stack([" + ", ".join(stacked) + "])"

    def write(self) -> str:
        self.find_layers()
        self.place_inputs()
        for k, batch in enumerate(self.batches):
            name = f"h{k}"
            width = len(self.matrices[batch.matrix][0])
            self.shapes[name] = (width,) if len(batch.rows) == 1 else (len(batch.rows), width)
            self.batch_of_tensor[name] = len(self.g.ops) + k  # a batch's unit number
            for r, outputs in enumerate(batch.outputs):
                for j, node in enumerate(outputs):
                    self.location[node] = (name, (j,) if len(batch.rows) == 1 else (r, j))
            for node in batch.inside:
                self.unit_of[node] = len(self.g.ops) + k
        for i, op in enumerate(self.g.ops):
            if op is not None and op != "frozen" and i not in self.location:
                self.names[i] = self.name_of(i, f"v{i}")
        self.find_reductions()
        lines = self.ordered_lines()
        root = len(self.g.ops) - 1
        lines.append(f"return {self.ref(('n', root))[0]}")
        return self.module(_renumbered(lines))

    def ordered_lines(self) -> list[str]:
        """Each unit's line, every unit after the units it reads (by Kahn's algorithm, in node order)."""
        nodes = len(self.g.ops)
        reads: dict[int, set[int]] = {}
        first: dict[int, int] = {}

        def unit(node: int) -> int | None:
            if node in self.unit_of:
                owner = self.unit_of[node]
                return owner if owner >= 0 else -1 - owner  # a reduction is numbered by its root
            if self.g.ops[node] in (None, "frozen"):
                return None
            return node

        for i in range(nodes):
            u = unit(i)
            if u is None:
                continue
            first.setdefault(u, i)
            if u == i and i not in self.reductions:
                refs: list[Ref] = list(self.g.operands[i])
            elif u == i:
                refs = list(self.reduction_refs[i])
            else:
                refs = []
            deps = reads.setdefault(u, set())
            deps.update(d for kind, j in refs if kind == "n" and (d := unit(j)) is not None and d != u)
        for root, extra in self.reduction_reads.items():
            reads[root].update(
                d for j in extra if (d := (j if j >= nodes else unit(j))) is not None and d != root
            )
        for k, batch in enumerate(self.batches):
            deps = reads.setdefault(nodes + k, set())
            deps.update(
                d for row in batch.rows for kind, j in row if kind == "n" and (d := unit(j)) is not None
            )
            deps.discard(nodes + k)
        waiting = {u: len(d) for u, d in reads.items()}
        readers: dict[int, list[int]] = {}
        for u, deps in reads.items():
            for d in deps:
                readers.setdefault(d, []).append(u)
        ready = [(first[u], u) for u, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        lines = []
        emitted = 0
        while ready:
            _, u = heapq.heappop(ready)
            emitted += 1
            lines.extend(self.unit_code(u).split("\n"))
            for r in readers.get(u, ()):
                waiting[r] -= 1
                if waiting[r] == 0:
                    heapq.heappush(ready, (first[r], r))
        if emitted != len(waiting):  # cannot happen: batches that depend on each other were split
            raise RuntimeError("torch_code: the graph's parts depend on each other in a cycle")
        return lines

    def unit_code(self, u: int) -> str:
        return _tidy(self.raw_unit_code(u))

    def raw_unit_code(self, u: int) -> str:
        nodes = len(self.g.ops)
        if u >= nodes:
            return self.batch_code(u - nodes, self.batches[u - nodes])
        if u in self.reductions:
            return f"{self.names[u]} = " + " + ".join(self.reductions[u])
        op = self.g.ops[u]
        text, _ = _apply(op, [self.ref(r) for r in self.g.operands[u]])  # type: ignore[arg-type]
        return f"{self.names[u]} = {text}"

    def module(self, lines: list[str]) -> str:
        arguments = ", ".join(t.name for t in self.tensors)
        constants: dict[str, str] = {}  # numbers fixed in the graph, as module-level tensors

        def hoist(found: re.Match[str]) -> str:
            return constants.setdefault(found.group(0), f"C{len(constants)}")

        body = "\n".join(f"    {_TENSOR_LITERAL.sub(hoist, line)}" for line in lines)
        imports = (
            "import math\n\nimport torch"
            if "math." in body or "math." in "".join(constants)
            else "import torch"
        )
        if constants:
            imports += "\n\n# Numbers fixed in the graph (data, labels)\n" + "\n".join(
                f"{name} = {text}" for text, name in constants.items()
            )
        described = "\n".join(f"    {t.name}: {self.describe(t)}" for t in self.tensors)
        return (
            '"""Generated by autograd_mini.torch_code: the graph as PyTorch code (float64 tensors)."""\n\n'
            f"{imports}\n\n\n"
            f"def compute({arguments}):\n"
            '    """The root\'s value as a 0-d tensor.\n\n'
            f"{described}\n"
            '    """\n'
            f"{body}\n"
        )

    def describe(self, tensor: TorchTensor) -> str:
        shape = "x".join(map(str, tensor.shape)) if tensor.shape else "scalar"
        kind = tensor.name.rstrip("0123456789")
        if kind == "W":
            role = "weights of a layer (row j: neuron j's w)"
        elif kind == "b" and tensor.shape:
            role = "biases of that layer"
        elif tensor.name in self.argument_names:
            role = f"argument {self.argument_names[tensor.name]} of the traced call"
        else:
            role = "a leaf" + (" (gets a gradient)" if tensor.requires_grad else "")
        return f"{shape}, {role}"


def _tidy(line: str) -> str:
    """The line with only the parentheses Python needs (the code is parsed, never run, here)."""
    return ast.unparse(ast.parse(line))


def _renumbered(lines: list[str]) -> list[str]:
    """Scalar variables renamed v0, v1, ... in the order the lines define them."""
    order: dict[str, str] = {}
    for line in lines:
        found = re.match(r"(v\d+) = ", line)
        if found:
            order.setdefault(found.group(1), f"v{len(order)}")
    return [re.sub(r"\bv\d+\b", lambda m: order.get(m.group(0), m.group(0)), line) for line in lines]


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for size in reversed(shape):
        index.append(flat % size)
        flat //= size
    return tuple(reversed(index))


def _nested(rows: list[list[str]]) -> str:
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "]"


def _literal(value: float) -> tuple[str, bool]:
    """A number as code: its repr (parenthesized when negative), math.inf or math.nan."""
    if math.isnan(value):
        return "math.nan", True
    if math.isinf(value):
        return ("math.inf", True) if value > 0 else ("-math.inf", False)
    text = repr(float(value))
    return text, not text.startswith("-")


def _apply(op: str, operands: list[tuple[str, bool]]) -> tuple[str, bool]:
    """An op on operand code, from TORCH_OPS; non-atomic operands get parentheses."""
    template = TORCH_OPS.get(op)
    if template is None:
        reason = UNSUPPORTED_OPS.get(op, "it is not in TORCH_OPS")
        raise ValueError(f"torch_code: op {op!r} has no PyTorch form ({reason}); add it to TORCH_OPS")
    texts = [text if atomic else f"({text})" for text, atomic in operands]
    code = template.format(**dict(zip("xy", texts, strict=False)))
    return code, template.startswith("torch.") and template.endswith(")")


def _aligned(
    terms: list[list[tuple[str, tuple[int, ...]]]], shapes: dict[str, tuple[int, ...]]
) -> list[str] | None:
    """Slices that read the terms' elements all at once (full rows, columns, tensors), or None.

    Slot s of term t reads tensor element name_s[index]. The axes along which a slot's index
    changes from term to term become ':'; every such slot must run over the same positions
    in the same term order, and together the terms must cover those axes entirely.
    """
    count = len(terms)
    positions: tuple[tuple[int, ...], ...] | None = None
    sizes: list[int] | None = None
    sliced = []
    numbers: dict[int, list[float]] = {}  # slot -> its numbers, term by term, when they differ
    for s, (name, first) in enumerate(terms[0]):
        indices = [term[s][1] for term in terms]
        if name == _NUMBER:
            written = [float(index[0]) for index in indices]
            if len(set(map(repr, written))) == 1:
                sliced.append(_literal(written[0])[0])
            else:
                numbers[s] = written
                sliced.append("")  # written below, once the terms' positions are known
            continue
        varying = [a for a in range(len(first)) if len({index[a] for index in indices}) > 1]
        sliced.append(
            name
            if len(varying) == len(first)
            else f"{name}[{', '.join(':' if a in varying else str(first[a]) for a in range(len(first)))}]"
        )
        if not varying:
            continue
        mine = tuple(tuple(index[a] for a in varying) for index in indices)
        my_sizes = [shapes[name][a] for a in varying]
        if positions is None:
            positions, sizes = mine, my_sizes
        elif mine != positions or my_sizes != sizes:
            return None
    if positions is None or sizes is None or len(set(positions)) != count or math.prod(sizes) != count:
        return None
    for s, values in numbers.items():
        grid: list[Any] = [0.0] * count
        for position, value in zip(positions, values, strict=True):
            flat = 0
            for index, size in zip(position, sizes, strict=True):
                flat = flat * size + index
            grid[flat] = _literal(value)[0]
        for size in reversed(sizes[1:]):
            grid = ["[" + ", ".join(grid[k : k + size]) + "]" for k in range(0, len(grid), size)]
        sliced[s] = f"torch.tensor([{', '.join(grid)}], dtype=torch.float64)"
    return sliced


def torch_code(graph: Value | CompiledFunction, names: Sequence[str] | None = None) -> TorchCode:
    """PyTorch source computing the same value as ``graph`` (a root Value, or a function from ``trace``).

    The source defines ``compute(...)``, taking float64 tensors (``TorchCode.tensors`` says which
    graph input each element is; ``TorchCode.arguments`` builds them) and returning the root's
    value, whose ``backward()`` gives the graph's gradients (``TorchCode.gradients`` lists them in
    the graph's order: a compiled function's, or a root Value's leaves in forward order).
    ``names`` names a traced function's arguments in the code (default arg0, arg1, ...);
    a root Value's leaves are named by their labels where those are plain identifiers.
    """
    if isinstance(graph, CompiledFunction):
        read = _from_compiled(graph)
        if names is not None:
            _rename_arguments(read, names)
    elif type(graph) is Value:
        if names is not None:
            raise TypeError("torch_code: names are for a traced function's arguments; label a Value instead")
        read = _from_value(graph)
    else:
        raise TypeError(
            f"torch_code takes a root Value or a function compiled by trace, got {type(graph).__name__}"
        )
    for op in read.ops:
        if op is not None and op != "frozen" and op not in TORCH_OPS:
            _apply(op, [])  # raises, naming the op
    writer = _Writer(read)
    source = writer.write()
    return TorchCode(source, tuple(writer.tensors), read.values, tuple(read.targets))


def _rename_arguments(graph: _Graph, names: Sequence[str]) -> None:
    """Give the traced call's arguments these names, after checking every one."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"torch_code: names must be a list of str, got {type(names).__name__}")
    count = len(graph.arguments)
    if len(names) != count:
        raise ValueError(f"torch_code: {len(names)} names for the traced call's {count} arguments")
    for name in names:
        usable = (
            isinstance(name, str) and _IDENTIFIER.fullmatch(name) is not None and not keyword.iskeyword(name)
        )
        if not usable or name in _RESERVED or _GENERATED.fullmatch(name):
            raise ValueError(
                f"torch_code: argument name {name!r} must be a Python identifier other than "
                f"{', '.join(sorted(_RESERVED))} and the generated names (W0, b0, h0, v0, C0, ...)"
            )
    if len(set(names)) != len(names):
        raise ValueError(f"torch_code: argument names repeat: {list(names)}")
    renamed = dict(zip(graph.arguments, names, strict=True))
    graph.groups = [(renamed[name], shape, slots) for name, shape, slots in graph.groups]
