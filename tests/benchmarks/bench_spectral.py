"""Benchmark: the card under real light spectra through real camera sensitivities.

    .venv/bin/python tests/benchmarks/bench_spectral.py [--camera NAME ...] [--light NAME ...]
                                                       [--balance auto|daylight|raw ...] [--workers N]
                                                       [--card-frac F] [--angle DEG]

The development photos are 13 cards from a few cameras; the casts of ``bench_cast*.py``
are gains in linear sRGB. Here the Classic 24 is rendered from its reflectance spectra
under each light through each camera's sensitivities (``tests/core/colour/spectral.py``:
metamerism included, which no 3 × 3 undoes), with the camera's white balance set on the
card (``auto``), left at daylight (``daylight``: the light's whole cast) or not applied at
all (``raw``: an industrial sensor without an ISP). Each card is put in a scene (1500 px
wide, the card 30 % of it or ``--card-frac``, turned 17° or ``--angle``, a little
perspective, noise, JPEG) and analysed as `imgprep colour`
analyses a frame. Beside each, the same card with its patches in another order (a
third-party card) under the same light and camera: it must not be fitted.

Per row: found or why not, the model, the patches left out, ΔE2000 before, after (in
sample) and leave-one-out. Totals per camera and white balance.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LIGHTS = ("D65", "A", "FL1", "FL2", "FL3", "FL4", "FL7", "FL10", "FL11", "FL12", "FL3.15",
          "HP1", "HP2", "LED-B1", "LED-B3", "LED-RGB1", "LED-V1")


def run(case: tuple[str, str, str, float, float]) -> dict:
    from imgprep.app.colour_service import analyse_array
    from tests.core.colour.spectral import card_scene

    camera, light, balance, frac, angle = case
    doc, _ = analyse_array(card_scene(camera, light, balance, card_frac=frac, angle=angle), "card.jpg")
    other, _ = analyse_array(card_scene(camera, light, balance, True, card_frac=frac, angle=angle), "other.jpg")
    out = {"camera": camera, "light": light, "balance": balance, "found": doc["card"]["found"],
           "reason": doc["card"].get("reason"), "other_found": other["card"]["found"]}
    if out["found"]:
        out.update(model=doc["model"], excluded=[f"{x['index']}:{x['code']}" for x in doc["excluded"]],
                   before=doc["summary"]["before"]["mean"], after=doc["summary"]["after"]["mean"],
                   loo=doc["loo"]["mean"], loo_max=doc["loo"]["max"])
    return out


def main(argv: list[str] | None = None) -> int:
    from tests.core.colour.spectral import BALANCES, CAMERAS

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--camera", action="append", choices=CAMERAS)
    ap.add_argument("--light", action="append")
    ap.add_argument("--balance", action="append", choices=BALANCES)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--card-frac", type=float, default=0.3)
    ap.add_argument("--angle", type=float, default=17.0)
    a = ap.parse_args(argv)
    cases = [(c, li, b, a.card_frac, a.angle)
             for c in a.camera or CAMERAS for li in a.light or LIGHTS for b in a.balance or BALANCES]
    with ProcessPoolExecutor(a.workers) as pool:
        rows = list(pool.map(run, cases))
    print("| camera | light | white balance | found | model | left out | ΔE before | after (in sample) "
          "| leave-one-out mean / max | other order fitted |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["found"]:
            cells = [r["model"], " ".join(r["excluded"]) or "–", f"{r['before']:.2f}", f"{r['after']:.2f}",
                     f"{r['loo']:.2f} / {r['loo_max']:.2f}"]
        else:
            cells = [f"no: {r['reason']}", "", "", "", ""]
        print(f"| {r['camera'].split()[0]} | {r['light']} | {r['balance']} | {'yes' if r['found'] else 'no'} | "
              + " | ".join(cells) + f" | {'**yes**' if r['other_found'] else 'no'} |")
    print()
    for c in a.camera or CAMERAS:
        for b in a.balance or BALANCES:
            sub = [r for r in rows if r["camera"] == c and r["balance"] == b]
            found = [r for r in sub if r["found"]]
            after = [r["after"] for r in found]
            loo = [r["loo"] for r in found]
            print(f"- {c}, {b}: found {len(found)} / {len(sub)}; other order fitted "
                  f"{sum(r['other_found'] for r in sub)} / {len(sub)}"
                  + (f"; after (in sample) mean {np.mean(after):.2f}, worst {max(after):.2f}; "
                     f"leave-one-out mean {np.mean(loo):.2f}" if found else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
