"""Benchmark: the reference-card search on real photos, beside OpenCV's MCC detector alone.

    .venv/bin/python tests/benchmarks/bench_cards.py DIR [--json OUT] [--not-classic REGEX]

DIR is laid out like the development set (``../shared/colour-photos``; never copy those
photos into the project, their licences are unchecked):

- ``cards/``  photos of a ColorChecker Classic 24 / Classic Mini / Passport (one layout),
  except files whose name matches ``--not-classic`` (default: a Digital SG, a SpyderCHECKR,
  "other layout"): those must NOT be fitted as a Classic 24;
- ``nocard/`` photos without a card: nothing may be found;
- ``grey/``   a grey card, searched with ``--card grey``.

Every photo goes through ``imgprep colour``'s own path (the engine's loader and decode
policy, the default preset's colour settings), so the figures are the batch's. Per photo:
found / missed, the patches left out (and why), in-sample and leave-one-out ΔE2000 after
correction, the search time and the whole analysis time; beside it, MCC alone on the same
pixels (a box found or not, its time). Totals: cards found, false fits (a non-Classic chart
fitted), false positives (a card in ``nocard/``), the grey card, mean ΔE figures over the
found cards, time per photo.

The pre-check (``imgprep.core.colour.precheck``) is measured too: its verdict and cost per
photo at the batch's decode size, and whether it ever rules out a photo in which the full
search finds a card (it must not).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

PHOTO = re.compile(r"\.(jpe?g|png|tiff?|webp|heic|dng|cr2|nef|arw)$", re.IGNORECASE)


def _mcc_alone(rgb: np.ndarray) -> tuple[bool, float]:
    import cv2

    t = time.perf_counter()
    det = cv2.mcc.CCheckerDetector_create()
    det.setColorChartType(cv2.mcc.MCC24)
    ok = bool(det.process(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), 1))
    found = ok and len(det.getListColorChecker()) > 0
    return found, time.perf_counter() - t


def measure(path: Path, kind: str) -> dict[str, object]:
    from imgprep.app.colour_hooks import _analysis_image
    from imgprep.app.colour_service import analyse_array
    from imgprep.app.frames import decode_scale
    from imgprep.core.colour.detect import detect_card
    from imgprep.core.imaging.load import load
    from imgprep.core.presets import load_preset

    preset = load_preset(None)  # the default preset
    colour = preset.colour
    card = "grey" if kind == "grey" else "classic24"
    loaded = load(path, need_scale=lambda w, h: decode_scale(preset.renditions, colour, w, h), deep=True)
    try:
        from imgprep.app.colour_hooks import search_view
    except ImportError:  # an imgprep from before deep frames were brightened (a baseline run)
        view, gain = loaded.image, 1.0
    else:
        view, gain = search_view(loaded)  # a 12-bit frame in 16 bits: brightened, as the batch
    arr, _ = _analysis_image(view, colour.detect_edge)
    try:
        from imgprep.core.colour.precheck import may_hold_card
    except ImportError:  # an imgprep from before the pre-check (for a baseline run)
        def may_hold_card(rgb: np.ndarray) -> bool:
            return True
    t = time.perf_counter()
    pre = may_hold_card(view) if card == "classic24" else True
    t_pre = time.perf_counter() - t
    t = time.perf_counter()
    det = detect_card(arr, card=card)
    t_detect = time.perf_counter() - t
    t = time.perf_counter()
    doc, _fit = analyse_array(arr, path.name, card=card,
                              thresholds={"mean": colour.pass_mean, "max": colour.pass_max},
                              **({"gain": gain} if gain != 1.0 else {}))
    t_all = t_detect + time.perf_counter() - t
    mcc, t_mcc = _mcc_alone(arr) if card == "classic24" else (False, 0.0)
    row: dict[str, object] = {
        "file": f"{kind}/{path.name}", "kind": kind, "size": f"{arr.shape[1]}x{arr.shape[0]}",
        "found": bool(det.found), "reason": det.reason, "method": det.method,
        "excluded": [f"{x['index']}:{x['code']}" for x in doc.get("excluded", [])],
        "t_detect": round(t_detect, 3), "t_all": round(t_all, 3),
        "precheck": bool(pre), "t_precheck_ms": round(1000 * t_pre, 2),
        "mcc_found": mcc, "t_mcc": round(t_mcc, 3),
    }
    if det.found and doc.get("summary"):
        row["after_mean"] = doc["summary"]["after"]["mean"]
        row["before_mean"] = doc["summary"]["before"]["mean"]
        if doc.get("loo"):
            row["loo_mean"] = doc["loo"]["mean"]
            row["loo_max"] = doc["loo"]["max"]
        row["pass"] = doc["summary"]["pass"]
        row["model"] = doc.get("model")
    return row


def _warm_up() -> None:
    """First calls into OpenCV and numpy load code: keep that out of the first photo's time."""
    from imgprep.core.colour.detect import detect_card

    rgb = np.random.default_rng(0).integers(0, 255, (600, 800, 3), dtype=np.uint8)
    detect_card(rgb)
    try:
        from imgprep.core.colour.precheck import may_hold_card
    except ImportError:
        return
    may_hold_card(rgb)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--not-classic", default=r"(?i)digital.?sg|sg140|spyder|other.?layout|passport.?video",
                    help="regex of file names in cards/ that hold another chart")
    ap.add_argument("--json", type=Path, help="write every row here")
    a = ap.parse_args(argv)
    rx = re.compile(a.not_classic)
    rows = []
    _warm_up()
    for kind in ("cards", "nocard", "grey"):
        folder = a.dir / kind
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            if not PHOTO.search(p.name):
                continue
            k = "grey" if kind == "grey" else "other" if kind == "cards" and rx.search(p.name) else kind
            try:
                rows.append(measure(p, k))
            except Exception as e:  # noqa: BLE001 - a benchmark reports and goes on
                rows.append({"file": f"{kind}/{p.name}", "kind": k, "error": f"{type(e).__name__}: {e}"})
    _print(rows)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def _fmt(v: object, nd: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return str(v)


def _print(rows: list[dict[str, object]]) -> None:
    print("| photo | expected | found | excluded patches | ΔE after (in-sample) | ΔE leave-one-out mean / max "
          "| search s | all s | pre-check | pre-check ms | MCC alone | MCC s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    expect = {"cards": "Classic", "other": "nothing (other chart)", "nocard": "nothing", "grey": "grey card"}
    for r in rows:
        if "error" in r:
            print(f"| {r['file']} | {expect[r['kind']]} | ERROR {r['error']} |||||||||")
            continue
        loo = f"{_fmt(r.get('loo_mean'))} / {_fmt(r.get('loo_max'))}" if r.get("loo_mean") is not None else "–"
        print(f"| {r['file']} | {expect[r['kind']]} | {_fmt(r['found'])} | {' '.join(r['excluded']) or '–'} "
              f"| {_fmt(r.get('after_mean'))} | {loo} | {_fmt(r['t_detect'])} | {_fmt(r['t_all'])} "
              f"| {_fmt(r['precheck'])} | {_fmt(r['t_precheck_ms'])} | {_fmt(r['mcc_found'])} | {_fmt(r['t_mcc'])} |")
    ok = [r for r in rows if "error" not in r]
    cards = [r for r in ok if r["kind"] == "cards"]
    found = [r for r in cards if r["found"]]
    other = [r for r in ok if r["kind"] == "other"]
    nocard = [r for r in ok if r["kind"] == "nocard"]
    grey = [r for r in ok if r["kind"] == "grey"]
    lost = [r["file"] for r in ok if r["found"] and not r["precheck"] and r["kind"] != "grey"]

    def mean(key: str, rs: list[dict[str, object]]) -> str:
        v = [float(r[key]) for r in rs if r.get(key) is not None]  # type: ignore[arg-type]
        return f"{statistics.mean(v):.2f}" if v else "–"

    print()
    print(f"- Classic-layout cards found: **{len(found)} / {len(cards)}** "
          f"(MCC alone puts a box on {sum(1 for r in cards if r['mcc_found'])} / {len(cards)})")
    print(f"- false fits (another chart fitted as a Classic 24): **{sum(1 for r in other if r['found'])} / {len(other)}**"
          f" (MCC alone: {sum(1 for r in other if r['mcc_found'])})")
    print(f"- false positives (a card in nocard/): **{sum(1 for r in nocard if r['found'])} / {len(nocard)}**"
          f" (MCC alone: {sum(1 for r in nocard if r['mcc_found'])})")
    print(f"- grey card found: {sum(1 for r in grey if r['found'])} / {len(grey)}")
    print(f"- over the found cards: ΔE2000 before {mean('before_mean', found)}, after (in-sample) "
          f"{mean('after_mean', found)}, leave-one-out mean {mean('loo_mean', found)}, leave-one-out max "
          f"{mean('loo_max', found)}; pass {sum(1 for r in found if r.get('pass'))} / {len(found)}")
    print(f"- time per photo: search {mean('t_detect', ok)} s, whole analysis {mean('t_all', ok)} s, "
          f"MCC alone {mean('t_mcc', [r for r in ok if r['kind'] != 'grey'])} s")
    print(f"- pre-check: {mean('t_precheck_ms', ok)} ms per photo at the batch's decode size; rules out "
          f"{sum(1 for r in nocard if not r['precheck'])} / {len(nocard)} photos without a card; "
          f"card photos it would lose: {len(lost)} {lost if lost else ''}")
    errors = [r for r in rows if "error" in r]
    if errors:
        print(f"- errors: {len(errors)}")


if __name__ == "__main__":
    sys.exit(main())
