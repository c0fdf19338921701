"""Sub-themes: clusters of a theme's posts, across languages, each named by a short phrase.

With the multilingual sentence embeddings (`embeddings`), a theme's posts are clustered by
k-means on their vectors, so a French and an English post about the same idea meet; each
post joins its nearest centre, and a cluster is named by the key phrase (`yake`) of its
most central posts, using only words at least two of its posts share (a word only one
post uses can be a name). Without the embeddings package the older way remains: TF-IDF
and non-negative matrix factorisation, per word. Chinese and Japanese are segmented into
words first (`segment`). Seeds are fixed and ties broken by post id, so the same posts
always give the same clusters, which the byte-identical JSON report depends on.
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

from dialogue.i18n import gettext as _
from dialogue.i18n import ngettext
from dialogue.synthesis import embeddings
from dialogue.synthesis.segment import cjk_words, language, spaced
from dialogue.synthesis.stopwords import stop_words, strip_accents

MIN_POSTS = 8  # below this, clusters say more about chance than about the discussion
MAX_CLUSTERS = 8
LABEL_TERMS = 3
QUOTES_PER_CLUSTER = 3
CANDIDATES = 24  # ranked quotable posts handed on; the report picks stand-alone, unused ones
CENTRAL_POSTS = 12  # a label is drawn from this many of the cluster's most central posts
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
    """Lower-cased words without accents; each distinct word is stripped once, not per use.

    Chinese and Japanese words (two characters or more) come from `segment.cjk_words`.
    """
    found = [_plain_word(w) for w in _WORD.findall(text.lower()) if not _CJK.match(w)]
    if _CJK.search(text):
        found += [w for w in cjk_words(text) if len(w) >= 2]
    return found


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


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
            note=ngettext(
                "Only %(num)s published post: too few to find sub-themes; "
                "little can be inferred beyond the posts themselves.",
                "Only %(num)s published posts: too few to find sub-themes; "
                "little can be inferred beyond the posts themselves.",
                len(posts),
            )
            % {"num": len(posts)},
        )
    ordered = sorted(posts)
    if embeddings.available():
        return SubThemes(found=True, note="", items=_embedded(ordered, quotable))
    vectorizer = _vectorizer(len(ordered))
    try:
        matrix = vectorizer.fit_transform([text for _id, text in ordered])
    except ValueError:  # no word left after stop words and min_df
        return SubThemes(found=False, note=_too_few_words())
    if matrix.shape[1] < 2:
        return SubThemes(found=False, note=_too_few_words())
    k = min(cluster_count(len(ordered)), matrix.shape[1])
    model = NMF(n_components=k, init="nndsvd", random_state=SEED, max_iter=200, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(matrix)
    terms = [str(term) for term in vectorizer.get_feature_names_out()]
    return SubThemes(
        found=True, note="", items=_clusters(ordered, weights, model.components_, terms, quotable)
    )


def _too_few_words() -> str:
    return _("The posts share too few words to find sub-themes.")


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
                label=", ".join(top) if top else _("miscellaneous"),
                terms=top,
                post_ids=tuple(sorted(ordered[i][0] for i in members)),
                quote_ids=quotes[:CANDIDATES],
            )
        )
    found.sort(key=lambda s: (-len(s.post_ids), s.label))
    return tuple(found)


def _embedded(ordered: Sequence[tuple[int, str]], quotable: frozenset[int]) -> tuple[SubTheme, ...]:
    from sklearn.cluster import KMeans

    vectors = embeddings.embed([text for _id, text in ordered]).astype(np.float64)
    k = min(cluster_count(len(ordered)), len(ordered))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KMeans(n_clusters=k, n_init=4, random_state=SEED).fit(vectors)
    centres = model.cluster_centers_
    labels = model.labels_
    taken: set[str] = set()
    found: list[SubTheme] = []
    for c in range(k):
        members = [i for i in range(len(ordered)) if labels[i] == c]
        if not members:
            continue
        closeness = vectors[members] @ centres[c]
        ranked = [
            members[j]
            for j in sorted(
                range(len(members)),
                key=lambda j: (-round(float(closeness[j]), 6), ordered[members[j]][0]),
            )
        ]
        texts = [ordered[i][1] for i in members]
        central = [ordered[i][1] for i in ranked[:CENTRAL_POSTS]]
        phrases, terms = key_phrases(central, texts)
        fresh = [p for p in phrases if p.casefold() not in taken]
        # A phrase of two or three words says more than a word, if it ranks near the top.
        label = next((p for p in fresh[:5] if " " in p), fresh[0] if fresh else "")
        if not label:
            label = _("miscellaneous")
        taken.add(label.casefold())
        found.append(
            SubTheme(
                label=label,
                terms=terms,
                post_ids=tuple(sorted(ordered[i][0] for i in members)),
                quote_ids=tuple(ordered[i][0] for i in ranked if ordered[i][0] in quotable)[
                    :CANDIDATES
                ],
            )
        )
    found.sort(key=lambda s: (-len(s.post_ids), s.label))
    return tuple(found)


@lru_cache(maxsize=1)
def _stop_set() -> frozenset[str]:
    """Stop words for the key phrases, with and without accents (yake compares as written)."""
    from dialogue.synthesis import stopwords

    raw: set[str] = set(stop_words())
    for block in (
        stopwords.FRENCH,
        stopwords.SPANISH,
        stopwords.PORTUGUESE,
        stopwords.DIALOGUE,
        stopwords.CHINESE,
    ):
        raw.update(block.split())
    return frozenset(raw)


def key_phrases(central: Sequence[str], texts: Sequence[str]) -> tuple[list[str], tuple[str, ...]]:
    """Short phrases (up to three words) and single key words for a cluster, best first.

    Only words that at least two of the cluster's posts use may appear: a word one post
    alone uses can be someone's name.
    """
    import yake  # type: ignore[import-untyped]

    lang = language(central)
    prepared = [spaced(t) for t in central if language([t]) == lang] or [spaced(central[0])]
    shared = _shared_words([spaced(t) for t in texts])
    stop = _stop_set()
    joined = "\n".join(prepared)
    phrases = [
        _tidy(p)
        for p, _score in yake.KeywordExtractor(
            lan=lang if lang in ("en", "fr", "es", "pt") else "en", n=3, top=15, stopwords=set(stop)
        ).extract_keywords(joined)
    ]
    ok = [p for p in phrases if p and _allowed(p, shared, stop)]
    single = [p for p in ok if " " not in p][:LABEL_TERMS]
    if len(single) < LABEL_TERMS:
        single += [w for p in ok for w in p.split() if w not in single and w.lower() not in stop]
    return ok, tuple(dict.fromkeys(single))[:LABEL_TERMS]


def _tidy(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    if phrase and all(_CJK.match(ch) for ch in phrase.replace(" ", "")):
        return phrase.replace(" ", "")
    return phrase.lower() if not phrase.isupper() else phrase


def _shared_words(texts: Sequence[str]) -> frozenset[str]:
    counts: dict[str, int] = {}
    for text in texts:
        for word in {w.lower() for w in re.findall(r"[^\W\d_]+", text)}:
            counts[word] = counts.get(word, 0) + 1
    return frozenset(w for w, n in counts.items() if n >= 2)


def _allowed(phrase: str, shared: frozenset[str], stop: frozenset[str]) -> bool:
    parts = re.findall(r"[^\W\d_]+", phrase.lower())
    plain = [strip_accents(p) for p in parts]
    if not parts or all(p in stop for p in plain) or plain[0] in stop or plain[-1] in stop:
        return False
    if len("".join(parts)) < 3 and not _CJK.match(parts[0]):
        return False
    return all(p in shared for p in parts)
