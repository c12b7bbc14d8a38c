"""Packages named like the function they serve (``pipeline.verify``, ``pipeline.evaluate``).

Importing a package ``pipeline.verify`` makes Python set the attribute ``pipeline.verify`` to
that package, over the lazily exported function of the same name. A package made callable
here calls its function, so ``pipeline.verify(paths)`` works whichever of the two the
attribute holds."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType


class CallablePackage(ModuleType):
    """A module whose call is a call of its function of the same name."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)


def make_callable(name: str, function: Callable) -> None:
    """Let the module ``name`` be called as ``function`` (which it must export by its name)."""
    module = sys.modules[name]
    if getattr(module, name.rpartition(".")[2]) is not function:
        raise TypeError(f"{name} does not export {function.__name__}")
    module.__class__ = CallablePackage
