"""employers is the lowest app: it imports nothing from the apps above it, not even inside a
function (docs/notifications.md, "Workplace visits live in notifications")."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ABOVE = {"enrolment", "levies", "notifications", "api", "portal", "demo"}


def imported_apps(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_employers_imports_no_app_above_it():
    root = Path(settings.BASE_DIR) / "employers"
    offending = {
        str(path.relative_to(root)): sorted(imported_apps(path) & ABOVE)
        for path in sorted(root.rglob("*.py"))
        if imported_apps(path) & ABOVE
    }

    assert offending == {}
