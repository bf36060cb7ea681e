"""Find a reference card in a photo, sample its patches and verify them before trusting.

Pipeline for ``classic24``:

1. candidate quads: OpenCV's MCC detector (``cv2.mcc``, MCC24) and our own grid finder
   (square patch contours → lattice → 4x6 window), because MCC alone misses small,
   tilted or low-contrast cards and happily "finds" charts of other layouts;
2. each candidate is sampled under all 8 corner orderings (4 rotations x mirror); an
   ordering is accepted only if the 24 samples are consistent with the reference card:
   the neutral row is monotonic and neutral (up to the cast), hues follow the reference
   after white balance, and a 3x3 linear fit explains every patch. Otherwise the
   candidate is rejected with a reason;
3. the accepted grid is refined from the patch centroids and re-sampled.

Sampling: the central 50 % of each patch, a per-channel trimmed mean (20 % cut at each
end); a patch is *clipped* when >= 20 % of its samples have a channel >= 250 or <= 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..messages import say
from .delta_e import delta_e_2000, linear_to_lab, srgb8_to_linear
from .reference import CardType, get_card

__all__ = ["CardDetection", "detect_card", "sample_grid"]

_CLIP_HI, _CLIP_LO, _CLIP_FRAC = 250, 2, 0.2
# verification thresholds (ΔE2000 of a plain 3x3 fit to the reference, Lab D50)
_FIT_MEAN_MAX = 5.0
_FIT_BAD_DE = 10.0
_FIT_BAD_MAX = 2  # patches allowed above _FIT_BAD_DE
_HUE_MEDIAN_MAX = 25.0


@dataclass(frozen=True)
class CardDetection:
    """Result of :func:`detect_card`.

    ``corners`` (4, 2) image px: outer corner of patch 1 ('dark skin', top-left), then
    top-right (patch 6), bottom-right (patch 24), bottom-left (patch 19). ``patches``
    (N, 3) linear sRGB, ``clipped`` (N,) bool. For the grey card N = 1.
    """

    found: bool
    type: str
    corners: np.ndarray | None = field(default=None, repr=False)
    patches: np.ndarray | None = field(default=None, repr=False)
    clipped: np.ndarray | None = field(default=None, repr=False)
    reason: str | None = None
    method: str | None = None  # "mcc", "grid", "manual", "auto-grey"
    fit_de: float | None = None  # mean ΔE2000 of the verification fit

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"found": self.found, "type": self.type, "reason": self.reason}
        if self.corners is not None:
            d["corners"] = [[round(float(x), 2), round(float(y), 2)] for x, y in self.corners]
        return d


# --------------------------------------------------------------------------- geometry
def _unit_geometry(card: CardType) -> tuple[np.ndarray, np.ndarray, float]:
    """Patch centres (N, 2) and the 4 grid corners in 'patch side = 1' units."""
    r = card.gap_ratio
    jj, ii = np.meshgrid(np.arange(card.cols), np.arange(card.rows))
    centres = np.stack([jj.ravel() * (1 + r) + 0.5, ii.ravel() * (1 + r) + 0.5], -1)
    w, h = card.cols + (card.cols - 1) * r, card.rows + (card.rows - 1) * r
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
    return centres, corners, r


def _homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)).astype(float)


def _project(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    p = np.concatenate([pts, np.ones(pts.shape[:-1] + (1,))], -1) @ H.T
    return p[..., :2] / p[..., 2:3]


def sample_grid(
    rgb: np.ndarray, corners: np.ndarray, card: CardType, n: int = 9, extent: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Sample each patch of ``card`` on the grid whose outer corners are ``corners``.

    Returns (linear sRGB (N, 3) trimmed means, clipped (N,) bool).
    """
    centres, ucorners, _ = _unit_geometry(card)
    H = _homography(ucorners, np.asarray(corners, float))
    off = (np.arange(n) + 0.5) / n * extent - extent / 2
    oy, ox = np.meshgrid(off, off, indexing="ij")
    pts = centres[:, None, :] + np.stack([ox.ravel(), oy.ravel()], -1)[None]
    ip = _project(H, pts)
    h, w = rgb.shape[:2]
    xi = np.clip(np.round(ip[..., 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(ip[..., 1]).astype(int), 0, h - 1)
    outside = (ip[..., 0] < 0) | (ip[..., 0] > w - 1) | (ip[..., 1] < 0) | (ip[..., 1] > h - 1)
    s8 = rgb[yi, xi]  # (N, n*n, 3) uint8
    clipped = (np.any(s8 >= _CLIP_HI, -1) | np.any(s8 <= _CLIP_LO, -1)).mean(1) >= _CLIP_FRAC
    clipped |= outside.mean(1) > 0.2
    lin = srgb8_to_linear(s8).astype(float)
    lin.sort(axis=1)
    k = int(0.2 * lin.shape[1])
    return lin[:, k : lin.shape[1] - k].mean(1), clipped


# --------------------------------------------------------------------------- verification
def _orderings(q: np.ndarray) -> list[tuple[str, np.ndarray]]:
    out = []
    for mirror in (False, True):
        base = q[::-1] if mirror else q
        for k in range(4):
            out.append((f"{'m' if mirror else ''}r{k}", np.roll(base, -k, axis=0)))
    return out


def _verify(m: np.ndarray, clipped: np.ndarray, card: CardType) -> tuple[float, str | None]:
    """Score how well samples ``m`` match ``card`` (lower is better); reason when rejected."""
    from .models import fit

    ref = np.asarray(card.reference_linear)
    ref_lab = np.asarray(card.reference_lab)
    ok = ~clipped
    if ok.sum() < 16:
        return np.inf, say("card-clipped-patches", n=int(clipped.sum()))
    neutral = np.asarray(card.neutral)
    Y = m @ np.array([0.2126, 0.7152, 0.0722])
    nY = [Y[i] for i in neutral if ok[i]]
    if len(nY) < 4 or np.any(np.diff(nY) >= 0):
        return np.inf, say("card-neutral-not-monotonic")
    light = [i for i in neutral[:4] if ok[i]]
    chrom = m[light] / np.maximum(m[light].sum(1, keepdims=True), 1e-6)
    if np.ptp(chrom, axis=0).max() > 0.06:
        return np.inf, say("card-neutral-coloured")
    # hue order after a white balance on the neutral patches
    gains = ref[light].sum(0) / np.maximum(m[light].sum(0), 1e-6)
    lab = linear_to_lab(m * gains)
    chromatic = [i for i in range(card.n_patches) if i not in set(neutral.tolist()) and ok[i]]
    h_m = np.degrees(np.arctan2(lab[chromatic, 2], lab[chromatic, 1]))
    h_r = np.degrees(np.arctan2(ref_lab[chromatic, 2], ref_lab[chromatic, 1]))
    dh = np.abs((h_m - h_r + 180) % 360 - 180)
    if np.median(dh) > _HUE_MEDIAN_MAX:
        return np.inf, say("card-hues")
    f = fit(m, ref, "matrix3x3", mask=ok, neutral=card.neutral)
    de = delta_e_2000(linear_to_lab(f.apply_linear(m[ok])), ref_lab[ok])
    if de.mean() > _FIT_MEAN_MAX or (de > _FIT_BAD_DE).sum() > _FIT_BAD_MAX:
        return np.inf, say("card-inconsistent", mean=f"{de.mean():.1f}", bad=int((de > _FIT_BAD_DE).sum()),
                           limit=f"{_FIT_BAD_DE:g}")
    return float(de.mean()), None


def _best_ordering(
    rgb: np.ndarray, quad: np.ndarray, card: CardType
) -> tuple[np.ndarray | None, float, str]:
    best: tuple[np.ndarray | None, float, str] = (None, np.inf, say("card-no-ordering"))
    reasons = []
    scores = []
    for _name, q in _orderings(quad):
        m, clipped = sample_grid(rgb, q, card)
        score, reason = _verify(m, clipped, card)
        scores.append(score)
        if reason:
            reasons.append(reason)
        if score < best[1]:
            best = (q, score, "")
    if best[0] is None:
        # report the most informative reason: the one from the least bad ordering family
        reasons.sort(key=lambda r: ("inconsistent" not in r, "hues" not in r))
        return None, np.inf, reasons[0] if reasons else say("card-no-ordering")
    s = np.sort(scores)
    if np.isfinite(s[1]) and s[1] < 1.5 * s[0]:
        return None, np.inf, say("card-ambiguous")
    return best


def _refine(rgb: np.ndarray, corners: np.ndarray, card: CardType) -> np.ndarray:
    """Move the grid onto the measured patch centroids (colour-similar blob around each
    predicted centre) and re-fit the homography; keeps the input if that fails."""
    import cv2

    centres, ucorners, r = _unit_geometry(card)
    H = _homography(ucorners, corners)
    pc = _project(H, centres)
    pitch = np.median(np.linalg.norm(np.diff(pc.reshape(card.rows, card.cols, 2), axis=1), axis=-1))
    rad = int(max(4, 0.75 * pitch))
    h, w = rgb.shape[:2]
    src, dst = [], []
    img = rgb.astype(np.int16)
    for k, (x, y) in enumerate(pc):
        xi, yi = int(round(x)), int(round(y))
        if xi - rad < 0 or yi - rad < 0 or xi + rad >= w or yi + rad >= h:
            continue
        win = img[yi - rad : yi + rad + 1, xi - rad : xi + rad + 1]
        c = rad // 3
        core = win[rad - c : rad + c + 1, rad - c : rad + c + 1].reshape(-1, 3)
        med = np.median(core, 0)
        if med.max() < 45:  # dark patches do not separate from the black gaps
            continue
        d = np.abs(win - med).max(-1)
        tol = max(14.0, 3 * float(np.median(np.abs(core - med).max(-1))))
        mask = (d <= tol).astype(np.uint8)
        n, lab, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=4)
        li = lab[rad, rad]
        if li == 0:
            continue
        area = stats[li, cv2.CC_STAT_AREA]
        bw, bh = stats[li, cv2.CC_STAT_WIDTH], stats[li, cv2.CC_STAT_HEIGHT]
        if bw >= 2 * rad or bh >= 2 * rad or area < 0.25 * (pitch / (1 + r)) ** 2:
            continue  # blob runs out of the window: not a clean patch
        src.append(centres[k])
        dst.append(cent[li] + [xi - rad, yi - rad])
    if len(src) < 10:
        return corners
    Hr, inl = cv2.findHomography(np.float32(src), np.float32(dst), cv2.RANSAC, 0.08 * pitch)
    if Hr is None or inl.sum() < 10:
        return corners
    return _project(Hr, ucorners)


# --------------------------------------------------------------------------- candidates
MCC_EDGE = 1000  # MCC runs on at most this long edge: its cost grows with the pixels
MCC_MIN_SQUARES = 4  # square blobs seen before MCC is worth running


def _mcc_candidates(rgb: np.ndarray) -> list[np.ndarray]:
    import cv2

    # Every frame of a shoot is searched, so this is on the hot path: MCC at ~1 MP
    # costs a third of MCC at 1.5–2 MP; the corners are refined on the full image later.
    k = min(1.0, MCC_EDGE / max(rgb.shape[:2]))
    small = rgb if k == 1.0 else cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    try:
        det = cv2.mcc.CCheckerDetector_create()
        det.setColorChartType(cv2.mcc.MCC24)
        if not det.process(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), 2):
            return []
        return [np.asarray(c.getBox(), float).reshape(4, 2) / k for c in det.getListColorChecker()]
    except (cv2.error, AttributeError):
        return []


def _quads(rgb: np.ndarray) -> np.ndarray:
    """Centres, sizes and edge directions of square-ish blobs: (K, 5) cx, cy, side, ux, uy."""
    import cv2

    h, w = rgb.shape[:2]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    found = []
    min_side = max(6.0, 0.006 * max(h, w))
    max_side = 0.15 * max(h, w)
    for chan in (gray, hsv[..., 1]):
        for block in (int(max(h, w) * 0.03) | 1, int(max(h, w) * 0.08) | 1):
            bw = cv2.adaptiveThreshold(
                chan, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, -4
            )
            bw = cv2.morphologyEx(bw, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
            cnts, _ = cv2.findContours(bw, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            for c in cnts:
                area = cv2.contourArea(c)
                if area < min_side**2 or area > max_side**2:
                    continue
                hull = cv2.convexHull(c)
                if area < 0.85 * cv2.contourArea(hull):
                    continue
                ap = cv2.approxPolyDP(hull, 0.06 * cv2.arcLength(hull, True), True)
                if len(ap) != 4:
                    continue
                p = ap.reshape(4, 2).astype(float)
                e = np.linalg.norm(np.roll(p, -1, 0) - p, axis=1)
                if e.max() > 1.6 * e.min():
                    continue
                u = p[1] - p[0]
                ang = np.arctan2(u[1], u[0]) % (np.pi / 2)
                found.append([*p.mean(0), np.sqrt(area), np.cos(ang), np.sin(ang)])
    if not found:
        return np.zeros((0, 5))
    q = np.array(found)
    # de-duplicate (several thresholds find the same patch)
    keep: list[int] = []
    for i in np.argsort(-q[:, 2]):
        if all(np.hypot(*(q[i, :2] - q[j, :2])) > 0.5 * min(q[i, 2], q[j, 2]) for j in keep):
            keep.append(i)
    return q[keep]


def _squares(rgb: np.ndarray) -> np.ndarray:
    """:func:`_quads` on at most MCC_EDGE pixels (a third of the cost at 1.5 MP), in the
    coordinates of ``rgb``."""
    import cv2

    k = min(1.0, MCC_EDGE / max(rgb.shape[:2]))
    if k == 1.0:
        return _quads(rgb)
    q = _quads(cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)).copy()
    q[:, :3] /= k
    return q


def _grid_candidates(rgb: np.ndarray, card: CardType, q: np.ndarray | None = None) -> list[np.ndarray]:
    """Find lattices of square patches and propose 4x6 windows over them."""
    import cv2

    q = _quads(rgb) if q is None else q
    if len(q) < 10:
        return []
    r = card.gap_ratio
    cands: list[np.ndarray] = []
    used = np.zeros(len(q), bool)
    for seed in np.argsort(-q[:, 2]):
        if used[seed]:
            continue
        side = q[seed, 2]
        sim = np.flatnonzero((q[:, 2] > side / 1.6) & (q[:, 2] < side * 1.6))
        near = sim[np.hypot(*(q[sim, :2] - q[seed, :2]).T) < side * (1 + r) * 8]
        if len(near) < 10:
            continue
        ang = np.arctan2(q[seed, 4], q[seed, 3])
        pitch = side * (1 + r)
        U = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) * pitch
        rel = (q[near, :2] - q[seed, :2]) @ np.linalg.inv(U).T
        ij = np.round(rel)
        good = np.abs(rel - ij).max(1) < 0.3
        for _ in range(3):  # lattice homography, re-assign with it
            if good.sum() < 8:
                break
            Hh, _m = cv2.findHomography(
                ij[good].astype(np.float32), q[near[good], :2].astype(np.float32), 0
            )
            if Hh is None:
                break
            rel = _project(np.linalg.inv(Hh), q[near, :2])
            ij = np.round(rel)
            good = np.abs(rel - ij).max(1) < 0.25
        if good.sum() < 10:
            continue
        used[near[good]] = True
        gi = ij[good]
        lo, hi = gi.min(0), gi.max(0)
        ext = hi - lo + 1
        lattice = Hh
        for ncols, nrows in ((card.cols, card.rows), (card.rows, card.cols)):
            if ext[0] > ncols or ext[1] > nrows:
                continue
            for x0 in range(int(hi[0] - ncols + 1), int(lo[0]) + 1):
                for y0 in range(int(hi[1] - nrows + 1), int(lo[1]) + 1):
                    # outer corners of the window, lattice units (centres at integers)
                    s = 0.5 / (1 + r)
                    pts = np.array(
                        [[x0 - s, y0 - s], [x0 + ncols - 1 + s, y0 - s],
                         [x0 + ncols - 1 + s, y0 + nrows - 1 + s], [x0 - s, y0 + nrows - 1 + s]]
                    )  # fmt: skip
                    quad = _project(lattice, pts)
                    if ncols != card.cols:  # portrait window: start at a corner of a long edge
                        quad = np.roll(quad, 1, axis=0)
                    cands.append(quad)
        if len(cands) > 24:
            break
    return cands


# --------------------------------------------------------------------------- grey card
def _grey_auto(rgb: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    import cv2

    h, w = rgb.shape[:2]
    scale = 400 / max(h, w)
    small = cv2.resize(
        rgb, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA
    )
    sh, sw = small.shape[:2]
    f = small.astype(np.float32)
    grad = sum(
        np.abs(cv2.Sobel(f[..., c], cv2.CV_32F, 1, 0))
        + np.abs(cv2.Sobel(f[..., c], cv2.CV_32F, 0, 1))
        for c in range(3)
    )
    grad = cv2.blur(grad, (5, 5))
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    mask = (grad < 24) & (hsv[..., 1] < 90) & (hsv[..., 2] > 40) & (hsv[..., 2] < 248)
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, lab, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=4)
    best, best_score = None, 0.0
    for i in range(1, n):
        area = stats[i, cv2.CC_STAT_AREA]
        if area < 0.004 * sh * sw:
            continue
        x, y, bw, bh = stats[i, :4]
        if x == 0 or y == 0 or x + bw >= sw or y + bh >= sh:
            continue  # touches the frame: backdrop, not a card
        d = np.hypot((cent[i][0] - sw / 2) / sw, (cent[i][1] - sh / 2) / sh)
        score = area * (1 - min(d, 0.7))
        if score > best_score:
            best, best_score = i, score
    if best is None:
        return None, say("grey-not-found")
    pts = np.argwhere(lab == best)[:, ::-1].astype(np.float32)
    box = cv2.boxPoints(cv2.minAreaRect(pts)) / scale
    return box.astype(float), None


# --------------------------------------------------------------------------- front
def detect_card(
    rgb: np.ndarray, card: str = "classic24", corners: np.ndarray | None = None
) -> CardDetection:
    """Detect and sample a reference card in an sRGB uint8 image (H, W, 3).

    ``corners``: manual outer grid corners (4 points, any order for ``classic24``: the
    orientation is found from the patch colours). Returns ``found=False`` with a reason
    when no card is trusted.
    """
    ct = get_card(card)
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.shape}")
    if card == "grey":
        method = "manual"
        if corners is None:
            quad, reason = _grey_auto(rgb)
            method = "auto-grey"
            if quad is None:
                return CardDetection(False, card, reason=reason)
        else:
            quad = np.asarray(corners, float).reshape(4, 2)
        m, clipped = sample_grid(rgb, quad, ct, n=15, extent=0.6)
        if clipped[0]:
            return CardDetection(False, card, quad, m, clipped, say("grey-clipped"), method)
        return CardDetection(True, card, quad, m, clipped, None, method)

    if corners is not None:
        cands = [("manual", np.asarray(corners, float).reshape(4, 2))]
    else:
        # both sources, best verified wins: MCC misses small/tilted cards, the grid finder
        # is more precise under perspective
        # MCC is the costly half (~0.1 s a frame) and every frame of a shoot is
        # searched: run it only where square patches are seen at all. A 24-patch card
        # shows 15–25 of them; plain product photos 0–3.
        squares = _squares(rgb)
        cands = [("mcc", q) for q in _mcc_candidates(rgb)] if len(squares) >= MCC_MIN_SQUARES else []
        cands += [("grid", q) for q in _grid_candidates(rgb, ct, squares)]
    reason = say("no-card")
    best: CardDetection | None = None
    for method, quad in cands:
        q, score, why = _best_ordering(rgb, quad, ct)
        if q is None:
            reason = why
            continue
        q2 = _refine(rgb, _refine(rgb, q, ct), ct)
        m, clipped = sample_grid(rgb, q2, ct)
        score2, why2 = _verify(m, clipped, ct)
        if why2 is not None or score2 > score + 0.5:
            q2, score2 = q, score
            m, clipped = sample_grid(rgb, q, ct)
        if best is None or score2 < (best.fit_de or np.inf):
            best = CardDetection(True, card, q2, m, clipped, None, method, score2)
    return best if best is not None else CardDetection(False, card, reason=reason)
