"""JSON: the document itself, keys sorted, so the same dialogue gives the same bytes.

The shape is documented in docs/report-schema.json and checked against it in the tests.
"""

from __future__ import annotations

import json
from typing import Any

from dialogue.synthesis.render.common import RenderOptions


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")
