"""The API fuzz of the suite, longer and with new examples each run: for releases.

    python bench/fuzz_api.py [EXAMPLES]     (default 25 per operation, caller, mode, path kind)

It runs tests/test_fuzz_api.py with `DIALOGUE_FUZZ_EXAMPLES` raised and
`DIALOGUE_FUZZ_RANDOM=1`, on SQLite, and prints the calls made and their statuses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    examples = sys.argv[1] if len(sys.argv) > 1 else "25"
    env = {
        **os.environ,
        "DIALOGUE_FUZZ_EXAMPLES": examples,
        "DIALOGUE_FUZZ_RANDOM": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-n",
        "0",
        "-p",
        "no:randomly",
        "tests/test_fuzz_api.py",
        "tests/live/test_frame_fuzz.py",
    ]
    return subprocess.call(command, env=env, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
