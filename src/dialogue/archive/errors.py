"""The one error every import raises: it names the file and the line at fault."""

from __future__ import annotations

from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError


class ImportFailure(DialogueError):
    """Input that cannot be imported; the message starts with "FILE line N: " so it can be fixed."""

    status, code = 422, ErrorCode.IMPORT_FAILED

    def __init__(self, reason: str, *, file: str, line: int | None = None) -> None:
        where = file if line is None else f"{file} line {line}"
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason
