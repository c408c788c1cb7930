"""The layout's rules (issue 10): arrows point down, entry points reach the domain only through `service/`, the
API's schema is the one clients were given, and no module is past 400 lines."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from entrypoints.api import create_api
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import ROOT

BELOW = ("models", "notifications", "service")
ABOVE = ("entrypoints", "flows")
# What an entry point may take from the domain directly: the error vocabulary, the clock, and the report schema
# the API publishes as its request body (a write schema, checked by the domain).
DOMAIN_FOR_DOORS = {"models.errors", "models.clock", "models.reports", "notifications.redact"}
# `serve` and `demo` have doors of their own (entrypoints/serve.py, entrypoints/demo.py), which call the service.
USE_CASE_HOMES = ("service", "entrypoints.serve", "entrypoints.demo")
SNAPSHOT = ROOT / "tests" / "snapshots" / "openapi.json"


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_nothing_below_imports_an_entry_point_or_a_flow() -> None:
    wrong = [
        (str(path.relative_to(ROOT)), name)
        for package in BELOW
        for path in modules(package)
        for name in imports(path)
        if name.split(".")[0] in ABOVE
    ]
    assert wrong == []


def test_entry_points_reach_the_domain_only_through_the_service_layer() -> None:
    wrong = [
        (str(path.relative_to(ROOT)), name)
        for path in modules("entrypoints")
        for name in imports(path)
        if name.split(".")[0] in ("models", "notifications")
        and not any(name == allowed or name.startswith(allowed + ".") for allowed in DOMAIN_FOR_DOORS)
    ]
    assert wrong == []


def test_every_command_and_route_calls_a_service_function() -> None:
    """Each CLI command and API route body calls something imported from `service` (its use case)."""
    lacking = []
    for path in modules("entrypoints/cli") + modules("entrypoints/api"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
            if not decorators & {"command", "router.post", "router.get"}:
                continue
            reached = {n.module for n in ast.walk(node) if isinstance(n, ast.ImportFrom) and n.module}
            reached |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            called = {ast.unparse(n.func).split(".")[0] for n in ast.walk(node) if isinstance(n, ast.Call)}
            services = {m for m in reached if m.startswith(USE_CASE_HOMES)}
            service_names = {
                alias.asname or alias.name
                for n in ast.walk(tree)
                if isinstance(n, ast.ImportFrom) and n.module in services
                for alias in n.names
            }
            if not called & service_names and not services & {f"service.{c}" for c in called}:
                lacking.append(f"{path.relative_to(ROOT)}::{node.name}")
    assert lacking == []


def test_the_api_schema_is_unchanged() -> None:
    schema = create_api(build_app(Settings(database_url="sqlite://"))).openapi()
    assert json.loads(json.dumps(schema)) == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_no_module_is_past_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for package in (*BELOW, *ABOVE, "benchmarks")
        for path in modules(package)
        if "migrations" not in path.parts and (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_the_api_and_the_command_line_offer_the_domains_settable_states() -> None:
    from typing import get_args

    from entrypoints.api.schemas import StateIn
    from models.states import SETTABLE_STATES

    assert get_args(StateIn.model_fields["state"].annotation) == tuple(SETTABLE_STATES)
