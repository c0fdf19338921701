"""Times and numbers as the reader's language writes them: relative times ("3 hours ago")
within a week (older or future times stay exact), and counts and measures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialogue.i18n import ago, number, translating

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class TestAgo:
    def test_in_each_language(self) -> None:
        three_hours = NOW - timedelta(hours=3)
        said = {}
        for language in ("en", "fr", "es", "pt"):
            with translating(language):
                said[language] = ago(three_hours, NOW)
        assert said == {
            "en": "3 hours ago",
            "fr": "il y a 3 heures",
            "es": "hace 3 horas",
            "pt": "há 3 horas",
        }

    def test_a_moment_ago_is_just_now_in_the_readers_words(self) -> None:
        with translating("fr"):
            assert ago(NOW - timedelta(seconds=20), NOW) == "à l’instant"

    def test_beyond_a_week_or_ahead_the_exact_time_reads_better(self) -> None:
        assert ago(NOW - timedelta(days=8), NOW) == ""
        assert ago(NOW + timedelta(minutes=5), NOW) == ""
        assert ago(None, NOW) == ""

    def test_a_stored_naive_time_is_utc(self) -> None:
        with translating("en"):
            assert ago((NOW - timedelta(days=2)).replace(tzinfo=None), NOW) == "2 days ago"


class TestNumbers:
    def test_as_each_language_writes_them(self) -> None:
        said = {}
        for language in ("en", "fr", "es", "pt"):
            with translating(language):
                said[language] = (number(12046), number(1.5))
        assert said == {
            "en": ("12,046", "1.5"),
            "fr": ("12\u202f046", "1,5"),
            "es": ("12.046", "1,5"),
            "pt": ("12.046", "1,5"),
        }
