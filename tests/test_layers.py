"""The package's layers import only downward: the import-linter contract in pyproject.toml holds, and it
fails when a lower layer imports an upper one (proved on a copy of the package with one upward import)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import boligassistent

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(boligassistent.__file__).resolve().parent


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """Run the repository's import-linter contracts on the `boligassistent` package found in `package_parent`."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
                           "--config", str(REPO_ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_package_keeps_its_layers():
    result = lint_imports(PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers import only downward KEPT" in result.stdout


def test_the_contract_fails_when_a_lower_layer_imports_an_upper_one(tmp_path):
    copy = tmp_path / "src" / "boligassistent"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    text = copy / "text" / "sentences.py"
    text.write_text(text.read_text(encoding="utf-8") + "\nfrom boligassistent.retrieval import types  # noqa\n",
                    encoding="utf-8")
    result = lint_imports(copy.parent)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Layers import only downward BROKEN" in result.stdout
    assert "boligassistent.text is not allowed to import boligassistent.retrieval" in result.stdout
    assert "boligassistent.text.sentences -> boligassistent.retrieval.types" in result.stdout
