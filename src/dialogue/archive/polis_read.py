"""A Pol.is export read and checked in full before anything is written.

The layout is the one of the public open-data exports (github.com/compdemocracy/openData):
`summary.csv` (key,value rows: topic, url, conversation-description, ...), `comments.csv`
(timestamp, datetime, comment-id, author-id, agrees, disagrees, moderated, comment-body),
`votes.csv` (timestamp, datetime, comment-id, voter-id, vote) and `participants-votes.csv`
(participant, group-id, ..., then one column per comment). In those exports a vote of 1 is
agree, -1 disagree and 0 pass (the 1s and -1s of a comment add up to its `agrees` and
`disagrees`), and `moderated` is 1 accepted, 0 not yet reviewed, -1 moderated out.

Some published conversations have no `votes.csv`. Their votes are then read from the
matrix of `participants-votes.csv` (each participant's current vote per comment); it has
no times, so each such vote is dated at its statement's own time, the earliest it can be.
Some have neither (a conversation published without its votes): the statements are read,
and the conversation carries the note NO_VOTES for the import's result and its dialogue.

Memory: the files are streamed row by row. What is kept is the statements (one per
comment), the participant ids, and the latest vote of each participant on each statement,
packed into one int -> int dict entry (about 100 bytes each): bounded by the vote matrix,
not by the length of `votes.csv`, where re-votes and repeated rows pile up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dialogue.archive.polis_csv import CsvFile, require
from dialogue.errors import Invalid
from dialogue.threads import service as threads
from dialogue.threads.models import ReactionKind

Progress = Callable[[float, str], None]

SUMMARY, COMMENTS = "summary.csv", "comments.csv"
PARTICIPANTS, VOTES = "participants-votes.csv", "votes.csv"
FILES = (SUMMARY, COMMENTS)  # and PARTICIPANTS, with VOTES when the export has it
NO_VOTES = (
    "The export had no votes (neither votes.csv nor participants-votes.csv):"
    " only its statements were imported."
)
# participants-votes.csv: participant, (in newer exports) xid, group-id, n-comments,
# n-votes, n-agree, n-disagree, then one column per comment id.
MATRIX_AFTER = "n-disagree"
ID_LIMIT = 2**31  # ids are packed two to an int below
KINDS = {1: ReactionKind.AGREE, -1: ReactionKind.DISAGREE, 0: ReactionKind.PASS}
MODERATED_OUT, MODERATION_VALUES = -1, (-1, 0, 1)
REPORT_EVERY = 20_000  # rows between progress reports
TEXTS = ("topic", "conversation-description")  # the summary rows that become text
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9]{1,40}$")


def empty_note(comment_ids: set[int]) -> str:
    """What the import says of statements left out for having no words."""
    listed = ", ".join(str(c) for c in sorted(comment_ids))
    return f"Statements with no text were left out, with their votes (comment-id {listed})."


@dataclass(frozen=True, slots=True)
class Statement:
    comment_id: int
    author_id: int
    at: datetime
    hidden: bool  # moderated out in Pol.is
    body: str


@dataclass(frozen=True, slots=True)
class Vote:
    comment_id: int
    voter_id: int
    kind: ReactionKind
    at: datetime


@dataclass
class Conversation:
    topic: str
    description: str
    url: str
    key: str | None  # the conversation id at the end of its URL, when it has one
    statements: dict[int, Statement] = field(default_factory=dict)
    participants: set[int] = field(default_factory=set)
    # (comment id << 32 | voter id) -> (timestamp in ms << 2 | vote + 1): the latest vote only.
    latest: dict[int, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what a person should know about what was not imported
    # Statements with no words (real exports have some, moderated out): left out, and the
    # votes on them too, since there is nothing to show or to quote.
    empty: set[int] = field(default_factory=set)

    def votes(self) -> Iterator[Vote]:
        """The latest vote of each participant on each statement, statement by statement."""
        for packed in sorted(self.latest):
            value = self.latest[packed]
            yield Vote(
                comment_id=packed >> 32,
                voter_id=packed & 0xFFFFFFFF,
                kind=KINDS[(value & 3) - 1],
                at=moment(value >> 2),
            )

    def people(self) -> list[int]:
        """Everyone who took part: listed participants, statement authors and voters."""
        voters = {packed & 0xFFFFFFFF for packed in self.latest}
        authors = {s.author_id for s in self.statements.values()}
        return sorted(self.participants | authors | voters)

    def span(self) -> tuple[datetime, datetime]:
        """The first and last moment anything happened in the conversation."""
        times = [s.at for s in self.statements.values()]
        if self.latest:
            times.append(moment(min(value >> 2 for value in self.latest.values())))
            times.append(moment(max(value >> 2 for value in self.latest.values())))
        return min(times), max(times)


def moment(milliseconds: int) -> datetime:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def read_export(directory: Path, progress: Progress) -> Conversation:
    """Every file read and checked; the first fault raises ImportFailure naming file and line."""
    has_votes = (directory / VOTES).is_file()
    has_matrix = has_votes or (directory / PARTICIPANTS).is_file()
    names = FILES + (PARTICIPANTS,) * has_matrix + (VOTES,) * has_votes
    require(directory, *names)  # before reading anything: a long votes.csv read for nothing
    total = sum((directory / name).stat().st_size for name in names) or 1
    done = 0

    def advance(file: CsvFile) -> None:
        progress((done + file.consumed) / total, f"reading {file.name}")

    with CsvFile(directory, SUMMARY, header=False) as file:
        conversation = _summary(file)
        done += file.size
    with CsvFile(directory, COMMENTS) as file:
        _comments(file, conversation, advance)
        done += file.size
    if conversation.empty:
        conversation.notes = (empty_note(conversation.empty),)
    if not has_matrix:
        conversation.notes += (NO_VOTES,)
        progress(1.0, f"reading {COMMENTS}")
        return conversation
    with CsvFile(directory, PARTICIPANTS) as file:
        _participants(file, conversation, advance, matrix=not has_votes)
        done += file.size
    if has_votes:
        with CsvFile(directory, VOTES) as file:
            _votes(file, conversation, advance)
    return conversation


def _summary(file: CsvFile) -> Conversation:
    values: dict[str, str] = {}
    for line, row in file.records(1):
        if len(row) < 2:
            raise file.fail("expected a key and a value", line)
        key, value = row[0].strip(), row[1].strip()
        if key in TEXTS and key not in values:
            _check_text(file, value, key, line)
        values.setdefault(key, value)
    if "topic" not in values:
        raise file.fail("no 'topic' row", None)
    url = values.get("url", "")
    key = url.rstrip("/").rsplit("/", 1)[-1]
    return Conversation(
        topic=values["topic"],
        description=values.get("conversation-description", ""),
        url=url,
        key=key.lower() if _CONVERSATION_ID.match(key) else None,
    )


def _check_text(file: CsvFile, text: str, column: str, line: int) -> None:
    """The rules of a post written here, for what becomes one (and titles, posts' headings)."""
    try:
        if text:
            threads.validate_body(text)
    except Invalid as exc:
        raise file.fail(f"{column}: {exc.message}", line) from None


def _comments(
    file: CsvFile, conversation: Conversation, advance: Callable[[CsvFile], None]
) -> None:
    names = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
    where = file.columns(*names)
    for count, (line, row) in enumerate(file.records(max(where) + 1), 1):
        stamp, comment, author, moderated, body = (row[i] for i in where)
        comment_id = file.integer(comment, "comment-id", line, high=ID_LIMIT)
        if comment_id in conversation.statements or comment_id in conversation.empty:
            raise file.fail(f"comment-id {comment_id} appears twice", line)
        state = file.integer(moderated, "moderated", line, low=-1)
        if state not in MODERATION_VALUES:
            raise file.fail(f"moderated must be -1, 0 or 1, not {state}", line)
        if not body.strip():
            conversation.empty.add(comment_id)
            continue
        _check_text(file, body, "comment-body", line)
        conversation.statements[comment_id] = Statement(
            comment_id=comment_id,
            author_id=file.integer(author, "author-id", line, high=ID_LIMIT),
            at=moment(file.integer(stamp, "timestamp", line)),
            hidden=state == MODERATED_OUT,
            body=body.strip(),
        )
        if count % REPORT_EVERY == 0:
            advance(file)
    if not conversation.statements:
        raise file.fail("no comments: there is nothing to import", None)


def _participants(
    file: CsvFile,
    conversation: Conversation,
    advance: Callable[[CsvFile], None],
    *,
    matrix: bool,
) -> None:
    """The participants; with `matrix`, also their votes (an export without votes.csv)."""
    (where,) = file.columns("participant")
    comments = _matrix_columns(file, conversation) if matrix else []
    for count, (line, row) in enumerate(file.records(where + 1), 1):
        participant = file.integer(row[where], "participant", line, high=ID_LIMIT)
        conversation.participants.add(participant)
        for position, comment_id in comments:
            cell = row[position].strip() if position < len(row) else ""
            if cell:
                _record_vote(file, conversation, comment_id, participant, cell, line, None)
        if count % REPORT_EVERY == 0:
            advance(file)
    advance(file)


def _matrix_columns(file: CsvFile, conversation: Conversation) -> list[tuple[int, int]]:
    """(position, comment id) of each vote column; each must be a comment of comments.csv."""
    columns = []
    (last,) = file.columns(MATRIX_AFTER)
    for position, name in enumerate(file.header[last + 1 :], last + 1):
        comment_id = file.integer(name, "comment column", 1, high=ID_LIMIT)
        if comment_id in conversation.empty:
            continue
        if comment_id not in conversation.statements:
            raise file.fail(f"column for comment-id {comment_id}, which comments.csv lacks", 1)
        columns.append((position, comment_id))
    return columns


def _record_vote(
    file: CsvFile,
    conversation: Conversation,
    comment_id: int,
    voter_id: int,
    vote: str,
    line: int,
    stamp: int | None,
) -> None:
    """Keep a vote if it is the participant's latest on that statement (ties: this one)."""
    value = file.integer(vote, "vote", line, low=-1)
    if value not in KINDS:
        raise file.fail(f"vote must be -1, 0 or 1, not {value}", line)
    if stamp is None:  # the matrix has no times: no earlier than the statement itself
        stamp = int(conversation.statements[comment_id].at.timestamp() * 1000)
    packed = comment_id << 32 | voter_id
    entry = stamp << 2 | (value + 1)
    latest = conversation.latest
    # Ties go to the later row: the export lists a participant's votes in order.
    if packed not in latest or entry >> 2 >= latest[packed] >> 2:
        latest[packed] = entry


def _votes(file: CsvFile, conversation: Conversation, advance: Callable[[CsvFile], None]) -> None:
    where = file.columns("timestamp", "comment-id", "voter-id", "vote")
    for count, (line, row) in enumerate(file.records(max(where) + 1), 1):
        stamp, comment, voter, vote = (row[i] for i in where)
        comment_id = file.integer(comment, "comment-id", line, high=ID_LIMIT)
        if comment_id in conversation.empty:
            continue
        if comment_id not in conversation.statements:
            raise file.fail(f"vote on comment-id {comment_id}, which comments.csv lacks", line)
        voter_id = file.integer(voter, "voter-id", line, high=ID_LIMIT)
        at = file.integer(stamp, "timestamp", line)
        _record_vote(file, conversation, comment_id, voter_id, vote, line, at)
        if count % REPORT_EVERY == 0:
            advance(file)
    advance(file)
