"""The package's layers, read from its imports: nothing imports upward and no import cycle exists.

Bottom to top: the op table and number parsing, the graph walks and the generated kernels,
the engine, what builds on Values (compiler, higher order, nn, losses, optimizers), the
drawings and the explorer, then the command line and the demos. One lazy upward call is
allowed, as PyTorch's ``Tensor.backward`` does: ``backward(create_graph=True)`` hands the
work to higher order.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograd_mini"

LAYERS: list[set[str]] = [
    {
        "ops",
        "_numbers",
        "_nodes",
        "_grad_mode",
        "_collector",
        "_files",
        "checks",
        "datasets",
        "_progress",
        "_browser",
        "_precedence",  # where generated code needs parentheses (compiler)
    },
    {"naming", "_literal_folding"},  # _literal_folding: the table's formulas with literal operands
    {"graph", "kernels", "_kernels_generated", "js_codegen"},
    {"engine"},
    {"_loops"},  # repeated blocks of a traced graph as loops: used by compiler
    {"compiler", "higher_order", "gradcheck", "nn", "losses", "optim"},
    {"_op_exercise"},
    {"torch_bridge", "torch_code"},
    {"compile_cache"},  # builds on compiler
    {
        "_drawing",
        "_folding",
        "_graph_drawing",
        "_rendering",
        "network_drawing",
        "viz",
        "_explorer_page",
        "explorer",
        "_exercise_parts",
        "_quiz",
        "recording",
        "training_page",
        "training_export",
    },
    {"cli", "demos", "__init__", "__main__", "exercises", "_exercise_builtins"},
]

# (importer, imported): the one documented lazy import that goes up a layer.
ALLOWED_UPWARD = {("engine", "higher_order")}


def _modules() -> dict[str, Path]:
    return {path.stem: path for path in sorted(PACKAGE.glob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(package module imported, whether the import is inside a function) for one module."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:  # the TYPE_CHECKING branch never runs
                visit(child, lazy)
            return
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.append((node.module.split(".")[0], lazy))
            else:
                found.extend((alias.name, lazy) for alias in node.names)
        inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def _layer_of(module: str) -> int:
    for index, layer in enumerate(LAYERS):
        if module in layer:
            return index
    raise AssertionError(f"autograd_mini/{module}.py is in no layer: add it to LAYERS in {__file__}")


def test_every_module_has_a_layer() -> None:
    for module in _modules():
        _layer_of(module)


@pytest.mark.parametrize("module", sorted(_modules()))
def test_no_module_imports_from_a_higher_layer(module: str) -> None:
    for imported, lazy in _imports(_modules()[module]):
        if _layer_of(imported) > _layer_of(module):
            assert lazy and (module, imported) in ALLOWED_UPWARD, (
                f"{module} (layer {_layer_of(module)}) imports {imported} (layer {_layer_of(imported)})"
            )


def test_module_level_imports_have_no_cycle() -> None:
    graph = {
        module: {imported for imported, lazy in _imports(path) if not lazy and imported in _modules()}
        for module, path in _modules().items()
    }
    done: set[str] = set()
    for start in graph:  # iterative depth-first search with the path on a stack
        path, stack = [start], [iter(sorted(graph[start]))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                done.add(path.pop())
                stack.pop()
            elif following in path:
                cycle = [*path[path.index(following) :], following]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            elif following not in done:
                path.append(following)
                stack.append(iter(sorted(graph[following])))


def test_exactly_one_lazy_upward_import() -> None:
    upward = [
        (module, imported)
        for module, path in _modules().items()
        for imported, lazy in _imports(path)
        if lazy and _layer_of(imported) > _layer_of(module)
    ]
    assert upward == sorted(ALLOWED_UPWARD)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an upward import written into a module is found."""
    module = tmp_path / "engine.py"
    module.write_text("from .viz import draw_graph\nif TYPE_CHECKING:\n    from .nn import MLP\n")
    assert _imports(module) == [("viz", False)]
    assert _layer_of("viz") > _layer_of("engine")


def test_the_bottom_layer_imports_only_the_standard_library() -> None:
    for module in LAYERS[0]:
        assert [imported for imported, _ in _imports(PACKAGE / f"{module}.py")] == [], module
