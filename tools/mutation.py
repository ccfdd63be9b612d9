"""`make mutation`: how well the fast tests pin every `lms/<feature>/rules.py`.

Two passes, one rules module at a time, results merged into docs/mutation.json and written out as
docs/mutation.md:

1. mutmut (configured in pyproject.toml) mutates the module's functions; each mutant runs the fast
   rules tests that call the mutated function. Survivors judged equivalent (they cannot change
   behaviour) are listed in tools/mutation_equivalents.toml with the change and a reason, and set
   aside from the score.
2. An ast pass of our own for module-level constants and tables, which mutmut does not mutate:
   every whole number goes one up and one down, every row of a tuple, set or dict is dropped, and
   every transition table gains each status it lacks. The module's tests/<feature>/test_rules.py
   runs against each changed copy and must fail.

    python -m tools.mutation                       # every module, both passes
    python -m tools.mutation accounts attendance   # some modules (others keep their last figures)
    python -m tools.mutation --only constants      # one pass
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "mutation.json"
REPORT = ROOT / "docs" / "mutation.md"
EQUIVALENTS = ROOT / "tools" / "mutation_equivalents.toml"
GOAL = 90.0
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}


def features() -> list[str]:
    """Every feature with a rules module, smallest module first."""
    paths = sorted(ROOT.glob("lms/*/rules.py"), key=lambda p: p.stat().st_size)
    return [p.parent.name for p in paths]


def tests_of(feature: str) -> str:
    """The module's fast tests."""
    return f"tests/{feature}/test_rules.py"


# --- pass 1: mutmut -----------------------------------------------------------------------------

def run_mutmut(feature: str, jobs: int) -> dict:
    """Run mutmut over one rules module and summarise its verdicts."""
    log = ROOT / "mutants" / f"{feature}.log"
    log.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    with log.open("w") as out:
        subprocess.run([str(Path(sys.executable).parent / "mutmut"), "run", "--max-children",
                        str(jobs), f"lms.{feature}.rules.*"], cwd=ROOT, stdout=out,
                       stderr=subprocess.STDOUT, check=False)
    meta = json.loads((ROOT / "mutants" / "lms" / feature / "rules.py.meta").read_text())
    verdicts = {name: STATUS.get(code, "suspicious")
                for name, code in meta["exit_code_by_key"].items()}
    if not verdicts or all(v == "not checked" for v in verdicts.values()):
        raise SystemExit(f"mutmut produced no verdicts for {feature}; see {log}")
    changes = mutant_changes(ROOT / "mutants" / "lms" / feature / "rules.py")
    survivors = [{"mutant": name, "status": verdict, "change": changes.get(name, "?")}
                 for name, verdict in sorted(verdicts.items())
                 if verdict not in ("killed", "timeout")]
    return {"mutants": len(verdicts), "killed": len(verdicts) - len(survivors),
            "survived": len(survivors), "seconds": round(time.monotonic() - started),
            "survivors": survivors}


def judge(figures: dict) -> dict:
    """The figures with the survivors judged against tools/mutation_equivalents.toml."""
    equivalents = load_equivalents()
    survivors = []
    for s in figures["survivors"]:
        known = equivalents.get(s["mutant"])
        same = bool(known) and known["change"] == s["change"]
        survivors.append({**s, "equivalent": same, "reason": known["reason"] if same else ""})
    equivalent = sum(1 for s in survivors if s["equivalent"])
    total = figures["mutants"]
    score = 100.0 * figures["killed"] / (total - equivalent) if total > equivalent else 100.0
    return {**figures, "survivors": survivors, "equivalent": equivalent, "score": round(score, 1)}


def _name(node: ast.AST) -> str:
    return getattr(node, "name", "")


def mutant_changes(mutated_file: Path) -> dict[str, str]:
    """mutant name -> the changed line(s), read from mutmut's trampolined copy of the module."""
    source = mutated_file.read_text()
    tree = ast.parse(source)
    module = ".".join(mutated_file.relative_to(ROOT / "mutants").with_suffix("").parts)
    functions = {_name(n): n for n in ast.walk(tree)
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    out = {}
    for name, node in functions.items():
        if "__mutmut_" not in name or name.endswith("__mutmut_orig"):
            continue
        orig = functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
        if orig is None:
            continue
        old = ast.get_source_segment(source, orig).replace(orig.name, name, 1).splitlines()
        new = ast.get_source_segment(source, node).splitlines()
        diff = [line for line in difflib.ndiff(old, new) if line[:2] in ("- ", "+ ")]
        minus = " / ".join(d[2:].strip() for d in diff if d.startswith("- "))
        plus = " / ".join(d[2:].strip() for d in diff if d.startswith("+ "))
        out[f"{module}.{name}"] = f"{minus} => {plus}"
    return out


def load_equivalents(table: str = "equivalent") -> dict[str, dict]:
    """The survivors judged equivalent: mutant name (or module: constant change) -> entry."""
    if not EQUIVALENTS.exists():
        return {}
    data = tomllib.loads(EQUIVALENTS.read_text())
    if table == "constant":
        return {f"{e['module']}: {e['change']}": e for e in data.get("constant", [])}
    return {e["mutant"]: e for e in data.get("equivalent", [])}


# --- pass 2: constants and tables ---------------------------------------------------------------

def constant_mutations(source: str) -> Iterator[tuple[str, str]]:
    """(description, mutated source) for every one-step change of a module-level constant."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not isinstance(target, ast.Name) or not target.id.isupper() and target.id != "_TYPO":
            continue
        for label, new_value in _value_mutations(value):
            new_stmt = copy.copy(stmt)
            new_stmt.value = new_value
            text = ast.unparse(ast.fix_missing_locations(new_stmt)) + "\n"
            mutated = "".join(lines[:stmt.lineno - 1]) + text + "".join(lines[stmt.end_lineno:])
            yield f"{target.id}: {label}", mutated


def _replace(root: ast.AST, old: ast.AST, new: ast.AST | None) -> ast.AST:
    """A deep copy of `root` with node `old` replaced by `new` (None: removed from its list)."""
    marker = id(old)
    memo: dict = {}
    clone = copy.deepcopy(root, memo)
    twin = memo[marker]
    for parent in ast.walk(clone):
        for field, value in ast.iter_fields(parent):
            if value is twin:
                setattr(parent, field, new)
                return clone
            if isinstance(value, list) and any(v is twin for v in value):
                i = next(i for i, v in enumerate(value) if v is twin)
                if new is None:
                    del value[i]
                    if isinstance(parent, ast.Dict) and field == "keys":
                        del parent.values[i]
                else:
                    value[i] = new
                return clone
    if root is old:
        return new
    raise AssertionError("node not found")


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."


def _value_mutations(value: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """One-step changes inside a constant's value: numbers +-1, rows dropped, transitions added."""
    where = {}  # a row's node -> the key of the dict row it sits in, for the labels
    for node in ast.walk(value):
        if isinstance(node, ast.Dict):
            for key, row in zip(node.keys, node.values, strict=True):
                if key is not None:
                    where[id(row)] = f"[{_short(key)}] "
    for node in ast.walk(value):
        if isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Store):
            continue  # the target of a comprehension, not a table
        if (isinstance(node, ast.Constant) and isinstance(node.value, int)
                and not isinstance(node.value, bool)):
            for delta in (1, -1):
                yield (f"{node.value} -> {node.value + delta}",
                       _replace(value, node, ast.Constant(node.value + delta)))
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for element in node.elts:
                yield (f"{where.get(id(node), '')}drop {_short(element)}",
                       _replace(value, element, None))
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    yield f"drop row {_short(key)}", _replace(value, key, None)
    yield from _transition_additions(value)


def _transition_additions(value: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """For a table of status -> allowed next statuses, each status a row lacks, added."""
    if not isinstance(value, ast.Dict) or not all(isinstance(v, ast.Tuple) for v in value.values):
        return
    keys = [k.value for k in value.keys if isinstance(k, ast.Constant)]
    rows = {k.value: v for k, v in zip(value.keys, value.values, strict=True)
            if isinstance(k, ast.Constant)}
    if not all(isinstance(e, ast.Constant) and e.value in keys
               for row in rows.values() for e in row.elts):
        return
    for key, row in rows.items():
        present = {e.value for e in row.elts}
        for status in keys:
            if status != key and status not in present:
                grown = ast.Tuple([*row.elts, ast.Constant(status)], ast.Load())
                yield f"{key!r} may become {status!r}", _replace(value, row, grown)


def run_constants(feature: str) -> dict:
    """Run the module's fast tests against every one-step change of its constants."""
    source = (ROOT / "lms" / feature / "rules.py").read_text()
    started = time.monotonic()
    _preload()
    if not _tests_pass(feature, source):
        raise SystemExit(f"{tests_of(feature)} fails on the unchanged module")
    results = [{"change": label, "caught": not _tests_pass(feature, mutated)}
               for label, mutated in constant_mutations(source)]
    caught = sum(1 for r in results if r["caught"])
    return {"changes": len(results), "caught": caught,
            "missed": [r["change"] for r in results if not r["caught"]],
            "seconds": round(time.monotonic() - started)}


def _preload() -> None:
    """Import the app and the test fixtures once; each mutant then runs in a fork of this process."""
    os.environ.setdefault("LMS_ENV", "testing")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the rules tests need no plugin
    os.chdir(ROOT)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import pytest  # noqa: F401

    import tests.conftest  # noqa: F401


def _tests_pass(feature: str, source: str) -> bool:
    """Run tests/<feature>/test_rules.py in a child process whose rules module is `source`."""
    pid = os.fork()
    if pid == 0:  # the child: swap the module in memory (the file is never touched), run pytest
        code = 3
        try:
            import importlib
            import types

            import pytest

            name = f"lms.{feature}.rules"
            module = types.ModuleType(name)
            module.__file__ = str(ROOT / "lms" / feature / "rules.py")
            sys.modules[name] = module
            sys.modules.pop(f"tests.{feature}.test_rules", None)
            importlib.import_module(f"lms.{feature}").rules = module
            exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102
            sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", tests_of(feature)]))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


# --- report -------------------------------------------------------------------------------------

def write_report(results: dict) -> None:
    """docs/mutation.json (the figures) and docs/mutation.md (the page)."""
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    out = ["# Mutation testing of the rules modules", "",
           "Generated by `make mutation` (`tools/mutation.py`); do not edit by hand.",
           "Each `lms/<feature>/rules.py` is measured against its fast tests",
           "(`tests/<feature>/test_rules.py`), one module at a time. Score = killed / (mutants -",
           f"equivalent survivors); the goal is at least {GOAL:.0f} % and every constant change",
           "caught.", "", "## Functions (mutmut)", "",
           "| module | mutants | killed | survived | equivalent | score | measured |",
           "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for feature in sorted(results):
        if results[feature].get("mutmut"):
            results[feature]["mutmut"] = judge(results[feature]["mutmut"])
    for feature in sorted(results):
        m = results[feature].get("mutmut")
        if m:
            out.append(f"| {feature} | {m['mutants']} | {m['killed']} | {m['survived']} | "
                       f"{m['equivalent']} | {m['score']:.1f} % | {m['measured']} |")
    out += ["", "## Constants and tables (ast pass)", "",
            "Whole numbers one up and one down, each row of a tuple, set or dict dropped, each "
            "missing status added to a transition table. Regular expressions, labels and float "
            "tolerances are left out.", "",
            "| module | changes | caught | equivalent | missed | measured |",
            "| --- | ---: | ---: | ---: | ---: | --- |"]
    same_constants = load_equivalents("constant")
    for feature in sorted(results):
        c = results[feature].get("constants")
        if c:
            c["equivalent"] = {m: same_constants[f"{feature}: {m}"]["reason"] for m in c["missed"]
                               if f"{feature}: {m}" in same_constants}
            out.append(f"| {feature} | {c['changes']} | {c['caught']} | {len(c['equivalent'])} | "
                       f"{len(c['missed']) - len(c['equivalent'])} | {c['measured']} |")
    out += ["", "## Surviving mutants", ""]
    any_survivor = False
    for feature in sorted(results):
        m = results[feature].get("mutmut") or {}
        missed = (results[feature].get("constants") or {}).get("missed", [])
        if not m.get("survivors") and not missed:
            continue
        any_survivor = True
        out += [f"### {feature}", ""]
        for s in m.get("survivors", []):
            verdict = f"equivalent: {s['reason']}" if s["equivalent"] else f"**{s['status']}**"
            short = s["mutant"].rsplit(".", 1)[-1]
            out.append(f"- `{short}` `{_md(s['change'])}`: {verdict}")
        judged = (results[feature].get("constants") or {}).get("equivalent", {})
        for change in missed:
            verdict = f"equivalent: {judged[change]}" if change in judged else "**not caught**"
            out.append(f"- constant `{_md(change)}`: {verdict}")
        out.append("")
    if not any_survivor:
        out.append("None.")
    REPORT.write_text("\n".join(out).rstrip() + "\n")


def _md(text: str) -> str:
    return text.replace("`", "'").replace("|", "\\|")


def main(argv: list[str] | None = None) -> None:
    """Measure the chosen modules and rewrite the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="features to measure (default: all)")
    parser.add_argument("--only", choices=("mutmut", "constants"))
    parser.add_argument("--report", action="store_true",
                        help="only rewrite docs/mutation.md (after editing the equivalents)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", "1")))
    args = parser.parse_args(argv)
    chosen = args.modules or features()
    unknown = set(chosen) - set(features())
    if unknown:
        parser.error(f"no rules module for: {', '.join(sorted(unknown))}")
    if args.report:
        write_report(json.loads(RESULTS.read_text()))
        return
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    if args.only != "constants":
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # fresh mutants and test stats
    for feature in chosen:
        if args.only != "constants":
            m = judge({**run_mutmut(feature, args.jobs), "measured": stamp})
            record(feature, "mutmut", m)
            print(f"{feature}: {m['killed']}/{m['mutants']} killed, {m['equivalent']} equivalent,"
                  f" score {m['score']} % ({m['seconds']} s)", flush=True)
        if args.only != "mutmut":
            c = {**run_constants(feature), "measured": stamp}
            record(feature, "constants", c)
            print(f"{feature}: constants {c['caught']}/{c['changes']} caught ({c['seconds']} s)",
                  flush=True)


def record(feature: str, kind: str, figures: dict) -> None:
    """Store one measurement, keeping every other module's last figures, and rewrite the report."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault(feature, {})[kind] = figures
    write_report(results)

if __name__ == "__main__":
    main()
