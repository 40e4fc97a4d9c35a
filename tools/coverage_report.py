"""API coverage report: which names of PyTorch's public API glasstorch has, and how many oracle
test cases exercise each one.  Run by `make coverage`; a dev tool, so it imports real torch.

    python tools/coverage_report.py                  # every name, then totals per group
    python tools/coverage_report.py --group linalg   # one group (tensor, torch, functional, nn,
                                                     # linalg)
    python tools/coverage_report.py --missing        # only names glasstorch lacks
    python tools/coverage_report.py --json           # machine-readable

The groups, as read from the installed torch:
  tensor      public (no leading '_') attributes of torch.Tensor: methods and properties;
  torch       public callables of the torch module that are not classes or modules;
  functional  public functions of torch.nn.functional (minus its imported helpers);
  nn          classes in torch.nn that subclass torch.nn.Module (the layers and containers);
  linalg      public callables of torch.linalg.
A name is *present* when the matching glasstorch object (glasstorch.Tensor, glasstorch,
glasstorch.nn.functional, glasstorch.nn, glasstorch.linalg) has an attribute of that name.

How test cases are counted (a heuristic, simple on purpose):
  1. pytest collects the test suite (nothing runs), so every parametrized case is one item.
  2. Only items from *oracle* test modules count: modules whose source imports torch or the
     oracle harness (`tests.oracle`).
  3. Each item's text is the source of its test function (from `def` on, without decorators)
     plus its parameter values: strings as they are, functions (table lambdas) by their source
     line or their `__name__`, other objects by their fields or repr.
  4. A name is *mentioned* by an item when its text contains it as an attribute (`.name`, as in
     `t.add(`, `x.shape`, `nn.Linear(`), as a call (`name(`), or as a quoted string (`"name"`).
     The count for a name is the number of items that mention it.
It cannot see names reached only through helpers outside the test function, tables looped over
inside one test, or Python operators (`a * b` does not count for `mul`); and one mention counts
for every group that has the name (`F.relu` also counts for `torch.relu`).
"""
import argparse
import contextlib
import importlib
import inspect
import io
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GROUPS = [
    # key, title
    ("tensor", "torch.Tensor methods and properties"),
    ("torch", "torch.* functions"),
    ("functional", "torch.nn.functional"),
    ("nn", "torch.nn layers"),
    ("linalg", "torch.linalg"),
]

# names torch.nn.functional imports for its own use; not part of its API
_FUNCTIONAL_HELPERS = {"Optional", "assert_int_or_pair", "boolean_dispatch",
                       "handle_torch_function", "has_torch_function",
                       "has_torch_function_unary", "has_torch_function_variadic"}


# ---------------------------------------------------------------------------------------------
# The names: torch's side and glasstorch's side
# ---------------------------------------------------------------------------------------------
def _public_callables(module):
    """Public callables of `module` that are neither classes nor modules."""
    names = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj):
            names.append(name)
    return names


def torch_names():
    """{group key: sorted list of torch's public names in that group}."""
    import torch
    import torch.nn.functional as F
    layers = [name for name in dir(torch.nn) if not name.startswith("_")
              and inspect.isclass(getattr(torch.nn, name))
              and issubclass(getattr(torch.nn, name), torch.nn.Module)]
    return {
        "tensor": sorted(n for n in dir(torch.Tensor) if not n.startswith("_")),
        "torch": sorted(_public_callables(torch)),
        "functional": sorted(n for n in _public_callables(F) if n not in _FUNCTIONAL_HELPERS),
        "nn": sorted(layers),
        "linalg": sorted(_public_callables(torch.linalg)),
    }


def _import_or_none(module_name):
    try:
        return importlib.import_module(module_name)
    except ImportError:
        return None


def glasstorch_namespaces():
    """{group key: the glasstorch object whose attributes are that group's names (or None)}."""
    import glasstorch
    return {
        "tensor": glasstorch.Tensor,
        "torch": glasstorch,
        "functional": _import_or_none("glasstorch.nn.functional"),
        "nn": _import_or_none("glasstorch.nn"),
        "linalg": _import_or_none("glasstorch.linalg"),
    }


# ---------------------------------------------------------------------------------------------
# The test cases: collect with pytest, turn each item into text, find the names it mentions
# ---------------------------------------------------------------------------------------------
_ATTRIBUTE = re.compile(r"\.([A-Za-z_]\w*)")
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_QUOTED = re.compile(r"[\"']([A-Za-z_]\w*)[\"']")
_DEF = re.compile(r"^\s*(async\s+)?def\s", re.M)
_ORACLE_MODULE = re.compile(r"^\s*(import torch\b|from torch\b|from tests\.oracle\b|"
                            r"from \.+oracle\b|import tests\.oracle\b)", re.M)


def mentioned_names(text):
    """Identifiers that `text` uses as `.name`, `name(` or `"name"`."""
    return set(_ATTRIBUTE.findall(text)) | set(_CALL.findall(text)) | set(_QUOTED.findall(text))


def _source(obj, cache):
    key = id(obj)
    if key not in cache:
        try:
            cache[key] = inspect.getsource(obj)
        except (OSError, TypeError):
            cache[key] = ""
    return cache[key]


def _function_source(function, cache):
    """The source of a test function from its `def` on: decorators are left out, since the
    parametrize argument names are not mentions (the parameter values are read separately)."""
    text = _source(function, cache)
    start = _DEF.search(text)
    return text[start.start():] if start else text


def _value_text(value, cache, depth=0):
    """Text that stands for a parameter value (see the module docstring, step 3)."""
    if depth > 3:
        return ""
    if isinstance(value, str):
        return f'"{value}" '
    if callable(value) and not inspect.isclass(value):
        name = getattr(value, "__name__", "")
        text = _source(value, cache) if inspect.isfunction(value) else ""
        return f'"{name}" {text} ' if name and name != "<lambda>" else text + " "
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(_value_text(v, cache, depth + 1) for v in value)
    if isinstance(value, dict):
        return " ".join(_value_text(v, cache, depth + 1) for v in value.values())
    fields = getattr(value, "__dict__", None)
    if fields and not inspect.ismodule(value):
        return " ".join(_value_text(v, cache, depth + 1) for v in fields.values())
    return repr(value)[:500] + " "


class _Collector:
    """A pytest plugin that keeps the collected items and the modules that failed to import."""

    def __init__(self):
        self.items = []
        self.errors = []

    def pytest_collection_modifyitems(self, items):
        self.items = list(items)

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(report.nodeid)


def collect_mentions(paths):
    """One set of mentioned names per oracle test item, and the files that failed to collect."""
    import pytest
    collector = _Collector()
    args = [os.path.abspath(p) for p in paths]
    args += ["--collect-only", "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors"]
    cwd = os.getcwd()
    os.chdir(REPO)  # so that `tests.oracle.harness` imports as the suite expects
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(args, plugins=[collector])
    finally:
        os.chdir(cwd)
    source_cache, module_is_oracle, mentions = {}, {}, []
    for item in collector.items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        if module.__name__ not in module_is_oracle:
            module_is_oracle[module.__name__] = bool(
                _ORACLE_MODULE.search(_source(module, source_cache)))
        if not module_is_oracle[module.__name__]:
            continue
        text = _function_source(item.function, source_cache)
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            text += " " + _value_text(list(callspec.params.values()), source_cache)
        mentions.append(mentioned_names(text))
    return mentions, collector.errors


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------
def build_report(test_paths):
    """{group: {"title", "present", "total", "names": {name: {"present", "cases"}}}}."""
    mentions, errors = collect_mentions(test_paths)
    counts = {}
    for names in mentions:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    theirs, namespaces = torch_names(), glasstorch_namespaces()
    report = {}
    for key, title in GROUPS:
        names, ours = theirs[key], namespaces[key]
        rows = {name: {"present": ours is not None and hasattr(ours, name),
                       "cases": counts.get(name, 0)} for name in names}
        report[key] = {"title": title, "total": len(rows),
                       "present": sum(row["present"] for row in rows.values()),
                       "tested": sum(row["present"] and row["cases"] > 0
                                     for row in rows.values()),
                       "names": rows}
    return report, len(mentions), errors


def print_report(report, n_items, errors, show):
    for key, group in report.items():
        print(f"== {group['title']} ({key}): {group['present']} / {group['total']} present ==")
        for name, row in group["names"].items():
            if (show == "missing" and row["present"]) or (show == "present" and not row["present"]):
                continue
            mark = "yes" if row["present"] else " - "
            note = "   <- present but no test mentions it" if row["present"] and not row["cases"] \
                else ""
            print(f"  {mark} {row['cases']:6d}  {name}{note}")
        print()
    print(f"Oracle test cases examined: {n_items}")
    if errors:
        print(f"Could not collect (their cases are not counted): {', '.join(errors)}")
    print(f"{'group':<50}{'present':>8}{'total':>7}{'%':>7}{'tested':>8}")
    for key, group in report.items():
        share = 100.0 * group["present"] / max(group["total"], 1)
        print(f"{group['title'] + ' (' + key + ')':<50}{group['present']:>8}{group['total']:>7}"
              f"{share:>6.1f}%{group['tested']:>8}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", nargs="+", default=[os.path.join(REPO, "tests")],
                        help="test files or folders to collect (default: the whole suite)")
    parser.add_argument("--group", choices=[key for key, _ in GROUPS], action="append",
                        help="only this group (repeatable)")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--missing", action="store_true", help="list only absent names")
    shown.add_argument("--present", action="store_true", help="list only present names")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    report, n_items, errors = build_report(args.tests)
    if args.group:
        report = {key: report[key] for key in args.group}
    if args.json:
        json.dump({"groups": report, "test_cases": n_items, "collection_errors": errors},
                  sys.stdout, indent=1)
        print()
    else:
        print_report(report, n_items, errors,
                     "missing" if args.missing else "present" if args.present else "all")


if __name__ == "__main__":
    main()
