"""What is new in a reply: the quoted message, its attribution and the signature removed.

Mail clients quote in a handful of ways, and each line of a reply is one of a few kinds
(the approach of Discourse's email_reply_trimmer): text, empty, quoted (`>`), an
attribution ("On ... wrote:", "Le ... a écrit :", "El ... escribió:", "Em ... escreveu:"),
a header of a quoted message (Outlook's "From: ... Sent: ..." block, in en/fr/es/pt), a
delimiter (Outlook's underscore line, "-----Original Message-----") or a signature ("-- ",
"Sent from my iPhone"). The reply is what comes before the first quoted message that
follows some text; quotes the writer answered between (interleaved replies) stay, as
Markdown block quotes.

A rule that wrongly fires cuts someone's words, so each one asks for more than a word:
an attribution needs a digit (its date) or an address, a header block needs at least two
header lines starting with the sender's, and a phone signature counts only after the text.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "t"
    EMPTY = "e"
    QUOTE = "q"
    ATTRIBUTION = "a"  # the line that opens a quoted message
    HEADER = "h"  # From:/Sent:/To:/Subject: of a quoted message
    DELIMITER = "d"
    SIGNATURE = "s"  # the "-- " line: everything after it is the signature


# Longer lines are never a client's marker. It also bounds the work of the patterns below,
# some of which backtrack in proportion to the square of a line's length.
MAX_MARKER_LENGTH = 400
_QUOTE = re.compile(r"^\s*>")
_OPENERS = r"(?:On|At|Le|El|Em|Am|Op|Il)"
_ATTRIBUTION_START = re.compile(rf"^[\s>]*-*\s*{_OPENERS}\s", re.I)
_WROTE = r"(?:wrote|writes|said|a\s+écrit|escribió|escreveu|schrieb|geschrieben|schreef|scritto)"
# "On Fri, Dec 4, 2026 at 6:42 PM Ana <ana@example.org> wrote:" and its translations, after
# any quoting; the date's digit keeps "On Monday she wrote:" in someone's text.
_ATTRIBUTION = re.compile(
    rf"^[\s>]*-*\s*{_OPENERS}\s(?=[^\n]*\d)[^\n]*?\s{_WROTE}\b[^\n]{{0,40}}?:?\s*-*\s*$", re.I
)
# "Ana Pereira <ana@example.org> wrote:" (Thunderbird, mailing lists) needs the address.
_NAME_WROTE = re.compile(rf"^[\s>]*[^\n<>]*<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?\)?,?\s{_WROTE}:\s*$")
_FORWARDED = re.compile(
    r"^[\s>*]*(?:-{2,}\s*(?:Original Message|Forwarded Message|Forwarded message|Reply Message"
    r"|Message d'origine|Message original|Message transféré|Mensaje original|Mensaje reenviado"
    r"|Mensagem original|Mensagem encaminhada)\s*-{2,}"
    r"|Begin forwarded message:|Début du message réexpédié\s?:|Inicio del mensaje reenviado:"
    r"|Início da mensagem reencaminhada:)",
    re.I,
)
_SENDER_FIELDS = r"From|De|Von|Da|Van"
_OTHER_FIELDS = (
    r"Sent|Date|To|Cc|Bcc|Subject|Reply-To|Envoyé|Date d'envoi|À|Objet|Répondre à|"
    r"Enviado|Enviada em|Fecha|Para|Asunto|Assunto|Data|Gesendet|An|Betreff"
)
# "*From:* Ana", "De : Ana", "**Sent:** Friday": the bold marks of HTML mail made Markdown.
_FIELD = r"^[\s>*]*(?:{names})[\s*]*:[\s*]*\S"
_SENDER_HEADER = re.compile(_FIELD.format(names=_SENDER_FIELDS), re.I)
_HEADER = re.compile(_FIELD.format(names=f"{_SENDER_FIELDS}|{_OTHER_FIELDS}"), re.I)
_DELIMITER = re.compile(r"^\s*(?:[-_=~*#+]\s*){2,}$")
_SIGNATURE_DASHES = re.compile(r"^-- ?$")
# One-line signatures of phones and mail apps, in the four languages of the interface.
_DEVICE_LINE = re.compile(
    r"^[\s(<]*(?:Sent (?:from|via|with|by) |Get Outlook for |Envoyé (?:de|depuis) (?:mon|ma|Yahoo)"
    r"|Obtenir Outlook pour |Enviado (?:desde|con|do|pelo|a partir do) (?:mi|mis|meu|minha|"
    r"Yahoo|Outlook|Correo)|Obtener Outlook para |Baixe o Outlook para |Obter o Outlook para "
    r"|Von meinem .+ gesendet)",
    re.I,
)


def trim_reply(text: str) -> str:
    """The new part of a reply's text; empty when it holds nothing but quotes."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kinds = _classify(lines)
    end = _reply_end(lines, kinds)
    lines, kinds = lines[:end], kinds[:end]
    lines, kinds = _without_signature(lines, kinds)
    return _tidy(lines, kinds)


def _classify(lines: list[str]) -> list[Kind]:
    kinds = [_kind(line) for line in lines]
    # Clients wrap a long attribution ("On ..., Ana <\nana@example.org> wrote:"): its
    # lines are read together, up to three of them.
    for start, line in enumerate(lines):
        if kinds[start] not in (Kind.TEXT, Kind.QUOTE) or not _ATTRIBUTION_START.match(line):
            continue
        for size in (2, 3):
            joined = " ".join(part.strip(" >") for part in lines[start : start + size])
            if len(joined) <= MAX_MARKER_LENGTH and _ATTRIBUTION.match(joined):
                kinds[start : start + size] = [Kind.ATTRIBUTION] * size
                break
    return kinds


def _kind(line: str) -> Kind:
    if not line.strip():
        return Kind.EMPTY
    if _SIGNATURE_DASHES.match(line):
        return Kind.SIGNATURE
    if _QUOTE.match(line) and not _ATTRIBUTION_START.match(line):
        return Kind.QUOTE
    if len(line) > MAX_MARKER_LENGTH:  # what a client writes is short; a sender's line is not
        return Kind.TEXT
    if _ATTRIBUTION.match(line) or _NAME_WROTE.match(line) or _FORWARDED.match(line):
        return Kind.ATTRIBUTION
    if _QUOTE.match(line):
        return Kind.QUOTE
    if _HEADER.match(line):
        return Kind.HEADER
    if _DELIMITER.match(line):
        return Kind.DELIMITER
    return Kind.TEXT


def _reply_end(lines: list[str], kinds: list[Kind]) -> int:
    """Where the quoted message starts: its attribution or its header block, once the
    writer has said something; an attribution above their first words is dropped alone."""
    seen_text = False
    for index, kind in enumerate(kinds):
        if kind == Kind.TEXT:
            seen_text = True
        elif not seen_text:
            continue
        elif kind == Kind.ATTRIBUTION and not _answered_between(kinds[index:]):
            return index
        elif kind == Kind.HEADER and _SENDER_HEADER.match(lines[index]):
            following = [k for k in kinds[index + 1 : index + 3] if k != Kind.EMPTY]
            if following[:1] == [Kind.HEADER]:  # HTML mail made Markdown spaces them out
                return index
    return len(kinds)


def _answered_between(rest: list[Kind]) -> bool:
    """Whether the writer answered inside the quote (quote, text, quote): keep all of it."""
    pattern = "".join(rest)
    return re.search(r"q[qe]*t[te]*q", pattern.replace("h", "q")) is not None


def _without_signature(lines: list[str], kinds: list[Kind]) -> tuple[list[str], list[Kind]]:
    """Cut at the first "-- " line after some words, and drop the device lines after the
    last words."""
    for index, kind in enumerate(kinds):
        if kind == Kind.SIGNATURE and Kind.TEXT in kinds[:index]:
            lines, kinds = lines[:index], kinds[:index]
            break
    end = len(lines)
    while end > 0 and (
        kinds[end - 1] in (Kind.EMPTY, Kind.DELIMITER) or _DEVICE_LINE.match(lines[end - 1])
    ):
        end -= 1
    return lines[:end], kinds[:end]


def _tidy(lines: list[str], kinds: list[Kind]) -> str:
    """Drop leftover attribution lines and the quotes after the last words."""
    dropped = (Kind.ATTRIBUTION, Kind.SIGNATURE)
    kept = [(line, kind) for line, kind in zip(lines, kinds, strict=True) if kind not in dropped]
    while kept and kept[-1][1] in (Kind.QUOTE, Kind.EMPTY):
        kept.pop()
    if not any(kind == Kind.TEXT for _line, kind in kept):
        return ""
    while kept and kept[0][1] == Kind.EMPTY:
        kept.pop(0)
    return "\n".join(line.rstrip() for line, _kind in kept)
