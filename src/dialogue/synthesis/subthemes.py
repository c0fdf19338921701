"""Sub-themes: clusters of a theme's posts, by TF-IDF and non-negative matrix factorisation.

NMF with the deterministic NNDSVD start and a fixed seed gives the same clusters for the
same posts, which the byte-identical JSON report depends on. Each post joins the component
that weighs most in it; a label is the component's heaviest terms.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from dialogue.synthesis.stopwords import stop_words, strip_accents

MIN_POSTS = 8  # below this, clusters say more about chance than about the discussion
MAX_CLUSTERS = 8
LABEL_TERMS = 3
QUOTES_PER_CLUSTER = 3
SEED = 0
WORD_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # words of three letters or more, no numbers


@dataclass(frozen=True, slots=True)
class SubTheme:
    label: str
    terms: tuple[str, ...]
    post_ids: tuple[int, ...]
    quote_ids: tuple[int, ...]  # representative posts that may be quoted, best first


@dataclass(frozen=True, slots=True)
class SubThemes:
    found: bool
    note: str
    items: tuple[SubTheme, ...] = ()


def cluster_count(posts: int) -> int:
    return max(2, min(MAX_CLUSTERS, round(math.sqrt(posts / 6))))


_WORD = re.compile(WORD_PATTERN)


@lru_cache(maxsize=200_000)
def _plain_word(word: str) -> str:
    return strip_accents(word)


def words(text: str) -> list[str]:
    """Lower-cased words without accents; each distinct word is stripped once, not per use."""
    return [_plain_word(w) for w in _WORD.findall(text.lower())]


def _vectorizer(posts: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        stop_words=stop_words(),
        lowercase=False,  # `words` does it, with the accents, faster than per character
        tokenizer=words,
        token_pattern=None,
        # A word used in a single post can be a name: it never labels a cluster.
        min_df=2,
        max_df=0.5 if posts >= 50 else 1.0,  # a word in half the posts tells no group apart
        max_features=4000,
        sublinear_tf=True,
        dtype=np.float64,
    )


def find_subthemes(posts: Sequence[tuple[int, str]], quotable: frozenset[int]) -> SubThemes:
    """Cluster (post id, text) pairs; quotes are chosen only among `quotable` ids."""
    if len(posts) < MIN_POSTS:
        return SubThemes(
            found=False,
            note=(
                f"Only {len(posts)} published posts: too few to find sub-themes; "
                "little can be inferred beyond the posts themselves."
            ),
        )
    ordered = sorted(posts)
    vectorizer = _vectorizer(len(ordered))
    try:
        matrix = vectorizer.fit_transform([text for _id, text in ordered])
    except ValueError:  # no word left after stop words and min_df
        return SubThemes(found=False, note="The posts share too few words to find sub-themes.")
    if matrix.shape[1] < 2:
        return SubThemes(found=False, note="The posts share too few words to find sub-themes.")
    k = min(cluster_count(len(ordered)), matrix.shape[1])
    model = NMF(n_components=k, init="nndsvd", random_state=SEED, max_iter=200, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(matrix)
    terms = [str(term) for term in vectorizer.get_feature_names_out()]
    return SubThemes(
        found=True, note="", items=_clusters(ordered, weights, model.components_, terms, quotable)
    )


def _clusters(
    ordered: Sequence[tuple[int, str]],
    weights: np.ndarray,
    components: np.ndarray,
    terms: list[str],
    quotable: frozenset[int],
) -> tuple[SubTheme, ...]:
    best = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    found: list[SubTheme] = []
    for c in range(components.shape[0]):
        members = [i for i in range(len(ordered)) if best[i] == c and strength[i] > 0]
        if not members:
            continue
        # Ties broken by term, so the label never depends on floating-point noise alone.
        order = sorted(range(len(terms)), key=lambda t: (-round(float(components[c, t]), 9), t))
        top = tuple(terms[t] for t in order[:LABEL_TERMS] if components[c, t] > 0)
        ranked = sorted(members, key=lambda i: (-round(float(weights[i, c]), 9), ordered[i][0]))
        quotes = tuple(ordered[i][0] for i in ranked if ordered[i][0] in quotable)
        found.append(
            SubTheme(
                label=", ".join(top) if top else "miscellaneous",
                terms=top,
                post_ids=tuple(sorted(ordered[i][0] for i in members)),
                quote_ids=quotes[:QUOTES_PER_CLUSTER],
            )
        )
    found.sort(key=lambda s: (-len(s.post_ids), s.label))
    return tuple(found)
