"""The modules of crmlab import each other without circles; the public names still resolve.

The import graph is read from the package source with ``ast``: an edge A -> B for
every ``import`` / ``from ... import`` in A of a crmlab module B, **at module level
and inside functions** (lazy imports still tie the two modules together), inside
``if TYPE_CHECKING:`` too, and for ``importlib.import_module("crmlab....")`` with a
literal name.  ``from crmlab.pkg import sub`` is an edge to ``crmlab.pkg.sub`` when
that is a module (a submodule's package is imported first anyway).  Imports of a
computed name (``crmlab.__getattr__``'s lazy attributes, the chapter discovery of
``crmlab.exercises.core``) are not seen.

A facade module may re-export names of the modules that define them (``from
crmlab.lifecycle import classify_lost`` works; ``classify_lost`` is defined in
``crmlab.winback``) as long as the defining modules never import the facade:
shared private helpers live in low-level modules (``crmlab._checks``,
``crmlab._days``, ``crmlab._operational_checks``, ``crmlab._plots``,
``crmlab.data._dataset``).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import crmlab

PACKAGE = Path(crmlab.__file__).resolve().parent

# the circles of the issue: each pair must stay apart
SPLIT_MODULES = [
    ("crmlab.operational", "crmlab.campaigns"),
    ("crmlab.operational", "crmlab.recommend"),
    ("crmlab.lifecycle", "crmlab.winback"),
    ("crmlab.satisfaction", "crmlab.satisfaction_value"),
    ("crmlab.implementation", "crmlab.scorecard"),
    ("crmlab.data.generate", "crmlab.data.io"),
]


# ---------------------------------------------------------------- the graph
def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """``{module: {imported crmlab module: line of the first such import}}``."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {m: {} for m in files}

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in files.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    parts = parts[:len(parts) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                           for a in node.names]
            elif (isinstance(node, ast.Call) and node.args
                  and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                  and (getattr(node.func, "attr", None) == "import_module"
                       or getattr(node.func, "id", None) == "import_module")):
                targets = [node.args[0].value]
            else:
                continue
            for target in targets:
                found = resolve(target)
                if found is not None and found != mod:
                    graph[mod].setdefault(found, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = set()
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.add(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(frozenset(comp))
    return out


def describe(graph, comp) -> str:
    edges = [f"  {a} -> {b} (line {graph[a][b]})" for a in sorted(comp) for b in sorted(comp)
             if b in graph[a]]
    return "circle " + " <-> ".join(sorted(comp)) + ":\n" + "\n".join(edges)


@pytest.fixture(scope="module")
def graph():
    return import_graph(PACKAGE)


def test_the_graph_sees_imports_at_module_level_and_in_functions(graph):
    assert "crmlab.winback" in graph["crmlab.lifecycle"]  # the re-export at the end
    assert "crmlab.data.generate" in graph["crmlab.data.io"]  # inside load()
    assert "crmlab.data.io" in graph["crmlab._checks"]  # under TYPE_CHECKING
    assert "crmlab.exercises.store" in graph["crmlab.exercises.ui"]  # from crmlab.exercises import store


def test_no_import_cycles(graph):
    found = cycles(graph)
    assert not found, "\n".join(describe(graph, c) for c in found)


@pytest.mark.parametrize(("a", "b"), SPLIT_MODULES)
def test_split_modules_do_not_import_each_other_both_ways(graph, a, b):
    assert not (b in graph[a] and a in graph[b])
    assert not any({a, b} <= c for c in cycles(graph))


def test_the_check_finds_a_lazy_circle(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import g\n")
    (pkg / "c.py").write_text("from pkg import a\n")
    g = import_graph(pkg)
    assert g["pkg.sub.b"] == {"pkg.a": 2}
    assert cycles(g) == [frozenset({"pkg.a", "pkg.sub.b"})]


# ---------------------------------------------------------------- the public names
# (module, name) as imported or used as an attribute by notebooks/, solutions/,
# exercises/, docs/, tests/, benchmarks/ and crmlab/ itself, for the split modules and
# their facades
USED = {
    "crmlab.campaigns": ("campaign_uplift", "plot_uplift"),
    "crmlab.cohorts": ("cohort_counts", "cohort_retention", "contract_durations", "kaplan_meier",
        "plot_cohort_heatmap", "plot_survival", "survival_at"),
    "crmlab.data.generate": ("DEFAULT_END", "DEFAULT_START", "MIN_CUSTOMERS", "generate"),
    "crmlab.data.io": ("CRMData", "DEFAULT_DATASETS", "build_sqlite", "check_table", "load"),
    "crmlab.implementation": ("FAILURE_REASONS", "IMPLEMENTATION_STEPS", "SME_PITFALLS",
        "SUCCESS_FACTORS", "failure_reasons", "plot_self_assessment", "self_assessment",
        "success_factors"),
    "crmlab.lifecycle": ("EXIT_REASON_TYPES", "LOST_TYPES", "LOST_TYPES_ZH", "LostTypeRules",
        "STAGES", "STAGES_ZH", "STAGE_LABELS", "StageRules", "WINBACK_WEIGHTS", "assign_stages",
        "classify_lost", "customer_summary", "lifecycle_stages", "lost_signals",
        "plot_lost_types", "plot_stage_counts", "plot_stages", "plot_transition_matrix",
        "plot_win_back", "stage_counts", "transition_matrix", "win_back_ranking"),
    "crmlab.operational": ("CategoryRecommender", "campaign_uplift", "conversion_by",
        "forecast_backtest", "funnel", "holdout_hit_rate", "pipeline_forecast",
        "plot_cooccurrence", "plot_forecast", "plot_funnel", "plot_uplift", "stage_at",
        "stage_durations", "stage_pass_rates"),
    "crmlab.recommend": ("CategoryRecommender", "holdout_hit_rate", "plot_cooccurrence"),
    "crmlab.satisfaction": ("DIMENSIONS", "DIMENSION_ZH", "acsi_index", "acsi_items",
        "acsi_score", "acsi_weights", "annual_margin", "csat", "csat_by", "disconfirmation",
        "importance_performance", "nps", "nps_by", "plot_acsi", "plot_disconfirmation",
        "plot_ipa", "plot_nps", "plot_satisfaction_value", "plot_servqual",
        "satisfaction_by_value", "satisfaction_value_funnel", "servqual_gaps", "servqual_summary"),
    "crmlab.satisfaction_value": ("annual_margin", "plot_satisfaction_value",
        "satisfaction_by_value", "satisfaction_value_funnel"),
    "crmlab.scorecard": ("CRM_INDEX", "DIMENSIONS", "IMPLEMENTATION_STEPS", "IndexSystem",
        "Indicator", "SME_PITFALLS", "ahp_weights", "diagnose", "failure_reasons",
        "pairwise_matrix", "plot_index_ranking", "plot_scorecard", "plot_self_assessment",
        "scorecard", "self_assessment", "success_factors"),
    "crmlab.winback": ("EXIT_REASON_TYPES", "LOST_TYPES", "LOST_TYPES_ZH", "LostTypeRules",
        "WINBACK_WEIGHTS", "classify_lost", "lost_signals", "plot_lost_types", "plot_win_back",
        "win_back_ranking"),
}
FACADES = {
    "crmlab.lifecycle": ["crmlab.winback"],
    "crmlab.operational": ["crmlab.campaigns", "crmlab.recommend"],
    "crmlab.satisfaction": ["crmlab.satisfaction_value"],
    "crmlab.scorecard": ["crmlab.implementation"],
    "crmlab.data.io": ["crmlab.data._dataset"],
}


@pytest.mark.parametrize(("facade", "source"),
                         [(f, s) for f, sources in FACADES.items() for s in sources])
def test_defining_modules_do_not_import_their_facade(graph, facade, source):
    assert facade not in graph[source]


@pytest.mark.parametrize(("module", "name"),
                         [(m, n) for m, names in USED.items() for n in names])
def test_used_public_name_resolves(module, name):
    assert hasattr(importlib.import_module(module), name), f"{module}.{name} is gone"


@pytest.mark.parametrize("module", sorted({*USED, *FACADES, "crmlab"}))
def test_every_name_in___all___resolves(module):
    mod = importlib.import_module(module)
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing


@pytest.mark.parametrize(("facade", "source"),
                         [(f, s) for f, sources in FACADES.items() for s in sources])
def test_facades_re_export_the_defining_objects(facade, source):
    f, s = importlib.import_module(facade), importlib.import_module(source)
    shared = [n for n in f.__all__ if hasattr(s, n)]
    assert shared, f"{facade} re-exports nothing of {source}"
    assert [n for n in shared if getattr(f, n) is not getattr(s, n)] == []


if __name__ == "__main__":  # python tests/test_imports.py: list the circles of crmlab
    g = import_graph(PACKAGE)
    for comp in cycles(g):
        print(describe(g, comp))
