"""Static files under content-hashed names (`css/site.3f2a9c81d0.css`), cached for a year.

A hashed name changes whenever its file does, so a browser may keep it for a year without
asking again (`immutable`): on a slow, metered link the second page costs only its HTML.
Templates name files with `static_url("css/site.css")`. ES modules import one another by
relative name (`./live-connection.js`); the served copy names the hashed file instead, and
its own hash covers those names, so a change in an imported module renames its importers too.

Each file is read and gzipped (level 9, once) when the app starts: a request only picks the
bytes. The plain names still answer, with a short cache, for links made before a change.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from os import PathLike
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

YEAR = 60 * 60 * 24 * 365
IMMUTABLE = f"public, max-age={YEAR}, immutable"
# Types gzip shrinks; images other than SVG are compressed already.
COMPRESSIBLE = (".css", ".js", ".svg", ".json", ".txt", ".map")
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\./[\w./-]+\.js)\2""")


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


class StaticAssets:
    """The manifest (plain name → hashed name) and the bytes of every hashed file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names: dict[str, str] = {}
        self.files: dict[str, Asset] = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            self._add(path.relative_to(directory).as_posix(), ())

    def url(self, name: str) -> str:
        """The address of `name` (relative to the static folder) under its hashed name."""
        return f"/static/{self.names.get(name, name)}"

    def _add(self, name: str, importing: tuple[str, ...]) -> str:
        if name in self.names:
            return self.names[name]
        if name in importing:
            raise ValueError(f"static modules import each other in a cycle: {name}")
        body = (self.directory / name).read_bytes()
        if name.endswith(".js"):
            body = self._link_imports(name, body, (*importing, name))
        digest = hashlib.sha256(body).hexdigest()[:10]
        stem, dot, suffix = name.rpartition(".")
        hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith("javascript"):
            media += "; charset=utf-8"
        packed = gzip.compress(body, 9, mtime=0) if name.endswith(COMPRESSIBLE) else None
        self.names[name] = hashed
        self.files[hashed] = Asset(body, packed, media, f'"{digest}"')
        return hashed

    def _link_imports(self, name: str, body: bytes, importing: tuple[str, ...]) -> bytes:
        folder = Path(name).parent

        def hashed(match: re.Match[str]) -> str:
            target = (folder / match.group(3)).as_posix()
            if not (self.directory / target).is_file():
                return match.group(0)
            renamed = Path(self._add(target, importing)).name
            return f"{match.group(1)}{match.group(2)}./{renamed}{match.group(2)}"

        return _IMPORT.sub(hashed, body.decode()).encode()


@lru_cache(maxsize=8)
def static_assets(directory: Path) -> StaticAssets:
    """Read once per process and folder: templates and the mount share one manifest."""
    return StaticAssets(directory)


class HashedStaticFiles(StaticFiles):
    """Serves hashed names from memory with a year's cache (gzipped for a client that takes
    it); other names as Starlette does, with an hour's cache."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)
        self.assets = static_assets(directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        asset = self.assets.files.get(self.get_path(scope)) if scope["type"] == "http" else None
        if asset is None:
            await super().__call__(scope, receive, send)
            return
        request = Headers(scope=scope)
        headers = {"cache-control": IMMUTABLE, "etag": asset.etag}
        if asset.gzipped is not None:
            headers["vary"] = "Accept-Encoding"
        if request.get("if-none-match") == asset.etag:
            await Response(status_code=304, headers=headers)(scope, receive, send)
            return
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.get("accept-encoding", ""):
            body, headers["content-encoding"] = asset.gzipped, "gzip"
        await Response(body, media_type=asset.media_type, headers=headers)(scope, receive, send)

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.setdefault("cache-control", "public, max-age=3600")
        return response
