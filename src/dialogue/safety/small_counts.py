"""Published counts that point to no one: the one threshold rule, and what it takes to keep.

In a small dialogue a small count can single someone out ("one member was removed in week 3",
"members: 2"), so every count that leaves the server for readers goes through `shown`: under
`SMALL` it is withheld (None). Withholding one cell is not enough where a total is shown
beside its parts, since subtracting the parts shown gives what the withheld ones add up to;
`withheld` then withholds more, as docs/security.md ("Small counts") sets out.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

SMALL = 5

Key = TypeVar("Key", bound=Hashable)


def shown(count: int) -> int | None:
    """A count as published: exact from `SMALL` up, else None (withheld)."""
    return count if count >= SMALL else None


def withheld(
    counts: Mapping[Key, int],
    sums: Iterable[tuple[Key, Sequence[Key]]],
    private: Iterable[Key] = (),
) -> set[Key]:
    """The cells of `counts` not to publish.

    `sums` are the totals published beside the parts they add up to exactly, `(total, parts)`;
    `private` cells are never published (the part no figure shows, such as flags still open),
    but count as parts. Besides every count under `SMALL`: while what the unpublished parts of
    a published total add up to (which anyone can work out by subtracting) is neither zero
    nor at least `SMALL`, the smallest part still published is withheld too. (One is always
    left: with every part unpublished, they add up to the total, which is at least `SMALL`.)
    A withheld cell reads the same whatever the reason, so a reader cannot tell a small count
    from one withheld to protect it.
    """
    relations = [(total, list(parts)) for total, parts in sums]
    hidden = {key for key, n in counts.items() if n < SMALL} | set(private)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            if total in hidden:
                continue
            remainder = sum(counts[p] for p in parts if p in hidden)
            if remainder == 0 or remainder >= SMALL:
                continue
            published = [(counts[p], i, p) for i, p in enumerate(parts) if p not in hidden]
            hidden.add(min(published)[2])
            changed = True
    return hidden
