"""Every message the command line writes for a person goes through Babel, like the pages'.

The templates have their own check (test_template_text.py); this one reads the Python of
the commands: text written straight to the terminal, given as help, shown on a progress bar
or carried by an error they print, as a string literal or an f-string rather than through
`_()`, `ngettext()` or (for help, read later) `lazy_gettext` / `_l`, stays English whatever
LANG says. A command without `help=` would show its docstring, which is not translated.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import dialogue

SOURCE = Path(dialogue.__file__).parent
# What the commands print, and the errors they print as they come.
MODULES = sorted(
    {"cli.py", "backup.py"}
    | {p.relative_to(SOURCE).as_posix() for p in SOURCE.glob("*/commands.py")}
)
# Calls whose first argument a person reads.
WRITERS = {"echo", "secho", "print", "add_task", "Exit", "BadParameter", "SystemExit"}
# Keywords a person reads (`description` and `label` name progress bars).
READ_KEYWORDS = {"help", "label", "description", "message"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _literal(node: ast.expr) -> bool:
    """English written in place: a string, an f-string, or one built from them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):  # "a" + b, or "... %s" % x (a literal left of %)
        return _literal(node.left) or (isinstance(node.op, ast.Add) and _literal(node.right))
    return False


def untranslated(source: str) -> list[str]:
    """Where a module hands a person text that did not pass through a translation call."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            readers = name in WRITERS or name.endswith("Error")
            if readers and node.args and _literal(node.args[0]):
                found.append(f"{node.lineno}: {name}(...)")
            found.extend(
                f"{node.lineno}: {keyword.arg}="
                for keyword in node.keywords
                if keyword.arg in READ_KEYWORDS and _literal(keyword.value)
            )
        elif isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                is_command = isinstance(decorator, ast.Call) and _name(decorator.func) == "command"
                if is_command and not any(k.arg == "help" for k in decorator.keywords):
                    found.append(f"{node.lineno}: {node.name} has no help=")
    return sorted(found)


@pytest.mark.parametrize("name", MODULES)
def test_no_text_outside_a_translation_call(name: str) -> None:
    assert untranslated((SOURCE / name).read_text(encoding="utf-8")) == []


def test_the_check_sees_bare_text() -> None:
    source = """
@app.command()
def plain(x: Annotated[str, typer.Option(help="English.")]) -> None:
    typer.echo(f"{x} done")
    typer.echo("error: " + x, err=True)
    raise BackupError("no such file")

@app.command(help=_l("Translated."))
def fine(x: Annotated[str, typer.Option(help=_l("Translated."))]) -> None:
    typer.echo(_("%(x)s done") % {"x": x})
    typer.echo(x)
    typer.echo("\\n".join(lines))
    raise BackupError(_("no such file"))
"""
    assert untranslated(source) == [
        "3: help=",
        "3: plain has no help=",
        "4: echo(...)",
        "5: echo(...)",
        "6: BackupError(...)",
    ]


def test_the_check_reads_every_command_module() -> None:
    assert {"cli.py", "archive/commands.py", "accounts/commands.py"} <= set(MODULES)
