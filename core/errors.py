"""NeedLens's own exceptions.

The library raises these; only the interfaces (CLI, pages) turn them into messages.
Every message says what is wrong and how to fix it.
"""
from __future__ import annotations


class NeedLensError(Exception):
    """Base class for every error NeedLens raises on purpose."""


class InputError(NeedLensError):
    """A file the user gave cannot be read as a dataset (missing, empty, wrong type, undecodable)."""


class ColumnError(InputError):
    """A required column role (e.g. the review text) could not be found or was mis-mapped."""


class WorkspaceError(NeedLensError):
    """The DuckDB workspace cannot be opened or written (locked, corrupt, disk full)."""


class ModelError(NeedLensError):
    """A model could not be loaded (missing package, unreachable hub, bad path)."""


class MissingDependency:
    """Stand-in for an optional package that is not installed; raises on first use (KeyBERT's habit)."""

    def __init__(self, package: str, purpose: str) -> None:
        self._package = package
        self._purpose = purpose

    def __getattr__(self, name: str):  # noqa: D401 - mirrors the module it stands in for
        raise ModelError(
            f"{self._purpose} needs the '{self._package}' package; install it with: pip install {self._package}"
        )
