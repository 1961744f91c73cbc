"""Names for the values of a graph, shared by the drawings, the explorer and the command line.

Every value gets one name, unique within the graph: its label when that is a simple name
used by no other value (a leaf keeps its name from computed values that share it), else
its parameter name (``layers.0.neurons.1.w.0``), else an
automatic ``t1``, ``t2``, ... in forward order that no label or parameter name uses. A
derivative is then written with names alone (∂t2/∂x): a label such as ``x*w + b`` is
shown beside its value but never spliced into a fraction.

This module sits below the engine, as ``graph`` does: it is handed the graph's forward
order, and knows the class of its nodes from ``_nodes``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ._nodes import node_class

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["abbreviate", "assign_names", "is_simple_name", "parameter_names", "short_names"]

# A name that reads unambiguously inside ∂a/∂b: an identifier, optionally a dotted path
# whose later parts may be numbers (layers.0.neurons.1.w.0).
_SIMPLE = re.compile(r"[^\W\d]\w*(\.\w+)*")

NamedParameters = Mapping[str, "Value"] | Iterable[tuple[str, "Value"]]


def is_simple_name(text: str) -> bool:
    """True for an identifier or dotted path (x, w1, layers.0.b): safe to use in a fraction."""
    return _SIMPLE.fullmatch(text) is not None


def parameter_names(parameters: object, node_type: type[Value] | None = None) -> dict[Value, str]:
    """Names for parameters: a Module's ``named_parameters()``, a name -> Value mapping, or none.

    A plain collection of Values carries no names and gives an empty dict. ``node_type`` is
    the class of the graph's nodes, Value by default.
    """
    node_type = node_class() if node_type is None else node_type
    if parameters is None:
        return {}
    named = getattr(parameters, "named_parameters", None)
    if callable(named):
        pairs = list(named())
    elif isinstance(parameters, Mapping):
        pairs = list(parameters.items())
    elif isinstance(parameters, Collection) and all(isinstance(p, node_type) for p in parameters):
        return {}
    else:
        raise TypeError(
            "parameters must be a Module, a mapping of names to Values or a collection of Values, "
            f"got {type(parameters).__name__}"
        )
    names: dict[Value, str] = {}
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, node_type):
            raise TypeError(f"parameters: expected (str, Value) pairs, got ({name!r}, {value!r})")
        names.setdefault(value, name)
    return names


def assign_names(order: Sequence[Value], given: Mapping[Value, str]) -> dict[Value, str]:
    """A unique simple name for every value of ``order`` (forward order; see the module docstring).

    ``given`` holds the parameter names (``parameter_names``).
    """
    wanted = {node: _preferred(node, given) for node in order}
    holders: dict[str, list[Value]] = {}
    for node, name in wanted.items():
        if name:
            holders.setdefault(name, []).append(node)
    keeps = {name: _keeper(nodes) for name, nodes in holders.items()}
    taken = {node.label for node in order} | set(given.values()) | set(wanted.values())
    names: dict[Value, str] = {}
    counter = 0
    for node in order:
        name = wanted[node]
        if not name or keeps[name] is not node:  # two values called x would make ∂t/∂x ambiguous
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            name = f"t{counter}"
        names[node] = name
    return names


def _keeper(nodes: list[Value]) -> Value | None:
    """Who keeps a wanted name: its only holder, else its only leaf (inputs and parameters are
    what the user named; a computed value such as the CLI's ``out`` yields), else nobody."""
    if len(nodes) == 1:
        return nodes[0]
    leaves = [node for node in nodes if node.is_leaf]
    return leaves[0] if len(leaves) == 1 else None


def _preferred(node: Value, given: Mapping[Value, str]) -> str:
    """The label if it is a simple name, else the parameter name, else '' (an automatic name)."""
    if is_simple_name(node.label):
        return node.label
    name = given.get(node, "")
    return name if is_simple_name(name) else ""


def abbreviate(path: str) -> str:
    """A dotted path with each numbered module list as its initial: layers.1.neurons.2.w.0 -> L1.N2.w0.

    A list name of one letter (a neuron's ``w``) keeps its letter as written; other parts are kept.
    """
    parts = path.split(".")
    shown: list[str] = []
    position = 0
    while position < len(parts):
        part = parts[position]
        following = parts[position + 1] if position + 1 < len(parts) else ""
        if following.isascii() and following.isdigit() and part and not part.isdigit():
            shown.append((part if len(part) == 1 else part[0].upper()) + following)
            position += 2
        else:
            shown.append(part)
            position += 1
    return ".".join(shown)


def short_names(names: Mapping[Value, str], given: Mapping[Value, str]) -> dict[Value, str]:
    """Each value's name for narration: a parameter's name abbreviated (``abbreviate``), others as is.

    ``names`` are ``assign_names``'s, ``given`` the parameter names. Labels are kept as the user
    wrote them; an abbreviation that two values would share, or that is another value's name,
    is not used (those values keep their full names), so a short name still names one value.
    """
    wanted = {node: abbreviate(name) if given.get(node) == name else name for node, name in names.items()}
    holders: dict[str, int] = {}
    for name in wanted.values():
        holders[name] = holders.get(name, 0) + 1
    full = set(names.values())
    return {
        node: short if short == names[node] or (holders[short] == 1 and short not in full) else names[node]
        for node, short in wanted.items()
    }
