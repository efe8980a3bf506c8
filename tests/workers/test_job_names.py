"""Every job the core enqueues by name is a function the worker runs: a misspelt or
unregistered name would queue jobs that fail on every try, seen only in the worker's log."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from workers.settings import FUNCTIONS

SERVER = Path(__file__).resolve().parents[2] / "server"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(SERVER.parent).with_suffix("").parts)


def _job_argument(call: ast.Call) -> ast.expr | None:
    """The job-name argument of ``enqueue(redis, NAME, …)`` or ``….enqueue_job(NAME, …)``."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name == "enqueue" and len(call.args) >= 2:
        return call.args[1]
    if name == "enqueue_job" and call.args:
        return call.args[0]
    return None


def _parameters(tree: ast.Module) -> set[str]:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return {arg.arg for f in ast.walk(tree) if isinstance(f, functions) for arg in f.args.args}


def _resolve(module, node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return getattr(module, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return getattr(getattr(module, node.value.id), node.attr)
    raise AssertionError(f"{module.__name__}: job name {ast.unparse(node)} is not a constant")


def enqueued_job_names() -> dict[str, str]:
    """Job name → the module that enqueues it, for every enqueue call in the core."""
    found: dict[str, str] = {}
    for path in sorted(SERVER.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        passed_on = _parameters(tree)  # a wrapper's own parameter: its callers are scanned
        arguments = [
            a
            for a in map(_job_argument, calls)
            if a is not None and not (isinstance(a, ast.Name) and a.id in passed_on)
        ]
        if arguments:
            module = importlib.import_module(_module_name(path))
            for argument in arguments:
                found[_resolve(module, argument)] = module.__name__
    return found


def test_every_enqueued_job_is_a_registered_worker_function():
    registered = {function.__name__ for function in FUNCTIONS}
    enqueued = enqueued_job_names()

    assert {"send_mail", "settle_credits", "match_opening"} <= set(enqueued)
    unknown = {name: module for name, module in enqueued.items() if name not in registered}
    assert unknown == {}
