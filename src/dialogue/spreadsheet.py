"""Cells of every CSV the server writes, made safe to open in a spreadsheet.

A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
programs skip before reading a formula) runs as a formula in Excel, LibreOffice and Google
Sheets: a post body `=HYPERLINK("http://x")` would become a link that leaks data on a
click. Following OWASP's advice such a cell gets a leading single quote, shown as text.
Every CSV output goes through `safe_cell` (tests/test_spreadsheet.py checks that each
module writing CSV imports it).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """`text` as a spreadsheet shows it, never as a formula it would run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
