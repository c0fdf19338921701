"""Codes of conduct: Markdown whose top-level numbered items are the clauses that get cited."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark")


@dataclass(frozen=True, slots=True)
class Clause:
    number: str
    text: str


def parse_clauses(text: str) -> list[Clause]:
    """The clauses of a code, numbered as written (a list starting at 3 yields 3, 4, ...)."""
    lines = text.splitlines()
    clauses: list[Clause] = []
    stack: list[str] = []
    number = 0
    for token in _parser.parse(text):
        if token.type in ("ordered_list_open", "bullet_list_open"):
            stack.append(token.type)
            if stack == ["ordered_list_open"]:
                start = token.attrGet("start")
                number = int(start) if start is not None else 1
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            stack.pop()
        elif token.type == "list_item_open" and stack == ["ordered_list_open"] and token.map:
            begin, end = token.map
            item = "\n".join(lines[begin:end]).strip()
            _marker, _, body = item.partition(" ")
            clauses.append(Clause(number=str(number), text=" ".join(body.split())))
            number += 1
    return clauses
