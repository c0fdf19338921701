"""What an adapter relies on in another library, checked so that a change fails loudly.

Every failure names the library's installed release and the adapter, so that raising a pin
in pyproject.toml and seeing these tests fail says at once what to revisit.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any, NoReturn

import pytest


class Contract:
    """The private parts of one library (a distribution on PyPI) that one adapter uses."""

    def __init__(self, distribution: str, adapter: str) -> None:
        self.release = f"{distribution} {version(distribution)}"
        self.adapter = adapter

    def broken(self, what: str) -> NoReturn:
        pytest.fail(
            f"{self.release}: {what}. {self.adapter} relies on it: adapt it to this release"
            " (or drop it) before pyproject.toml allows the release.",
            pytrace=False,
        )

    def attributes(self, owner: object, *names: str) -> None:
        """`owner` (a module, class or instance) still has every one of `names`."""
        missing = [name for name in names if not hasattr(owner, name)]
        if missing:
            self.broken(f"{_name(owner)} has no {', '.join(missing)}")

    def parameters(self, function: Callable[..., Any], *names: str) -> None:
        """`function` takes exactly these parameters, in this order."""
        actual = list(inspect.signature(function).parameters)
        if actual != list(names):
            self.broken(
                f"{function.__qualname__} takes ({', '.join(actual)}), not ({', '.join(names)})"
            )

    def holds(self, condition: bool, what: str) -> None:
        """A behaviour the adapter relies on; `what` says what no longer holds."""
        if not condition:
            self.broken(what)


def _name(owner: object) -> str:
    if inspect.ismodule(owner):
        return owner.__name__
    if inspect.isclass(owner):
        return owner.__qualname__
    return f"a {type(owner).__qualname__}"
