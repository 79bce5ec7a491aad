"""The house plan holds: layers import only downwards, no cycles, no private names across modules,
small modules, and `import fviz_widgets` stays light. Read from the source (ast), not assumed."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fviz_widgets"

#: What each part may import at module level (besides itself and third-party packages).
ALLOWED = {
    "core": set(),
    "datasets": set(),
    "objectives": {"core"},
    "params": {"core"},
    "transforms": {"core"},
    "stats": {"core"},
    "dataset_examples": {"core", "objectives"},
    "viz": {"core"},
    "zoo": {"core", "datasets"},
    "render": {"core", "objectives", "params", "transforms"},
    "invariance": {"core", "objectives", "params", "transforms"},
    "ifv": {"core", "objectives", "params", "transforms", "render"},
    "live": {"core", "objectives", "params", "transforms", "render"},
    "experiments": {"core", "objectives", "params", "transforms", "render", "ifv", "zoo", "datasets", "stats"},
    "atlas": {"core", "objectives", "params", "transforms", "render", "experiments", "zoo", "datasets",
              "dataset_examples", "stats"},
    "widgets": {"core", "objectives", "params", "transforms", "render", "invariance", "ifv", "experiments", "stats",
                "dataset_examples", "viz"},
}
ENGINE = ("core", "objectives", "params", "transforms", "stats", "dataset_examples", "render", "invariance", "ifv")
HEAVY = ("matplotlib", "imageio", "anywidget", "ipywidgets", "traitlets", "IPython")


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text())


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else ""


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, path: Path, tree: ast.Module, top_level: bool):
    """(imported module, names, line) of the package's own imports, at module level or inside functions."""
    body = tree.body if top_level else [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nodes = body if top_level else [n for f in body for n in ast.walk(f)]
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, node, path.name == "__init__.py")
            if target.startswith("fviz_widgets"):
                names = [a.name for a in node.names]
                # `from . import x` imports the submodule x
                subs = [f"{target}.{n}" for n in names if (PACKAGE.parent / f"{target}.{n}".replace(".", "/")).exists()
                        or (PACKAGE.parent / (f"{target}.{n}".replace(".", "/") + ".py")).exists()]
                yield (subs[0] if len(subs) == 1 and len(names) == 1 else target), names, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("fviz_widgets"):
                    yield alias.name, [], node.lineno


def external(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module.split(".")[0]


def upward(top_level: bool, also=()):
    """Imports that reach a part the importing part may not import (`also`: parts allowed extra)."""
    wrong = []
    for module, path, tree in modules():
        own = part(module)
        if own in ("", "cli") or (not top_level and own not in ENGINE):
            continue
        for target, _, line in imports(module, path, tree, top_level):
            other = part(target)
            if other not in (own, "", *also) and other not in ALLOWED[own]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} ({own}) imports {target}")
    return wrong


def test_layers_import_only_downwards():
    wrong = upward(top_level=True)
    assert not wrong, "\n".join(wrong)


def test_engine_imports_no_widgets_or_plotting_at_module_level():
    wrong = []
    for module, path, tree in modules():
        if part(module) in ENGINE:
            heavy = sorted(set(external(tree)) & set(HEAVY))
            if heavy:
                wrong.append(f"{path.relative_to(PACKAGE)}: {heavy}")
    assert not wrong, "\n".join(wrong)


def test_engine_imports_upwards_only_into_viz_and_only_when_called():
    """Results call viz lazily (show, save); nothing else reaches up, even inside a function."""
    wrong = upward(top_level=False, also=("viz",))
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = {}
    for module, path, tree in modules():
        graph[module] = {t for t, _, _ in imports(module, path, tree, top_level=True) if t != module}
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            nxt = nxt if nxt in graph else next((m for m in graph if nxt.startswith(m + ".")), None)
            if nxt is None or state.get(nxt) == "done":
                continue
            # a package importing its own submodules is how packages re-export, not a cycle
            if nxt.startswith(node + ".") or (state.get(nxt) == "open" and node.startswith(nxt + ".")):
                continue
            if state.get(nxt) == "open":
                pytest.fail("import cycle: " + " → ".join(trail[trail.index(nxt):] + [node, nxt]))
            visit(nxt, trail + [node])
        state[node] = "done"

    for module in graph:
        if module not in state:
            visit(module, [])


def test_no_private_names_cross_modules():
    wrong = []
    for module, path, tree in modules():
        for top_level in (True, False):
            for target, names, line in imports(module, path, tree, top_level):
                private = [n for n in names if n.startswith("_") and n != "__version__"]
                if private and target != module:
                    wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {private} from {target}")
    assert not wrong, "\n".join(wrong)


def test_modules_are_small_or_say_why():
    long = []
    for _, path, tree in modules():
        lines = len(path.read_text().splitlines())
        doc = ast.get_docstring(tree) or ""
        if lines > 500 and "Why this module is long" not in doc:
            long.append(f"{path.relative_to(PACKAGE)}: {lines} lines")
    assert not long, "\n".join(long)


def test_import_fviz_widgets_stays_light_and_re_exports_only():
    code = ("import sys, fviz_widgets as fv; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'imageio', 'anywidget', 'ipywidgets') or m.startswith(('fviz_widgets.widgets', "
            "'fviz_widgets.experiments', 'fviz_widgets.viz'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name != "__getattr__"]
    assert not defined, f"fviz_widgets/__init__.py defines {defined}; it should only re-export"


def test_public_names_resolve_to_the_functions_not_the_packages():
    import fviz_widgets as fv
    from fviz_widgets.invariance import InvarianceResult
    from fviz_widgets.render import RenderResult

    assert callable(fv.render) and callable(fv.invariance) and callable(fv.render_layer)
    assert fv.RenderResult is RenderResult and fv.InvarianceResult is InvarianceResult
    assert fv.experiments.IFVConfig.__module__ == "fviz_widgets.experiments.config"
