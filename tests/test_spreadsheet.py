"""Every CSV the server writes is safe to open in a spreadsheet: no cell runs as a formula."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

from dialogue.spreadsheet import FORMULA_STARTS, safe_cell
from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import build_scene, csv_rows

SOURCE = Path(__file__).parents[1] / "src" / "dialogue"
HOSTILE = ('=HYPERLINK("http://x")', "-1+2", "+1", "@SUM(A1)", "\tcmd", "\rcmd")


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_start_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["plain words", "1-2", "", "a=b", "'quoted"])
def test_other_text_is_left_alone(text: str) -> None:
    assert safe_cell(text) == text


def _writes_csv(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "csv"
        and node.attr in ("writer", "DictWriter")
        for node in ast.walk(tree)
    )


def _uses_safe_cell(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "dialogue.spreadsheet"
        and any(alias.name == "safe_cell" for alias in node.names)
        for node in ast.walk(tree)
    )


def test_every_module_writing_csv_goes_through_the_one_helper() -> None:
    writers = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if _writes_csv(tree):
            writers.append(path.relative_to(SOURCE).as_posix())
            assert _uses_safe_cell(tree), f"{path} writes CSV without dialogue.spreadsheet"
    assert writers  # the report and the audit log at least
    # No second copy of the rule: the prefixes are defined once.
    for path in SOURCE.rglob("*.py"):
        if path.name != "spreadsheet.py":
            assert '"=", "+", "-", "@"' not in path.read_text(encoding="utf-8"), path


async def test_report_csv_quotes_post_bodies_and_titles_that_look_like_formulas(
    db_kind: str, client: httpx.AsyncClient, factory: Factory
) -> None:
    scene = await build_scene(factory)
    world = World(factory)
    thread, opener = await world.thread(
        scene.dialogue,
        scene.theme,
        scene.people["amina"],
        '=HYPERLINK("http://x")',
        '=HYPERLINK("http://x")',
    )
    reply = await world.post(thread, scene.people["amina"], "-1+2")
    response = await client.get(
        f"/api/v1/dialogues/{scene.dialogue.slug}/report",
        params={"format": "csv"},
        headers=await factory.auth(scene.organizer),
    )
    assert response.status_code == 200
    rows = {int(r["post_id"]): r for r in csv_rows(response.content)}
    assert rows[opener.id or 0]["thread"] == '\'=HYPERLINK("http://x")'
    assert rows[opener.id or 0]["text"].startswith("'=HYPERLINK(")
    assert rows[reply.id or 0]["text"] == "'-1+2"
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(FORMULA_STARTS), row
