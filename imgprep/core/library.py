"""The library layout: the one tree imgprep writes (and mirrors), spelled only here.

::

    library/
      A1234/
        raw/        A1234-01.jpg  A1234-02.CR2 …   originals, byte-identical, never modified
        card/       A1234-C01.jpg                  reference-card frames
        psd/        A1234-01.psd …                 designers' PSDs, renamed on arrival
        jpg/        A1234-01.jpg …                 renditions for upload
        report/     colour-A1234.html …            colour reports
        page/       A1234-page.jpg …               the description page
        superseded/                                earlier revisions, kept
      imgprep.sqlite                               the journal
      imgprep.log                                  the watcher's log

Paths in the journal are relative to the library, with ``/`` (``A1234/raw/A1234-01.jpg``).
"""

from __future__ import annotations

from pathlib import Path

JOURNAL_NAME = "imgprep.sqlite"
LOG_NAME = "imgprep.log"

# The folders the engine writes in a SKU's library folder.
SKU_FOLDERS = ("raw", "card", "psd", "jpg", "report", "page", "superseded")


def sku_root(sku: str) -> str:
    """A SKU's own folder, relative to the library (``A1234``); its files' paths start
    with ``sku_root(sku) + "/"``."""
    return sku


def sidecar(sku: str, name: str) -> str:
    """A side file of imgprep's own in a SKU's folder (``SKU/page.toml``), relative to the
    library."""
    return f"{sku_root(sku)}/{name}"


def folder(sku: str, kind: str) -> str:
    """``SKU/<kind>`` (one of :data:`SKU_FOLDERS`), relative to the library."""
    assert kind in SKU_FOLDERS, kind
    return f"{sku_root(sku)}/{kind}"


def in_folder(sku: str, kind: str, name: str) -> str:
    """``SKU/<kind>/<name>``, relative to the library."""
    return f"{folder(sku, kind)}/{name}"


def original(sku: str, stem: str, ext: str, card: bool = False) -> str:
    """Where a frame's original goes: ``SKU/raw/SKU-03.cr2`` (``SKU/card/SKU-C01.jpg``)."""
    return in_folder(sku, "card" if card else "raw", f"{stem}{ext}")


def rendition_base(sku: str, stem: str) -> str:
    """A frame's renditions' path without extension: ``SKU/jpg/SKU-03``."""
    return in_folder(sku, "jpg", stem)


def sku_of(rel: str) -> str:
    """The SKU a library path belongs to."""
    return rel.split("/", 1)[0]


def numbers(stems: list[str], sku: str, card: bool) -> set[int]:
    """The sequence numbers of the library names among ``stems`` (``SKU-03``, ``SKU-C01``)."""
    prefix = (f"{sku}-C" if card else f"{sku}-").lower()
    return {int(s[len(prefix):]) for s in stems
            if s.lower().startswith(prefix) and s[len(prefix):].isdigit()}


def numbers_on_disk(library: Path, sku: str, kind: str) -> set[int]:
    """Numbers already taken by files in a SKU's library folder (belt and braces: the
    journal is the truth, but a number on disk is never handed out again either)."""
    where = library / folder(sku, kind)
    return numbers([p.stem for p in where.iterdir()], sku, kind == "card") if where.is_dir() else set()
