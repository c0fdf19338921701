"""When each part of the sample dialogue happened, placed so that its third theme is open now.

The content gives each post a day and hour from the dialogue's start. The start is put two
weeks (plus 12 to 36 hours) before now, so the first two themes lie wholly in the past and
the third opened today or yesterday. The third theme's posts, written for a full week, are
pressed into the time it has been open, in their order: the demo never shows a post from
the future, and `seq` order is time order because the steps run sorted by time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dialogue.demo.specs import Content, PostSpec
from dialogue.threads.models import ReactionKind

THEME_LENGTH = timedelta(days=7)
# The third theme has been open at least this long, so its compressed posts keep some air.
OPEN_THEME_MIN_AGE = timedelta(hours=12)
NEWEST_POST_AGE = timedelta(minutes=30)  # the newest published post, before now
PENDING_AGE = timedelta(minutes=10)  # the post waiting in the queue, before now
REACTION_GAP = timedelta(minutes=40)  # between the reactions to one post, at most
HIGHLIGHT_DELAY = timedelta(days=1)  # a moderator highlights a post within a day, at most
FLAG_DELAY = timedelta(hours=3)  # a reader flags a post within a few hours, at most
LAST_MOMENT = timedelta(minutes=1)  # reactions end this long before now or the theme's close


@dataclass(frozen=True, slots=True)
class Window:
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class Write:
    at: datetime
    post: PostSpec


@dataclass(frozen=True, slots=True)
class React:
    at: datetime
    post: str
    person: str
    kind: ReactionKind


@dataclass(frozen=True, slots=True)
class Highlight:
    at: datetime
    post: str


@dataclass(frozen=True, slots=True)
class Flagging:
    at: datetime
    post: str


@dataclass(frozen=True, slots=True)
class Hold:
    """The post that arrives under pre-moderation and waits in the queue."""

    at: datetime


Step = Write | React | Highlight | Flagging | Hold


@dataclass(frozen=True, slots=True)
class Schedule:
    now: datetime
    start: datetime
    windows: tuple[Window, ...]
    steps: tuple[Step, ...]  # in time order

    # The preparations before the first theme opens, one moment each, in the order they run.
    def created_at(self) -> datetime:
        return self.start - timedelta(days=10)

    def joined_at(self, index: int) -> datetime:
        return self.start - timedelta(days=7) + index * timedelta(minutes=30)

    def theme_created_at(self, index: int) -> datetime:
        return self.start - timedelta(days=5) + index * timedelta(hours=1)

    def conduct_accepted_at(self, index: int) -> datetime:
        return self.start - timedelta(days=3) + index * timedelta(minutes=45)

    def opened_at(self) -> datetime:
        return self.start - timedelta(hours=1)


def dialogue_start(now: datetime) -> datetime:
    """Midnight UTC two weeks before the latest midnight at least 12 hours ago."""
    anchor = (now - OPEN_THEME_MIN_AGE).replace(hour=0, minute=0, second=0, microsecond=0)
    return anchor - 2 * THEME_LENGTH


def theme_windows(start: datetime, count: int) -> tuple[Window, ...]:
    return tuple(
        Window(opens_at=start + i * THEME_LENGTH, closes_at=start + (i + 1) * THEME_LENGTH)
        for i in range(count)
    )


def post_times(content: Content, windows: tuple[Window, ...], now: datetime) -> dict[str, datetime]:
    """Each post's time; a theme whose posts would reach past now is compressed, in order."""
    limit = now - NEWEST_POST_AGE
    times: dict[str, datetime] = {}
    for position, window in enumerate(windows):
        posts = [p for t in content.threads if t.theme == position for p in t.posts]
        if not posts:
            continue
        offsets = {p.key: p.offset - position * THEME_LENGTH for p in posts}
        latest = max(offsets.values())
        factor = 1.0
        if window.opens_at + latest > limit:
            room = limit - window.opens_at
            if room <= timedelta(0):
                raise ValueError("the open theme has not been open long enough to hold posts")
            factor = room / latest
        times.update({key: window.opens_at + offset * factor for key, offset in offsets.items()})
    return times


def schedule(content: Content, now: datetime) -> Schedule:
    start = dialogue_start(now)
    windows = theme_windows(start, len(content.themes))
    times = post_times(content, windows, now)
    highlighted = set(content.highlights)
    steps: list[Step] = []
    for thread in content.threads:
        for post in thread.posts:
            at = times[post.key]
            end = min(windows[thread.theme].closes_at, now) - LAST_MOMENT
            steps.append(Write(at=at, post=post))
            gap = min(REACTION_GAP, (end - at) / (len(post.reactions) + 1))
            steps.extend(
                React(at=at + (i + 1) * gap, post=post.key, person=person, kind=kind)
                for i, (person, kind) in enumerate(post.reactions)
            )
            if post.key in highlighted:
                steps.append(Highlight(at=at + min(HIGHLIGHT_DELAY, (end - at) / 2), post=post.key))
            if post.key == content.flag.post:
                steps.append(Flagging(at=at + min(FLAG_DELAY, (end - at) / 3), post=post.key))
    pending_theme = content.threads[content.pending.thread].theme
    steps.append(Hold(at=min(windows[pending_theme].closes_at, now) - PENDING_AGE))
    # A stable sort: steps at the same moment keep the content's order (a post before its
    # reactions, threads in the order written).
    steps.sort(key=lambda step: step.at)
    return Schedule(now=now, start=start, windows=windows, steps=tuple(steps))
