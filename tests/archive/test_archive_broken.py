"""Broken archives: each is refused with its file and line named, and the database is unchanged."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dialogue.archive.errors import ImportFailure
from dialogue.archive.service import read_archive
from dialogue.config import Settings
from tests.archive.scene import quiet, rich_archives, row_counts

Lines = list[dict[str, Any]]


def first(lines: Lines, kind: str) -> int:
    """The index (line number - 1) of the first record of a kind."""
    return next(i for i, record in enumerate(lines) if record.get("type") == kind)


def edit(kind: str, **changes: Any) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        lines[first(lines, kind)].update(changes)
        return lines

    return change


def header(**changes: Any) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        lines[0].update(changes)
        return lines

    return change


def drop_field(kind: str, name: str) -> Callable[[Lines], Lines]:
    def change(lines: Lines) -> Lines:
        del lines[first(lines, kind)][name]
        return lines

    return change


def move_report_after_first_post(lines: Lines) -> Lines:
    report = lines.pop(first(lines, "report"))
    lines.insert(first(lines, "post") + 1, report)
    return lines


def second_conduct_version_one(lines: Lines) -> Lines:
    at = first(lines, "conduct")
    lines.insert(at + 1, dict(lines[at]))
    lines[0]["counts"]["conduct"] += 1
    return lines


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[Lines], Lines] | None
    line: Callable[[Lines], int] | int  # the line the error must name
    says: str
    raw: Callable[[bytes], bytes] | None = None


def at(kind: str, offset: int = 0) -> Callable[[Lines], int]:
    return lambda lines: first(lines, kind) + 1 + offset


CASES = (
    Case("not gzip", None, 1, "not a gzip file", raw=gzip.decompress),
    Case("truncated", None, 0, "truncated", raw=lambda data: data[: len(data) // 2]),
    Case("empty", lambda lines: [], 1, "the file is empty"),
    Case("not json", None, 7, "not valid JSON", raw=None),
    Case("not an archive", header(format="x"), 1, "not a dialogue archive"),
    Case("newer version", header(version=3), 1, "version 3 is not supported"),
    Case("version text", header(version="2"), 1, "version '2' is not supported"),
    Case("unknown type", edit("code", type="spell"), at("spell"), "unknown record type 'spell'"),
    Case("missing field", drop_field("post", "body"), at("post"), "post record without 'body'"),
    Case("extra field", edit("post", colour=1), at("post"), "unknown field 'colour'"),
    Case("dangling", edit("post", thread_id=9999), at("post"), "refers to thread 9999"),
    Case("self dangling", edit("post", parent_id=50), at("post"), "refers to post 50"),
    Case("out of order", move_report_after_first_post, at("post", 2), "post record after report"),
    Case("ref sequence", edit("thread", ref=3), at("thread"), "thread ref must be 1"),
    Case("bad status", edit("post", status="gone"), at("post"), "post status must be one of"),
    Case("naive time", edit("post", created_at="2026-01-01T10:00:00"), at("post"), "with its zone"),
    Case("NUL", edit("post", body="a\x00b"), at("post"), "NUL"),
    Case("bad lang", edit("post", lang='en" onclick="x'), at("post"), "not a language tag"),
    Case("lang in v1", header(version=1), at("post"), "post record with an unknown field 'lang'"),
    Case("too long", edit("thread", title="x" * 201), at("thread"), "longer than 200"),
    Case("not a number", edit("post", depth="1"), at("post"), "post depth must be a whole"),
    Case("ends early", lambda lines: lines[:-1], lambda lines: len(lines), "ends with"),
    Case("refused", second_conduct_version_one, at("conduct"), "database refused"),
)


def write(path: Path, lines: Lines) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in lines:
            handle.write(json.dumps(record) + "\n")


def broken_file(tmp_path: Path, case: Case, original: Path) -> tuple[Path, int]:
    with gzip.open(original, "rt", encoding="utf-8") as handle:
        lines: Lines = [json.loads(text) for text in handle]
    path = tmp_path / f"{case.name.replace(' ', '-')}.jsonl.gz"
    if case.change is not None:
        lines = case.change(lines)
    write(path, lines)
    if case.name == "not json":
        texts = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
        texts[6] = "{not json\n"
        path.write_bytes(gzip.compress("".join(texts).encode()))
    if case.raw is not None:
        path.write_bytes(case.raw(path.read_bytes()))
    line = case.line(lines) if callable(case.line) else case.line
    return path, line


class TestBrokenArchives:
    async def test_each_is_refused_by_line_and_changes_nothing(
        self,
        settings: Settings,
        tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory,
        sqlite_template: Path,
    ) -> None:
        rich = await rich_archives(tmp_path_factory, sqlite_template)
        # A database with a dialogue already in it; each broken copy would be a second one.
        await read_archive(settings, path=rich.pseudonymous, slug=None, merge=False, progress=quiet)
        before = await row_counts(settings)
        for case in CASES:
            path, line = broken_file(tmp_path, case, rich.pseudonymous)
            with pytest.raises(ImportFailure) as caught:
                await read_archive(settings, path=path, slug="copy", merge=False, progress=quiet)
            message = caught.value.message
            assert case.says in message, (case.name, message)
            if line:
                assert message.startswith(f"{path.name} line {line}: "), (case.name, message)
            else:  # somewhere inside: the gzip stream breaks before a line ends
                assert message.startswith(f"{path.name} line "), (case.name, message)
            assert caught.value.status == 422
            assert await row_counts(settings) == before, case.name

    async def test_a_missing_file_is_named(self, settings: Settings, tmp_path: Path) -> None:
        with pytest.raises(ImportFailure, match=r"^nothing\.jsonl\.gz: cannot open"):
            await read_archive(
                settings, path=tmp_path / "nothing.jsonl.gz", slug=None, merge=False, progress=quiet
            )
