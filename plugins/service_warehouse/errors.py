"""Errors the product raises on purpose: each says what went wrong and where, in one line."""

from __future__ import annotations


class ServiceWarehouseError(Exception):
    """Base class: the command line prints these as a clear message, without a traceback."""


class WarehouseError(ServiceWarehouseError):
    """The warehouse server or a database in it cannot be reached or set up."""


class SourceFileError(ServiceWarehouseError):
    """A file-level fault in a source delivery: the batch fails and loads nothing.

    The message names the file, the line (when one applies) and the fault.
    """

    def __init__(self, path: str, fault: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {fault}")
        self.path = str(path)
        self.line = line
        self.fault = fault


class DataQualityError(ServiceWarehouseError):
    """A critical expectation failed: the run stops before publishing."""
