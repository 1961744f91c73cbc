"""The built wheel installs into a fresh virtual environment and works there, with no network.

The wheel is built from a copy of the sources (so the shared tree never gets build/ or
egg-info churn) with ``--no-isolation``: an isolated build would download setuptools.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import graphviz
import pytest

from autograd_mini.demos import DEMOS
from tests.helpers import ROOT

pytestmark = pytest.mark.wheel  # every test here uses the wheel built once for the module

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "autograd_mini")


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that could put the source tree on the venv's path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return env | extra


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env or _clean_env(), capture_output=True, text=True, timeout=120
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _ok(_run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, ".", cwd=src))
    (built,) = dist.glob("autograd_mini-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    _ok(_run(sys.executable, "-m", "venv", env, cwd=env))
    python = env / "bin" / "python"
    _ok(_run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=env))
    return env


def test_wheel_holds_the_package_the_marker_and_the_license(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    assert "autograd_mini/py.typed" in names
    assert "autograd_mini/engine.py" in names
    assert {f"autograd_mini/demos/{name}.py" for name in DEMOS} <= names  # the demos ship in the package
    assert {"autograd_mini/demos/__init__.py", "autograd_mini/demos/__main__.py"} <= names
    for asset in ("explorer.js", "explorer.css", "body.html"):  # the explorer page's fixed parts
        assert f"autograd_mini/explorer_assets/{asset}" in names
    assert any(".dist-info/" in n and n.endswith("LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "demos/", "benchmarks/")) for n in names)
    assert "MIT" in metadata


def test_license_file_is_mit_as_pyproject_says() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the autograd-mini authors" in text
    declared = re.search(r"^license\s*=\s*(.+)$", (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert declared is not None and "MIT" in declared.group(1)


def test_installed_package_imports_from_the_venv_with_its_type_marker(venv: Path, tmp_path: Path) -> None:
    code = (
        "import pathlib, autograd_mini as a\n"
        "here = pathlib.Path(a.__file__).parent\n"
        "print(here)\n"
        "print((here / 'py.typed').is_file())\n"
        "x = a.Value(3.0); y = x * x; y.backward(); print(x.grad)\n"
        "from autograd_mini._explorer_page import asset\n"
        "print(len(asset('explorer.js')) > 1000 and 'use strict' in asset('explorer.js'))\n"
    )
    where, typed, grad, script = _ok(_run(venv / "bin" / "python", "-c", code, cwd=tmp_path)).split()
    assert Path(where).is_relative_to(venv)  # the installed copy, not the source tree
    assert typed == "True"
    assert grad == "6.0"
    assert script == "True"  # the explorer's script is read from the installed package


def test_command_without_the_viz_extra_names_the_extra(venv: Path, tmp_path: Path) -> None:
    assert "draw" in _ok(_run(venv / "bin" / "autograd-mini", "--help", cwd=tmp_path))
    result = _run(
        venv / "bin" / "autograd-mini", "draw", "x*y", "--at", "x=3", "y=-4", "-o", "g.dot", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "autograd-mini[viz]" in result.stderr
    assert not (tmp_path / "g.dot").exists()


def test_command_with_the_graphviz_package_draws(venv: Path, tmp_path: Path) -> None:
    # Offline stand-in for `pip install 'autograd-mini[viz]'`: the graphviz package we already
    # have (pure Python, no dependencies) goes on the venv's path, and nothing else does.
    extra = tmp_path / "viz-extra"
    extra.mkdir()
    (extra / "graphviz").symlink_to(Path(graphviz.__file__).parent)
    env = _clean_env(PYTHONPATH=str(extra))
    command: list[str | Path] = [
        venv / "bin" / "autograd-mini",
        "draw",
        "tanh(x*w + b)",
        "--at",
        "x=2",
        "w=-3",
        "b=6.88",
    ]
    out = _ok(_run(*command, "-o", "graph.svg", cwd=tmp_path, env=env))
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert rows["w"] == ["input", "-3", "1.00194"]  # dtanh/dw = x * (1 - tanh^2) at the given point
    assert "<svg" in (tmp_path / "graph.svg").read_text()


def _graphviz_extra(tmp_path: Path) -> dict[str, str]:
    """An environment with only the graphviz package added: an offline stand-in for the viz extra."""
    extra = tmp_path / "viz-extra"
    extra.mkdir()
    (extra / "graphviz").symlink_to(Path(graphviz.__file__).parent)
    return _clean_env(PYTHONPATH=str(extra))


def test_installed_command_lists_the_demos(venv: Path, tmp_path: Path) -> None:
    listed = _ok(_run(venv / "bin" / "autograd-mini", "demo", "--list", cwd=tmp_path))
    names = [line.split()[0] for line in listed.splitlines() if line[:1].isalpha()]
    assert names[: len(DEMOS)] == list(DEMOS)
    assert "--compiled" in _ok(_run(venv / "bin" / "autograd-mini", "demo", "--help", cwd=tmp_path))
    runner = _ok(_run(venv / "bin" / "python", "-m", "autograd_mini.demos", "--list", cwd=tmp_path))
    assert runner == listed


def test_installed_demo_without_its_extra_names_the_extra(venv: Path, tmp_path: Path) -> None:
    # Only the standard library is installed: the package and its demo list import, the demo stops at once.
    result = _run(venv / "bin" / "autograd-mini", "demo", "chain_rule", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "autograd-mini: error: demo chain_rule needs graphviz, which is not installed: "
        "pip install 'autograd-mini[viz]'"
    ]
    assert not (tmp_path / "out").exists()
    result = _run(venv / "bin" / "python", "-m", "autograd_mini.demos.moons", "--quick", cwd=tmp_path)
    assert result.returncode == 1
    assert "pip install 'autograd-mini[demos]'" in result.stderr and "Traceback" not in result.stderr


def test_installed_demo_runs_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    env = _graphviz_extra(tmp_path)
    code = "import autograd_mini.demos.chain_rule as m; print(m.__file__)"
    where = _ok(_run(venv / "bin" / "python", "-c", code, cwd=tmp_path, env=env)).strip()
    assert Path(where).is_relative_to(venv)  # the installed copy: the source tree is not on the path
    out = _ok(_run(venv / "bin" / "autograd-mini", "demo", "chain_rule", cwd=tmp_path, env=env))
    assert "dL/dx = dL/dz * dz/dx = 2 * -4 = -8" in out
    assert (tmp_path / "out" / "chain_rule_graph.dot").read_text().startswith("digraph")
    refused = _run(venv / "bin" / "autograd-mini", "demo", "chain_rule", "--quick", cwd=tmp_path, env=env)
    assert refused.returncode == 2 and refused.stderr.startswith("autograd-mini: error: demo chain_rule")
