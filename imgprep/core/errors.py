"""Typed errors. Each carries the data a user needs to act: the file, the reason, a hint."""

from __future__ import annotations

from pathlib import Path

from .messages import Reason, error_reason


class ImgprepError(Exception):
    """Base class for every error imgprep reports to a user."""


class InputError(ImgprepError):
    """A file we were asked to process cannot be used. The batch goes on without it."""

    def __init__(self, path: str | Path, reason: str | Reason):
        """``reason``: the English text, or a :class:`Reason` (then kept as ``why``)."""
        self.path = str(path)
        self.why = reason if isinstance(reason, Reason) else None
        self.reason = str(reason)
        super().__init__(f"{self.path}: {self.reason}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.path, self.why or self.reason))


class ConfigError(ImgprepError):
    """A preset, product sheet or option is wrong. Nothing is written."""

    def __init__(self, file: str | Path | None, key: str | None, message: str | Reason, hint: str = ""):
        self.file = str(file) if file is not None else None
        self.key = key
        self.message = message
        self.hint = hint
        where = self.file or "configuration"
        self.why: Reason | None = None
        if hint:
            self.why = Reason.of("config-error-key" if key else "config-error", file=where, key=key, message=message,
                                 hint=hint)
            text = str(self.why)
        else:
            text = f"{where}, key '{key}': {message}" if key else f"{where}: {message}"
        super().__init__(text)

    def __reduce__(self):
        return (type(self), (self.file, self.key, self.message, self.hint))


class NamingError(ImgprepError):
    """A SKU or file name breaks the naming rules of docs/naming.md. Given a
    :class:`Reason`, keeps it as ``why``."""

    def __init__(self, reason: str | Reason):
        self.why = reason if isinstance(reason, Reason) else None
        super().__init__(str(reason))

    def __reduce__(self):
        return (type(self), (self.why or str(self),))


# FileOpError texts with a message of their own in core.messages (the ones a backup reports):
# (verb, has a source, has a destination) → code.
_FILE_OPS = {
    ("backing up", True, True): "while-backing-up",
    ("copying", True, True): "while-copying",
    ("naming", True, True): "while-naming",
    ("writing", False, True): "while-writing",
}


class FileOpError(ImgprepError):
    """A filesystem operation failed; says what we were doing and where."""

    def __init__(self, verb: str, src: str | Path | None, dst: str | Path | None, cause: BaseException):
        self.verb, self.src, self.dst, self.cause = verb, src, dst, cause
        code = _FILE_OPS.get((verb, src is not None, dst is not None))
        self.why: Reason | None = None
        if code:
            self.why = Reason.of(code, src=str(src), dst=str(dst), detail=error_reason(cause))
            super().__init__(str(self.why))
            return
        parts = [f"while {verb}"]
        if src is not None:
            parts.append(str(src))
        if dst is not None:
            parts.append(f"to {dst}")
        super().__init__(" ".join(parts) + f": {cause}")

    def __reduce__(self):
        return (type(self), (self.verb, self.src, self.dst, self.cause))



# The errors below are ValueErrors too: callers that checked values caught ValueError before
# these types existed, and still do.


class StyleError(ImgprepError, ValueError):
    """A style value of a preset (colour, size, field, font weight, placement) is not allowed."""


class SheetValueError(ImgprepError, ValueError):
    """A product sheet cell is not the number, dimensions or date its column needs."""


class CardError(ImgprepError, ValueError):
    """A reference card that imgprep does not know."""


class SizeCapError(ImgprepError, ValueError):
    """A rendition does not fit its byte cap even at the lowest quality allowed."""
