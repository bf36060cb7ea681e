"""Typed errors. Each carries the data a user needs to act: the file, the reason, a hint."""

from __future__ import annotations

from pathlib import Path


class ImgprepError(Exception):
    """Base class for every error imgprep reports to a user."""


class InputError(ImgprepError):
    """A file we were asked to process cannot be used. The batch goes on without it."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.path, self.reason))


class ConfigError(ImgprepError):
    """A preset, product sheet or option is wrong. Nothing is written."""

    def __init__(self, file: str | Path | None, key: str | None, message: str, hint: str = ""):
        self.file = str(file) if file is not None else None
        self.key = key
        self.message = message
        self.hint = hint
        where = self.file or "configuration"
        if key:
            where += f", key '{key}'"
        text = f"{where}: {message}"
        if hint:
            text += f" (hint: {hint})"
        super().__init__(text)

    def __reduce__(self):
        return (type(self), (self.file, self.key, self.message, self.hint))


class NamingError(ImgprepError):
    """A SKU or file name breaks the naming rules of DESIGN.md §4."""


class FileOpError(ImgprepError):
    """A filesystem operation failed; says what we were doing and where."""

    def __init__(self, verb: str, src: str | Path | None, dst: str | Path | None, cause: BaseException):
        self.verb, self.src, self.dst, self.cause = verb, src, dst, cause
        parts = [f"while {verb}"]
        if src is not None:
            parts.append(str(src))
        if dst is not None:
            parts.append(f"to {dst}")
        super().__init__(" ".join(parts) + f": {cause}")

    def __reduce__(self):
        return (type(self), (self.verb, self.src, self.dst, self.cause))
