"""Naming rules (DESIGN.md §4): one place decides what a SKU may be and what a file is called.

Library files are ``<SKU>-<NN>`` (product frames) and ``<SKU>-C<NN>`` (reference-card
frames), NN from 01, two digits, three and more when past 99. A number is assigned
once per source file and never reused.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import NamingError

SKU_MAX = 64
_SKU_RE = re.compile(r"[A-Za-z0-9._-]+")
# Names Windows reserves in every folder, with or without an extension.
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in list("123456789") + ["¹", "²", "³"]
}


def validate_sku(sku: str) -> str:
    """Return the SKU (NFC-normalised, stripped) or raise :class:`NamingError` saying why.

    Allowed: ASCII letters, digits, ``-`` ``_`` ``.``; 1–64 characters; not starting with
    ``.`` or ``-``; no ``..``; not ending with ``.``; not a name Windows reserves.
    """
    if not isinstance(sku, str):
        raise NamingError(f"SKU must be text, got {type(sku).__name__}")
    s = unicodedata.normalize("NFC", sku).strip()
    shown = repr(sku)
    if not s:
        raise NamingError("SKU is empty")
    if any(c in s for c in "/\\"):
        raise NamingError(f"SKU {shown} contains a path separator")
    if any(unicodedata.category(c).startswith("C") for c in s):
        raise NamingError(f"SKU {shown} contains control characters")
    if ".." in s:
        raise NamingError(f"SKU {shown} contains '..'")
    if len(s) > SKU_MAX:
        raise NamingError(f"SKU {shown} is {len(s)} characters long; at most {SKU_MAX} are allowed")
    if not _SKU_RE.fullmatch(s):
        bad = "".join(sorted({c for c in s if not _SKU_RE.fullmatch(c)}))
        raise NamingError(
            f"SKU {shown} contains {bad!r}; only letters A–Z, digits and - _ . are allowed"
        )
    if s[0] in ".-":
        raise NamingError(f"SKU {shown} must not start with '{s[0]}'")
    if s.endswith("."):
        raise NamingError(f"SKU {shown} must not end with '.' (Windows drops it)")
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        raise NamingError(f"SKU {shown} is a name Windows reserves for devices")
    return s


def seq_label(n: int) -> str:
    """``1 → '01'``, ``123 → '123'``."""
    if n < 1:
        raise ValueError(f"sequence numbers start at 1, got {n}")
    return f"{n:02d}"


def frame_stem(sku: str, n: int, *, card: bool = False) -> str:
    return f"{sku}-{'C' if card else ''}{seq_label(n)}"


def next_free(used: set[int]) -> int:
    """The next number after the highest ever used: numbers are never reused,
    even when a file was removed by hand."""
    return max(used, default=0) + 1


_NATURAL = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort 'IMG_2.jpg' before 'IMG_10.jpg'; case-insensitive; NFC so macOS names sort alike."""
    name = unicodedata.normalize("NFC", name).casefold()
    return tuple(int(t) if t.isdigit() else t for t in _NATURAL.split(name))
