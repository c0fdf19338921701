"""A theme's key messages, drafted extractively for the editor to rewrite.

From the sentences of the theme's most central quotable posts, maximal marginal relevance
picks those closest to what the theme's posts say overall (the mean of their vectors)
while least like the ones already picked, one sentence per post at most. They are
participants' own sentences, offered as a draft: the report marks them so, and an
editor's written summary of the theme replaces them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from dialogue.synthesis import embeddings

COUNT = 5
RELEVANCE = 0.7  # against 0.3 for novelty
SENTENCES_PER_POST = 3
MIN_WORDS, MAX_WORDS = 8, 45
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def sentences(text: str) -> list[str]:
    found = []
    for part in _SENTENCE.findall(" ".join(text.split())):
        sentence = part.strip().lstrip("\"'“”‘’«» ")  # not a quote's closing mark
        cjk = len(_CJK.findall(sentence))
        words = len(sentence.split())
        if (MIN_WORDS <= words <= MAX_WORDS) or 12 <= cjk <= 120:
            found.append(sentence)
        if len(found) == SENTENCES_PER_POST:
            break
    return found


def _vectors(texts: list[str]) -> np.ndarray:
    if embeddings.available():
        return embeddings.embed(texts).astype(np.float64)
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer().fit_transform(texts).toarray()
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.maximum(norms, 1e-12), dtype=np.float64)


def key_messages(posts: Sequence[tuple[int, str]], count: int = COUNT) -> list[tuple[int, str]]:
    """(post id, sentence) pairs, most representative first."""
    pool = [(pid, s) for pid, text in sorted(posts) for s in sentences(text)]
    if not pool:
        return []
    try:
        vectors = _vectors([s for _pid, s in pool])
    except ValueError:  # TF-IDF found no words
        return []
    centre = vectors.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    relevance = vectors @ centre
    chosen: list[int] = []
    used_posts: set[int] = set()
    while len(chosen) < min(count, len(pool)):
        best: tuple[float, int] | None = None
        for i, (pid, _s) in enumerate(pool):
            if i in chosen or pid in used_posts:
                continue
            novelty = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            score = round(RELEVANCE * float(relevance[i]) - (1 - RELEVANCE) * novelty, 6)
            if best is None or score > best[0]:
                best = (score, i)
        if best is None:
            break
        chosen.append(best[1])
        used_posts.add(pool[best[1]][0])
    return [pool[i] for i in chosen]
