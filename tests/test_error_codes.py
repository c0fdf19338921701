"""The error codes clients branch on come from one catalogue, `dialogue.error_codes`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dialogue.error_codes import ErrorCode

SOURCE = Path(__file__).resolve().parent.parent / "src" / "dialogue"
SNAKE_CASE = re.compile(r"^[a-z]+(_[a-z]+)*$")
# Codes the contract names, or that its clients are known to branch on.
CONTRACT_CODES = {
    "invalid",
    "not_found",
    "unauthenticated",
    "forbidden",
    "conduct_not_accepted",
    "rate_limited",
    "already_handled",
    "muted",
    "reason_required",
    "self_action",
}


def _trees() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(SOURCE.rglob("*.py"))]


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _inline_codes(tree: ast.AST) -> list[int]:
    """Lines where an error code is spelled as a string instead of taken from the catalogue."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "code" and _is_text(node.value):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Dict):  # an error body or frame: it has a message too
            keys = {
                key.value: value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
            }
            if "message" in keys and _is_text(keys.get("code")):
                lines.append(keys["code"].lineno)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for name, value in zip(names, values, strict=False):
                    if isinstance(name, ast.Name) and name.id == "code" and _is_text(value):
                        lines.append(value.lineno)
    return lines


def test_no_error_code_is_spelled_inline() -> None:
    found = {
        f"{path.relative_to(SOURCE)}:{line}"
        for path, tree in _trees()
        for line in _inline_codes(tree)
    }
    assert found == set(), "use dialogue.error_codes.ErrorCode"


def test_every_code_used_is_in_the_catalogue() -> None:
    used = {
        node.attr
        for _path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ErrorCode"
    }
    assert used, "the scan found no use of the catalogue at all"
    assert used - set(ErrorCode.__members__) == set()


def test_codes_are_snake_case_and_named_for_themselves() -> None:
    for name, code in ErrorCode.__members__.items():
        assert SNAKE_CASE.match(code.value), code
        assert name == code.value.upper(), name


def test_the_contracts_codes_are_there() -> None:
    assert CONTRACT_CODES - {code.value for code in ErrorCode} == set()


def test_the_scan_sees_an_inline_code() -> None:
    """The check above would pass vacuously if it could not recognise the forms it refuses."""
    tree = ast.parse(
        'raise Forbidden("x", code="nope")\n'
        'frame = {"type": "error", "code": "nope", "message": "x"}\n'
        'status, code = 404, "nope"\n'
    )
    assert sorted(_inline_codes(tree)) == [1, 2, 3]
