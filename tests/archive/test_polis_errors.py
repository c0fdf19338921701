"""Broken exports: an error naming the file and line, and a database left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from dialogue.archive.errors import ImportFailure
from dialogue.errors import Conflict, Invalid, NotFound
from tests.archive.polis_support import CONVERSATION, append, export_copy, run, snapshot
from tests.factories import Factory

Breakage = Callable[[Path], tuple[str, int | None, str]]  # -> file, line, reason


def missing_file(export: Path) -> tuple[str, int | None, str]:
    (export / "participants-votes.csv").unlink()
    return "participants-votes.csv", None, "missing from the export directory"


def matrix_vote_out_of_range(export: Path) -> tuple[str, int | None, str]:
    (export / "votes.csv").unlink()  # the votes come from the matrix then
    line = append(export / "participants-votes.csv", "24,0,0,1,0,0,,,2,,,,,,\n")
    return "participants-votes.csv", line, "vote must be -1, 0 or 1, not 2"


def matrix_column_of_unknown_comment(export: Path) -> tuple[str, int | None, str]:
    (export / "votes.csv").unlink()
    path = export / "participants-votes.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",8\n", ",99\n", 1))
    return "participants-votes.csv", 1, "column for comment-id 99, which comments.csv lacks"


def missing_column(export: Path) -> tuple[str, int | None, str]:
    path = export / "comments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",moderated,", ",status,", 1))
    return "comments.csv", 1, "missing column 'moderated'"


def non_integer_id(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "comments.csv", "1700000900000,x,9b,4,0,0,1,A statement\n")
    return "comments.csv", line, "comment-id must be a whole number, not '9b'"


def other_scripts_digits_as_id(export: Path) -> tuple[str, int | None, str]:
    """int() reads Arabic-Indic digits (and underscores) as a number: an id is ASCII digits."""
    line = append(export / "comments.csv", "1700000900000,x,\u0661\u0662,4,0,0,1,A statement\n")
    return "comments.csv", line, "comment-id must be a whole number, not '\u0661\u0662'"


def vote_out_of_range(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "votes.csv", "1700009000000,x,1,3,2\n")
    return "votes.csv", line, "vote must be -1, 0 or 1, not 2"


def vote_on_unknown_comment(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "votes.csv", "1700009000000,x,99,3,1\n")
    return "votes.csv", line, "vote on comment-id 99, which comments.csv lacks"


def bad_utf8(export: Path) -> tuple[str, int | None, str]:
    path = export / "votes.csv"
    line = append(path, "1700009000000,x,1,3,1\n")
    with path.open("ab") as handle:
        handle.write(b"1700009000001,Mon \xff\xfe Nov,1,4,1\n")
    return "votes.csv", line + 1, "not valid UTF-8 (invalid start byte)"


def bad_utf8_inside_a_quoted_statement(export: Path) -> tuple[str, int | None, str]:
    path = export / "comments.csv"
    line = append(path, '1700000900000,x,9,4,0,0,1,"Two lines,\n')
    with path.open("ab") as handle:
        handle.write(b'the second one \xc3 broken"\n')
    return "comments.csv", line + 1, "not valid UTF-8 (invalid continuation byte)"


def unterminated_quote(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "comments.csv", '1700000900000,x,9,4,0,0,1,"never closed\n')
    return "comments.csv", line, "malformed CSV (unexpected end of data)"


def short_row(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "votes.csv", "1700009000000,x,1\n")
    return "votes.csv", line, "expected 5 fields, found 3"


def duplicate_comment(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "comments.csv", "1700000900000,x,3,4,0,0,1,Again\n")
    return "comments.csv", line, "comment-id 3 appears twice"


def control_character(export: Path) -> tuple[str, int | None, str]:
    line = append(export / "comments.csv", "1700000900000,x,9,4,0,0,1,bell \x07 here\n")
    return "comments.csv", line, "comment-body: The text contains control characters."


def control_character_in_topic(export: Path) -> tuple[str, int | None, str]:
    (export / "summary.csv").write_text("url,https://pol.is/x\ntopic,a\x1bb\n", encoding="utf-8")
    return "summary.csv", 2, "topic: The text contains control characters."


def no_topic(export: Path) -> tuple[str, int | None, str]:
    (export / "summary.csv").write_text("url,https://pol.is/3vawfixture\n", encoding="utf-8")
    return "summary.csv", None, "no 'topic' row"


BREAKAGES = [
    missing_file,
    matrix_vote_out_of_range,
    matrix_column_of_unknown_comment,
    missing_column,
    non_integer_id,
    other_scripts_digits_as_id,
    vote_out_of_range,
    vote_on_unknown_comment,
    bad_utf8,
    bad_utf8_inside_a_quoted_statement,
    unterminated_quote,
    short_row,
    duplicate_comment,
    control_character,
    control_character_in_topic,
    no_topic,
]


class TestBrokenExport:
    @pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.__name__)
    async def test_names_file_and_line_and_changes_nothing(
        self, db_kind: str, app: FastAPI, tmp_path: Path, breakage: Breakage
    ) -> None:
        export = export_copy(tmp_path)
        file, line, reason = breakage(export)
        before = await snapshot(app)
        with pytest.raises(ImportFailure) as failure:
            await run(app, export)
        where = file if line is None else f"{file} line {line}"
        assert failure.value.message == f"{where}: {reason}"
        assert (failure.value.file, failure.value.line) == (file, line)
        assert (failure.value.status, failure.value.code) == (422, "import_failed")
        assert await snapshot(app) == before

    async def test_merge_of_a_broken_export_leaves_the_first_import_alone(
        self, db_kind: str, app: FastAPI, tmp_path: Path
    ) -> None:
        await run(app)
        export = export_copy(tmp_path)
        vote_on_unknown_comment(export)
        before = await snapshot(app)
        with pytest.raises(ImportFailure):
            await run(app, export, on_duplicate="merge")
        assert await snapshot(app) == before


class TestRefusedWhileWriting:
    async def test_a_fault_after_the_writing_began_rolls_everything_back(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        """The last participant's address is a real account: found after the dialogue,
        theme, thread and other accounts were written in the same transaction."""
        await factory.user(email=f"polis-{CONVERSATION}-23@import.invalid")
        before = await snapshot(app)
        with pytest.raises(Conflict) as refusal:
            await run(app)
        assert refusal.value.code == "email_taken"
        assert f"polis-{CONVERSATION}-23@import.invalid" in refusal.value.message
        assert await snapshot(app) == before

    async def test_unknown_organizer_and_bad_slug(self, db_kind: str, app: FastAPI) -> None:
        before = await snapshot(app)
        with pytest.raises(NotFound) as unknown:
            await run(app, actor_email="nobody@example.org")
        assert unknown.value.code == "unknown_organizer"
        with pytest.raises(Invalid):
            await run(app, slug="Not A Slug")
        assert await snapshot(app) == before
