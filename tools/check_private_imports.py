"""No module uses another module's underscore names (docs/architecture.md#layers).

Flags, in the project's own code (chatdesk/, consumers/):
- ``from x import _name`` (``_name`` not a dunder), wherever ``x`` is;
- ``module._name`` where ``module`` was bound by ``import`` / ``from … import module`` of a
  project module.
ruff's PLC2701 (import-private-name) leaves imports inside one package alone, which is where
these are, hence this small check.  Exit status 1 and one line per finding when any is found.
Run: ``python tools/check_private_imports.py [paths…]`` (``make lint``).
"""

import ast
import sys
from pathlib import Path

PROJECT = ("chatdesk", "consumers")
ROOT = Path(__file__).resolve().parent.parent


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_project(module, level):
    return level > 0 or (module or "").split(".")[0] in PROJECT


def findings(path):
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    modules = set()  # local names bound to project modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"imports {alias.name} from {'.' * node.level}{node.module or ''}"))
                elif _is_project(node.module, node.level) and alias.name[:1].islower():
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PROJECT and alias.asname:
                    modules.add(alias.asname)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name) and node.value.id in modules:
            found.append((node.lineno, f"uses {node.value.id}.{node.attr}"))
    return sorted(found)


def main(argv):
    paths = [Path(p) for p in argv] or [ROOT / p for p in PROJECT]
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py")) if "migrations" not in f.parts)
    bad = 0
    for f in files:
        for lineno, what in findings(f):
            bad += 1
            print(f"{f.relative_to(ROOT) if f.is_absolute() else f}:{lineno}: {what}")
    if bad:
        print(f"{bad} use(s) of another module's underscore names: give them a public name and a contract.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
