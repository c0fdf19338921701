"""Schemathesis against the published schema, shared by the suite's test and bench/fuzz_api.py.

Every operation of `/api/v1/openapi.json` is called as each kind of caller, twice: once with
generated path parameters (hostile ids and slugs) and once with the path parameters of real
rows, so that generated bodies and queries reach the code behind the 404. The checks: no 5xx,
and every answer whose status the schema declares matches its declared schema and media type.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Operations that end the caller's own credentials: fuzzed last, each once per caller.
ENDS_CREDENTIALS = {("POST", "/api/v1/auth/logout"), ("DELETE", "/api/v1/me")}


@dataclass
class FuzzReport:
    """What a run did and what it found."""

    calls: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    waiting: float = 0.0  # of which waiting for answers


def load(base_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")


def operations(schema: Any) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted(
        found, key=lambda op: (op.method.upper(), op.path) in ENDS_CREDENTIALS
    )  # stable: the others keep their order, credential enders go last


def fuzz(
    *,
    base_url: str,
    callers: dict[str, dict[str, str]],
    real_path: Callable[[Any], dict[str, Any] | None],
    examples: int,
    derandomize: bool = True,
    modes: Iterable[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> FuzzReport:
    """Call every operation `examples` times per caller, mode and path kind.

    Path kinds: the rows `real_path` names (None when it names none) and generated values,
    tried by the first caller only (and by all when no real row fits). Negative examples
    (invalid bodies, queries, parameters) are the first caller's too.
    """
    report = FuzzReport()
    started = time.monotonic()
    schema = load(base_url)
    http = requests.Session()
    ops = operations(schema)
    first = next(iter(callers))
    for caller, headers in callers.items():
        for op in ops:
            budget = 1 if (op.method.upper(), op.path) in ENDS_CREDENTIALS else examples
            real = real_path(op)
            # Generated path parameters mostly name no row, whoever asks: one caller tries them.
            kinds = [real] if real is not None else []
            if op.path_parameters and (caller == first or real is None):
                kinds.append(None)
            if not op.path_parameters:
                kinds = [None]
            # Invalid data is refused before the caller matters: the first caller sends it.
            for mode in modes if caller == first else [GenerationMode.POSITIVE]:
                for path_parameters in kinds:
                    strategy = op.as_strategy(
                        generation_mode=mode, path_parameters=path_parameters or None
                    )
                    _run(op, strategy, caller, headers, http, base_url, budget, derandomize, report)
    report.seconds = time.monotonic() - started
    return report


def _run(
    op: Any,
    strategy: Any,
    caller: str,
    headers: dict[str, str],
    http: requests.Session,
    base_url: str,
    examples: int,
    derandomize: bool,
    report: FuzzReport,
) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=derandomize,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def one(case: Any) -> None:
        sent = time.monotonic()
        response = case.call(base_url=base_url, session=http, headers=headers, timeout=30)
        report.waiting += time.monotonic() - sent
        report.calls += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            report.failures.append(f"{caller} {op.method.upper()} {op.path}: {group}")
            raise

    try:
        one()
    except FailureGroup:
        pass  # recorded above; the next operation runs
    except Unsatisfiable:
        pass  # negative mode on an operation with nothing to make invalid (no body, no query)
