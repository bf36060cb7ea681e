"""Benchmark: issue 10's point 4 (cast invariance) for every card of a folder, in one process.

    .venv/bin/python tests/benchmarks/bench_cast_set.py DIR [--product FILE] [--only NAME ...]
                                                        [--frames DIR] [--workers N]

``bench_cast.py`` puts one card photo and one product frame through ``imgprep batch``
(three batches, about a minute a pair; the 24 pairs of the development set take 25
minutes). This runs the same pipeline for every card photo of ``DIR/cards/`` (a Digital
SG, a SpyderCHECKR or "other layout" by name is skipped) with the generated product and,
with ``--product``, a real one too, calling the batch's own steps instead of the batch:

- each of ``bench_cast.py``'s five casts written as its camera JPEG (q95, 4:4:4);
- the card frame decoded at the batch's scale and analysed as the batch analyses it
  (pre-check, search, verification, model choice: ``detect_card_in``);
- the product frame decoded at the batch's scale, shrunk to the working size, corrected
  by that fit and rendered as the hero (``working``, ``rendition_images``, the preset's
  JPEG quality) — the file the batch writes, less its journal and names.

Per card: the worst pair of the five corrected renditions (mean ΔE2000 over the top
80 %, as ``bench_cast.py``), the card's floor and the uncorrected one, and each frame's
model and left-out patches. Its "corrected" figure equals ``bench_cast.py``'s to the
hundredth (seven pairs checked, session 18). The card's floor is ``bench_cast.py``'s: each
product frame's cast undone exactly (in float, kept in 16 bits) and the frame corrected by
one fit, the uncast card photo's, for every cast. It is what the correction would give if
its fit moved exactly with the light: what the corrected figure has above it is the fits
disagreeing, not the frames' 8 bits. ``--frames DIR`` keeps the cast frames between runs
(they do not depend on the code). Light as gains only.
"""

from __future__ import annotations

import io
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_cast import T0, _jpeg, _linear, _pairs, _write_tif16, casts  # noqa: E402

SKIP = ("digitalsg", "spyder", "other")


def _frames(sources: dict[str, Path | None], folder: Path) -> dict[str, list[Path]]:
    """The cast frames of each source ({"card": photo} or products by name, None for the
    generated one): {name: [5 paths]}, written unless they are there already."""
    from imgprep.core.imaging.load import load
    from tests.core.colour.scenes import apply_cast, product_photo

    out: dict[str, list[Path]] = {}
    for name, src in sources.items():
        d = folder / (src.stem if name == "card" and src is not None else f"_{name}")
        d.mkdir(parents=True, exist_ok=True)
        paths = [d / f"{name}-{k}.jpg" for k in range(len(casts("gains")))]
        if not all(p.exists() for p in paths):
            if name == "card":
                rgb = np.asarray(load(src).image)  # the engine's own decode: upright, sRGB
            elif src is None:
                rgb = product_photo(1800, 2400, seed=12)
            else:
                rgb = np.asarray(ImageOps.exif_transpose(Image.open(src)).convert("RGB"))
            for p, cast in zip(paths, casts("gains").values(), strict=True):
                _jpeg(p, apply_cast(rgb, cast), T0)
        out[name] = paths
    return out


def _hero(path: Path, fit: dict | None) -> np.ndarray:
    """The product frame as the batch renders its hero, corrected by ``fit`` (or not)."""
    from imgprep.app.frames import decode_scale, rendition_images, working
    from imgprep.core.imaging.load import load
    from imgprep.core.imaging.render import encode_jpeg
    from imgprep.core.presets import load_preset

    preset = load_preset(None)
    loaded = load(path, need_scale=lambda w, h: decode_scale(preset.renditions, preset.colour, w, h),
                  deep=True)
    image, deep = working(loaded, preset.renditions)
    hero = preset.for_role("hero")
    for r, img, _ in rendition_images(image, loaded.original_size, hero, preset.watermark, fit=fit, deep=deep):
        data, _ = encode_jpeg(img, r.quality, r.max_bytes)
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    raise SystemExit("the preset has no hero rendition")


def _worst(images: list[np.ndarray], top: float = 0.8) -> float:
    """The worst pair's mean ΔE2000 over the images' top ``top`` (0.8: the watermark's
    corner band left out), as ``bench_cast.py`` pairs them."""
    from imgprep.core.colour.delta_e import linear_to_lab, srgb8_to_linear

    labs = [linear_to_lab(srgb8_to_linear(a).astype(float)) for a in images]
    return max(_pairs(labs, int(labs[0].shape[0] * top)).values())


def _floor_hero(path: Path, cast, fit: dict, scratch: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The product frame with its cast undone exactly (in float, written with 16 bits, as
    ``bench_cast.py``'s floor frames) and rendered as the hero with one fit for every
    cast: what a fit that moved exactly with the light would give."""
    from tests.core.colour.scenes import invert_cast_linear

    out = scratch / f"{path.parent.name}-{path.stem}-undone.tif"
    _write_tif16(out, invert_cast_linear(_linear(path), cast))
    try:
        return _hero(out, fit)
    finally:
        out.unlink()


def run_card(card: Path, products: dict[str, Path | None], folder: Path
             ) -> tuple[str, dict[str, float], list[str], dict[str, float]]:
    from imgprep.app.colour_hooks import detect_card_in
    from imgprep.app.frames import decode_scale
    from imgprep.core.imaging.load import load
    from imgprep.core.presets import load_preset

    preset = load_preset(None)
    frames = {**_frames({"card": card}, folder), **_frames(products, folder)}  # products: written by main
    fits, notes = [], []
    for path in frames["card"]:
        loaded = load(path, need_scale=lambda w, h: decode_scale(preset.renditions, preset.colour, w, h))
        got = detect_card_in(loaded.image, loaded.original_size, preset.colour, path.name)
        fits.append(got["fit"] if got else None)
        if got is None:
            notes.append("not found")
        else:
            left = ",".join(f"{x['index']}{x['code'][:2]}" for x in got["doc"].get("excluded", []))
            notes.append(f"{got['fit']['model']}" + (f" [{left}]" if left else ""))
    figures, floors = {}, {}
    if any(f is not None for f in fits):
        for name in products:
            figures[name] = _worst([_hero(p, f) for p, f in zip(frames[name], fits, strict=True)])
    loaded = load(card, need_scale=lambda w, h: decode_scale(preset.renditions, preset.colour, w, h))
    as_shot = detect_card_in(loaded.image, loaded.original_size, preset.colour, card.name)
    if figures and as_shot is not None:
        import tempfile

        with tempfile.TemporaryDirectory() as scratch:
            for name in products:
                floors[name] = _worst([_floor_hero(p, c, as_shot["fit"], Path(scratch))
                                       for p, c in zip(frames[name], casts("gains").values(), strict=True)])
    return card.stem, figures, notes, floors


def uncorrected(products: dict[str, Path | None], folder: Path) -> dict[str, float]:
    """Each product's worst pair as shot, the whole frames (``bench_cast.py``'s baseline)."""
    out = {}
    for name in products:
        paths = sorted((folder / f"_{name}").glob(f"{name}-*.jpg"))
        out[name] = _worst([np.asarray(Image.open(p).convert("RGB")) for p in paths], 1.0)
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])

    def option(flag: str) -> str | None:
        if flag in args:
            i = args.index(flag)
            value = args[i + 1]
            del args[i : i + 2]
            return value
        return None

    product = option("--product")
    frames = option("--frames")
    workers = int(option("--workers") or 2)
    only = []
    while (name := option("--only")) is not None:
        only.append(name)
    if len(args) != 1:
        print(__doc__)
        return 2
    cards = sorted(p for p in (Path(args[0]) / "cards").iterdir()
                   if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff")
                   and not any(s in p.stem.lower() for s in SKIP) and (not only or p.stem in only))
    products: dict[str, Path | None] = {"generated": None}
    if product:
        products[Path(product).stem] = Path(product)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(frames) if frames else Path(tmp)
        _frames(products, folder)  # once, before the workers read them
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(run_card, cards, [products] * len(cards), [folder] * len(cards)))
        baseline = uncorrected(products, folder)
    names = list(products)
    print("| card | " + " | ".join(f"{n}: corrected / card's floor / uncorrected" for n in names) + " | each cast's frame |")
    print("|---|" + "---|" * len(names) + "---|")
    passed = dict.fromkeys(names, 0)
    found = [r for r in results if r[1]]
    for stem, figures, notes, floors in results:
        if not figures:
            print(f"| {stem} | " + " | ".join("–" for _ in names) + " | card found under no cast |")
            continue
        cells = []
        for n in names:
            after, before = figures[n], baseline[n]
            passed[n] += after <= 1.5
            floor = f"{floors[n]:.2f}" if n in floors else "–"
            cells.append(f"{'**' if after > 1.5 else ''}{after:.2f}{'**' if after > 1.5 else ''} / {floor} / {before:.2f}")
        print(f"| {stem} | " + " | ".join(cells) + " | " + "; ".join(notes) + " |")
    print()
    for n in names:
        worst = [r[1][n] for r in found]
        if not worst:
            print(f"- {n}: no card found under every cast")
            continue
        print(f"- {n}: worst pair ≤ 1.5 (issue 10, point 4) for {passed[n]} / {len(found)} cards; "
              f"corrected worst {max(worst):.2f}, mean {np.mean(worst):.2f}; uncorrected {baseline[n]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
