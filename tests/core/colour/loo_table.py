"""Print the leave-one-patch-out ΔE2000 table per correction model on rendered scenes.

Run: .venv/bin/python -m tests.core.colour.loo_table   (from the repository root)
"""

from __future__ import annotations

import numpy as np

from imgprep.core.colour.detect import detect_card
from imgprep.core.colour.models import MODEL_ORDER, choose_model
from imgprep.core.colour.reference import get_card

from .scenes import CASTS, make_scene


def main() -> None:
    card = get_card("classic24")
    rows: dict[str, list[float]] = {m: [] for m in MODEL_ORDER}
    wins: dict[str, int] = {m: 0 for m in MODEL_ORDER}
    print(f"{'scene':38s} " + " ".join(f"{m:>16s}" for m in MODEL_ORDER) + "  chosen")
    for k, cast in enumerate(CASTS):
        for angle, persp in ((20, 0.2), (200, 0.1)):
            s = make_scene(
                angle=angle, perspective=persp, card_frac=0.25, cast=cast, seed=10 * k + angle % 7
            )
            det = detect_card(s.rgb)
            if not det.found:
                print(f"{k} {cast.kelvin:.0f}K: card not found ({det.reason})")
                continue
            name, table = choose_model(
                det.patches, card.reference_linear, mask=~det.clipped, neutral=card.neutral
            )
            wins[name] += 1
            label = f"{cast.kelvin:.0f}K gains{cast.gains} ang{angle}"
            print(
                f"{label:38s} "
                + " ".join(f"{table[m]['mean']:7.2f}/{table[m]['max']:6.2f} " for m in MODEL_ORDER)
                + f"  {name}"
            )
            for m in MODEL_ORDER:
                rows[m].append(table[m]["mean"])
    print("\nmean of per-scene LOO mean ΔE2000:")
    for m in MODEL_ORDER:
        print(f"  {m:16s} {np.mean(rows[m]):.2f}   chosen in {wins[m]} scenes")


if __name__ == "__main__":
    main()
