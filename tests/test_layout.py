"""The layout's import rules, read from the source: every import counts, in a function or not.

The apps form layers (``lead411/<app>/``; a nested app such as ``leads/sources/edgar``
belongs to its top folder): no cycle between apps; ``core`` is the kernel and imports no
domain app; ``privacy`` and ``site`` sit on top and no app imports them; ``weblog`` never
reaches the member's identity (clause P2). Tests are left out: a test may use any app.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lead411"
TOP_FLOOR = {"privacy", "site"}
IDENTITY_NAMES = {"get_user_model", "AUTH_USER_MODEL"}


def _source_files(package: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        if len(parts) < 2 or "tests" in parts:
            continue
        yield parts[0], path


def _imported_modules(tree: ast.AST, module: str) -> Iterator[tuple[str, int]]:
    """Yield ``(absolute module, line)`` of every import statement, anywhere in the file."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # ``from lead411 import leads`` names the app itself
                yield f"{target}.{alias.name}", node.lineno


def app_imports(package: Path) -> dict[str, dict[str, list[str]]]:
    """Return ``{app: {imported app: ["path:line", ...]}}`` for imports between apps."""
    found: dict[str, dict[str, list[str]]] = {}
    for app, path in _source_files(package):
        module = ".".join(("lead411", *path.relative_to(package).with_suffix("").parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target, line in _imported_modules(tree, module):
            parts = target.split(".")
            if parts[0] != "lead411" or len(parts) < 2 or parts[1] == app:
                continue
            if not (package / parts[1]).is_dir():
                continue
            where = f"{path.relative_to(package.parent)}:{line}"
            found.setdefault(app, {}).setdefault(parts[1], []).append(where)
    return found


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Return each cycle of the app graph once, as ``[a, b, ..., a]`` (depth-first search)."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, {})):
            if nxt in path:
                loop = [*path[path.index(nxt) :], nxt]
                key = frozenset(loop)
                if key not in seen:
                    seen.add(key)
                    found.append(loop)
            else:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, list[str]]]:
    return app_imports(PACKAGE)


def test_no_import_cycle_between_apps(graph):
    assert cycles(graph) == []


def test_core_imports_no_domain_app(graph):
    assert graph.get("core", {}) == {}


def test_no_app_imports_the_top_floor(graph):
    assert {
        app: sorted(set(targets) & TOP_FLOOR)
        for app, targets in graph.items()
        if set(targets) & TOP_FLOOR
    } == {}


@pytest.mark.clause("P2")
def test_weblog_never_reaches_member_identity(graph):
    assert sorted(set(graph.get("weblog", {})) & {"accounts", "activity"}) == []
    named = []
    for app, path in _source_files(PACKAGE):
        if app != "weblog":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = getattr(node, "id", None) or getattr(node, "attr", None)
            if name in IDENTITY_NAMES:
                named.append(f"{path.name}:{getattr(node, 'lineno', '?')}")
    assert named == []


def test_the_reader_sees_imports_inside_functions_and_finds_cycles(tmp_path):
    """The rules above could pass by reading nothing: prove the reader on a tiny tree."""
    for app, body in {
        "alpha": "def f():\n    from lead411.beta.models import Thing\n",
        "beta": "from lead411.gamma import services\n",
        "gamma": "import lead411.alpha.views\n",
        "core": "from .. import alpha\n",
    }.items():
        (tmp_path / app).mkdir()
        (tmp_path / app / "services.py").write_text(body)
    graph = app_imports(tmp_path)
    assert {a: sorted(t) for a, t in graph.items()} == {
        "alpha": ["beta"],
        "beta": ["gamma"],
        "core": ["alpha"],
        "gamma": ["alpha"],
    }
    assert cycles(graph) == [["alpha", "beta", "gamma", "alpha"]]
