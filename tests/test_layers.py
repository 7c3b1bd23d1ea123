"""The layers of docs/architecture.md hold: every import-linter contract in pyproject.toml is
kept (apps import only downward, inside functions too; the faces are independent; the roster
reader and the levies sub-packages keep their order). CI's lint step runs the same check."""

from __future__ import annotations

import os

from django.conf import settings
from importlinter.cli import lint_imports


def test_every_layer_contract_is_kept(capsys):
    previous = os.getcwd()
    os.chdir(settings.BASE_DIR)
    try:
        result = lint_imports(no_cache=True, no_logo=True)
    finally:
        os.chdir(previous)
    report = capsys.readouterr().out
    assert result == 0, report
    assert "4 kept, 0 broken" in report
