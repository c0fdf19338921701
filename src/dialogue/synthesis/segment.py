"""Words in any of the dialogue's languages: Chinese segmented with jieba, a language guessed.

Chinese and Japanese are written without spaces, so a word pattern sees a whole sentence
as one "word" (vTaiwan's sub-theme "我覺得", "I think", was a phrase, not a topic).
Han runs are cut into words by jieba's dictionary; kana runs by script. The language
guess only picks the key-phrase extractor's stop words, so a rough one is enough.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from dialogue.synthesis.stopwords import FRENCH, PORTUGUESE, SPANISH, strip_accents

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA = re.compile(r"[\u3040-\u309f]+|[\u30a0-\u30ff]+")
_LATIN_WORD = re.compile(r"[^\W\d_]+")
_STOP = {
    "en": frozenset(ENGLISH_STOP_WORDS),
    "fr": frozenset(FRENCH.split()),
    "es": frozenset(SPANISH.split()),
    "pt": frozenset(PORTUGUESE.split()),
}


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def is_cjk(text: str) -> bool:
    letters = sum(1 for ch in text if ch.isalpha())
    return letters > 0 and len(_CJK.findall(text)) >= 0.3 * letters


def cjk_words(text: str) -> list[str]:
    """The Chinese words (jieba) and kana runs of a text, in order; other letters dropped."""
    jieba = _jieba()
    found: list[str] = []
    for run in _CJK_RUN.findall(text):
        pos = 0
        for han in _HAN.finditer(run):
            found += _KANA.findall(run[pos : han.start()])
            found += [w for w in jieba.lcut(han.group(), HMM=False) if w.strip()]  # type: ignore[attr-defined]
            pos = han.end()
        found += _KANA.findall(run[pos:])
    return found


def spaced(text: str) -> str:
    """The text with its CJK words separated by spaces, for tools that split on spaces."""
    if not _CJK.search(text):
        return text
    return _CJK_RUN.sub(lambda m: " " + " ".join(cjk_words(m.group())) + " ", text)


def language(texts: Iterable[str]) -> str:
    """The language most of these texts seem to be in: zh, en, fr, es or pt."""
    votes: Counter[str] = Counter()
    for text in texts:
        if is_cjk(text):
            votes["zh"] += 1
            continue
        words = [strip_accents(w.lower()) for w in _LATIN_WORD.findall(text)]
        scores = {lang: sum(w in stop for w in words) for lang, stop in _STOP.items()}
        best = max(sorted(scores), key=lambda lang: scores[lang])
        votes[best if scores[best] else "en"] += 1
    return max(sorted(votes), key=lambda lang: votes[lang]) if votes else "en"
