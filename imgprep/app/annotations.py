"""What each rendition carries besides the photo: the spec panel on the hero, the
selling-point callout on each detail, dimension lines — decided per frame by the engine,
drawn by :mod:`imgprep.core.imaging.annotate`.

Designers override callouts per image in a sidecar ``callouts.toml`` in the shoot folder::

    ["IMG_0042.jpg"]            # the source file name, or the library name "A1234-03"
    text = "加厚杯壁 久置不烫手"
    anchor = [0.42, 0.61]       # the point the leader line touches, fractions of width/height
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ..core.catalogue import Product
from ..core.messages import say
from ..core.presets import Preset, Rendition

SIDECAR = "callouts.toml"
MAX_SIDECAR_BYTES = 1 << 20  # 1 MiB: thousands of callouts; a bigger file is not a sidecar
MAX_CALLOUT_TEXT = 200
# A key may name a frame by its library name (A1234-03) instead of its source file.
_LIBRARY_NAME = re.compile(r"[A-Za-z0-9._-]+-\d{2,}")


@dataclass(frozen=True)
class CalloutOverride:
    text: str | None = None
    anchor: tuple[float, float] | None = None


def load_callouts(folder: Path, known: frozenset[str] | set[str] = frozenset()
                  ) -> tuple[dict[str, CalloutOverride], list[str]]:
    """Overrides from ``folder/callouts.toml`` and the problems found (never raises).
    A key names a file of ``folder``, a library name (``A1234-03``) or one of ``known``
    (the shoot's sources in the journal: the hot folder moves them to done/)."""
    path = folder / SIDECAR
    if not path.is_file():
        return {}, []
    try:
        size = path.stat().st_size
        if size > MAX_SIDECAR_BYTES:  # read nothing of it: a sidecar is a few lines per image
            return {}, [say("callouts-error", file=path,
                            detail=say("side-file-too-big", size=size, limit=MAX_SIDECAR_BYTES))]
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return {}, [say("callouts-error", file=path, detail=say("callouts-not-toml", detail=e))]
    except (RecursionError, MemoryError):  # tomllib recurses once per level of nesting
        return {}, [say("callouts-error", file=path, detail=say("side-file-too-deep"))]
    out: dict[str, CalloutOverride] = {}
    problems: list[str] = []

    def problem(key: str, code: str, **args: object) -> None:
        problems.append(say("callouts-entry", file=path, key=key, detail=say(code, **args)))

    for key, v in data.items():
        if not isinstance(v, dict):
            problem(key, "callouts-not-table")
            continue
        if key not in known and not _LIBRARY_NAME.fullmatch(key) and not (folder / key).is_file():
            problem(key, "callouts-no-such-file")  # a typo would otherwise be ignored silently
        text = v.get("text")
        anchor = v.get("anchor")
        unknown = set(v) - {"text", "anchor"}
        if unknown:
            problem(key, "callouts-unknown-keys", keys=", ".join(sorted(unknown)))
        if text is not None and not isinstance(text, str):
            problem(key, "callouts-text-type", kind=type(text).__name__)
            text = None
        elif text is not None and len(text) > MAX_CALLOUT_TEXT:
            problem(key, "callouts-text-long", length=len(text), limit=MAX_CALLOUT_TEXT)
            text = None
        if anchor is not None:
            ok = (isinstance(anchor, list) and len(anchor) == 2
                  and all(isinstance(a, int | float) and 0 <= a <= 1 for a in anchor))
            if not ok:
                problem(key, "callouts-anchor")
                anchor = None
        out[key] = CalloutOverride(text, tuple(anchor) if anchor else None)  # type: ignore[arg-type]
    return out, problems


@dataclass(frozen=True)
class FramePlan:
    """Annotations for one frame's renditions (a value: safe to hand to render threads)."""

    product: Product | None = None
    callout: CalloutOverride | None = None
    preset: Preset | None = None

    def finisher(self) -> Callable[[Image.Image, Rendition], tuple[Image.Image, dict[str, Any]]] | None:
        if self.preset is None:
            return None
        preset, product, callout = self.preset, self.product, self.callout

        def finish(img: Image.Image, r: Rendition) -> tuple[Image.Image, dict[str, Any]]:
            from ..core.imaging.annotate import PanelStyle, dimension_lines, spec_panel
            from ..core.imaging.annotate import callout as draw_callout

            facts: dict[str, Any] = {}
            if r.dimensions and product is not None:
                img, f = dimension_lines(img, product)
                facts["dimensions"] = {"found": f.get("found"), "reason": f.get("reason")}
            if r.panel and product is not None:
                style = PanelStyle(fields=preset.panel.fields, language=preset.panel.language,
                                   place=preset.panel.place)
                img, f = spec_panel(img, product, style)
                facts["panel"] = {"fields_shown": list(f.get("fields_shown", [])),
                                  "fields_missing": list(f.get("fields_missing", [])),
                                  "missing_glyphs": sorted(f.get("missing_glyphs", [])),
                                  "height": f.get("panel_height", 0), "place": f.get("place")}
            if r.callouts and callout is not None and callout.text:
                img, f = draw_callout(img, callout.text, callout.anchor)
                facts["callout"] = {"text": callout.text, "anchor": f.get("anchor"),
                                    "fits": f.get("fits"), "missing_glyphs": sorted(f.get("missing_glyphs", []))}
            return img, facts

        return finish


def glyph_warning(path: str, facts: dict[str, Any]) -> str | None:
    """The warning for a rendition whose panel or callout left characters out (no font of
    the chain has them), from its recorded facts; None when nothing was left out."""
    chars = sorted({g for f in facts.values() if isinstance(f, dict) for g in f.get("missing_glyphs", [])})
    return say("glyphs-left-out", path=path, chars=" ".join(chars)) if chars else None


def detail_order(rows: list[Any]) -> list[int]:
    """The shoot's detail frames (source ids) in the order of the sheet's selling points.

    The n-th detail in capture order carries the n-th point, and a point stays with its
    frame when the hero changes: the frame that was the hero by default (the first)
    takes the slot of the frame marked hero instead, and every other detail keeps its
    own (marking 03 as hero moves 03's point to 01, nothing else changes)."""
    frames = sorted((r for r in rows if r["kind"] == "product"), key=lambda r: r["seq"])
    hero = next((i for i, r in enumerate(frames) if r["role"] == "hero"), 0)
    if frames:
        frames[0], frames[hero] = frames[hero], frames[0]
    return [r["id"] for r in frames[1:] if r["role"] == "detail"]


def plan_for(role: str, detail_index: int | None, product: Product | None,
             overrides: dict[str, CalloutOverride], names: tuple[str, ...], preset: Preset) -> FramePlan:
    """The annotations of one frame: the hero gets the panel; the n-th detail the n-th
    selling point, unless the sidecar names this frame (by source or library name)."""
    callout = None
    if role == "detail":
        text = None
        if product is not None and detail_index is not None and detail_index < len(product.selling_points):
            text = product.selling_points[detail_index] or None
        callout = CalloutOverride(text, None)
        for n in names:
            if n in overrides:
                o = overrides[n]
                callout = CalloutOverride(o.text if o.text is not None else callout.text, o.anchor)
                break
    return FramePlan(product=product, callout=callout, preset=preset)
