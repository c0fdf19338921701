"""The small-count rule: nothing under five is published, nor worked out from a total."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialogue.safety.small_counts import SMALL, shown, withheld


def remainder(counts: dict[str, int], parts: list[str], hidden: set[str]) -> int:
    """What a reader works out by subtracting the parts shown from the total."""
    return sum(counts[p] for p in parts if p in hidden)


class TestShown:
    def test_five_and_up_are_exact_below_is_withheld(self) -> None:
        assert [shown(n) for n in (0, 1, 4, 5, 12)] == [None, None, None, 5, 12]


class TestComplements:
    def test_one_small_part_beside_its_total_takes_the_smallest_other_part_with_it(self) -> None:
        counts = {"total": 16, "a": 7, "b": 3, "c": 6}
        assert withheld(counts, [("total", ["a", "b", "c"])]) == {"b", "c"}

    def test_a_part_of_zero_gives_nobody_away(self) -> None:
        counts = {"total": 7, "a": 7, "b": 0}
        assert withheld(counts, [("total", ["a", "b"])]) == {"b"}

    def test_small_parts_that_add_up_to_five_or_more_are_enough(self) -> None:
        counts = {"total": 14, "a": 9, "b": 3, "c": 2}
        assert withheld(counts, [("total", ["a", "b", "c"])]) == {"b", "c"}

    def test_a_private_part_counts_as_withheld(self) -> None:
        big = {"total": 12, "shown": 5, "open": 7}
        assert withheld(big, [("total", ["shown", "open"])], ["open"]) == {"open"}
        small = {"total": 8, "shown": 6, "open": 2}
        assert withheld(small, [("total", ["shown", "open"])], ["open"]) == {"open", "shown"}

    def test_a_part_withheld_for_one_sum_is_the_total_of_another(self) -> None:
        # The weeks add up to the appeals granted, which are one part of all appeals.
        counts = {"appeals": 20, "granted": 9, "rest": 11, "week1": 7, "week2": 2}
        sums = [("appeals", ["granted", "rest"]), ("granted", ["week1", "week2"])]
        assert withheld(counts, sums, ["rest"]) == {"rest", "week1", "week2"}

    @given(
        st.lists(st.tuples(st.integers(0, 12), st.booleans()), min_size=1, max_size=8),
        st.lists(st.integers(0, 12), max_size=5),
    )
    def test_no_small_sum_of_withheld_parts_can_be_worked_out(
        self, parts: list[tuple[int, bool]], weeks: list[int]
    ) -> None:
        # p0 is itself the total of the weeks, as the appeals granted are of theirs.
        counts = {f"w{i}": n for i, n in enumerate(weeks)}
        counts |= {f"p{i}": n for i, (n, _private) in enumerate(parts)}
        counts["p0"] = sum(weeks)
        counts["total"] = sum(counts[f"p{i}"] for i in range(len(parts)))
        private = [f"p{i}" for i, (_n, is_private) in enumerate(parts) if is_private and i]
        sums = [
            ("total", [f"p{i}" for i in range(len(parts))]),
            ("p0", [f"w{i}" for i in range(len(weeks))]),
        ]
        hidden = withheld(counts, sums, private)
        assert {k for k, n in counts.items() if n < SMALL} | set(private) <= hidden
        for total, members in sums:
            if total not in hidden and members:
                left = remainder(counts, members, hidden)
                assert left == 0 or left >= SMALL, (total, counts, hidden)
