"""The class of the graph's nodes, for the modules below the engine.

``graph`` and ``naming`` walk and name Values without importing the engine (which imports
them); the engine registers ``Value`` here once, right after defining it, so they can
still tell a node from anything else by exact class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["is_node", "node_class", "register"]

_registered: list[type[Value]] = []


def register(value_class: type[Value]) -> None:
    """Record the class of graph nodes (the engine calls this once, for Value)."""
    _registered[:] = [value_class]


def node_class() -> type[Value]:
    """The registered class of graph nodes (Value)."""
    return _registered[0]


def is_node(thing: object) -> bool:
    """True for a graph node: an instance of exactly the registered class."""
    return type(thing) is _registered[0]
