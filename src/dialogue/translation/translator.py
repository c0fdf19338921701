"""Which way a post goes from its language to the reader's: straight, or through Spanish.

The Apertium pairs installed here (en-es, fr-es, es-pt and back) meet in Spanish, so a
pair with no direct engine, such as fr-en, is made in two steps, French to Spanish to
English. Each step loses a little; a direct pair is always preferred.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogue.config import Settings
from dialogue.translation.engines import Apertium, Engine, LibreTranslate, Pair

PIVOT = "es"


def base_language(tag: str) -> str:
    """`pt-BR` → `pt`: engines translate languages, not regional variants."""
    return tag.split("-", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class Translator:
    """One engine and the pairs it had when the app started."""

    engine: Engine | None
    pairs: frozenset[Pair]

    @classmethod
    async def start(cls, settings: Settings) -> Translator:
        engine: Engine | None
        if settings.translate_url:
            engine = LibreTranslate(settings.translate_url, timeout=settings.translate_timeout)
        elif settings.apertium_command:
            engine = Apertium(settings.apertium_command, timeout=settings.translate_timeout)
        else:
            engine = None
        pairs = await engine.pairs() if engine is not None else frozenset()
        return cls(engine=engine, pairs=pairs)

    def route(self, source: str | None, target: str) -> list[Pair] | None:
        """The steps from `source` to `target`, or None where no engine can go (or the two
        are the same language: nothing to translate)."""
        if source is None:
            return None
        src, dst = base_language(source), base_language(target)
        if src == dst:
            return None
        if (src, dst) in self.pairs:
            return [(src, dst)]
        if (src, PIVOT) in self.pairs and (PIVOT, dst) in self.pairs:
            return [(src, PIVOT), (PIVOT, dst)]
        return None

    def can_translate(self, source: str | None, target: str) -> bool:
        return self.route(source, target) is not None

    async def translate(self, html: str, steps: list[Pair]) -> str:
        assert self.engine is not None  # a route exists only with an engine
        for source, target in steps:
            html = await self.engine.translate(html, source=source, target=target)
        return html
