"""Find a reference card in a photo, sample its patches and verify them before trusting.

Pipeline for ``classic24`` (ColorChecker Classic 24, Classic Mini, the Passport's 24-patch
panel: one layout, other proportions):

1. candidate quads from three sources, because each misses cards the others find:
   OpenCV's MCC detector (``cv2.mcc``, MCC24) at two sizes, and our own lattice finder
   (square patch blobs → lattice by nearest-neighbour pitch → 4x6 windows);
2. each candidate is sampled under all 8 corner orderings (4 rotations x mirror). Each
   patch is sampled on its central 50 % and marked unusable when it lies outside the
   frame, is clipped, or is uneven (an edge of a hand, a leaf, glare crosses it);
3. verification is *cast-invariant*: a 3x3 matrix on power-law-linearised camera RGB is
   fitted robustly (RANSAC over 5-patch subsets, then trimmed re-fits) to the reference,
   so any illuminant, white balance or sensor without one is removed before the card is
   judged. Patches the fit cannot explain are *outliers* (covered, stained, glared) and
   are left out. The ordering is accepted only when enough patches agree (≥ 14 of 24,
   clipped ones that still agree included, ≥ 3 of them clean greys) with a small residual,
   and no other ordering comes close. A colour correction needs more: ≥ 8 clean patches,
   ≥ 5 of them colours whose hues surround the grey axis; a card with fewer gets a white
   balance only (docs/colour-detection.md);
4. a grid that continues past the 4x6 window (a 140-patch Digital SG, whose centre holds
   the Classic's colours) is not a Classic;
5. the accepted grid is refined from the patch centroids and re-sampled.

A wrong fit is worse than no fit: every threshold errs on the side of "not found", and
the app's "click the four corners" path goes through the same verification.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..messages import say
from .delta_e import delta_e_2000, linear_to_lab, srgb8_to_linear
from .precheck import MIN_IMAGE_SIDE, bright_balance, searchable
from .reference import CardType, get_card

__all__ = ["INLIER_DE", "CardDetection", "EXCLUSION_REASONS", "colour_shortfall", "detect_card",
           "enough_for_colour", "hue_coverage", "partial_patches", "sample_grid"]

_CLIP_HI, _CLIP_LO, _CLIP_FRAC = 250, 2, 0.2
# A patch near one of the limits below is used with a weight that falls to 0 at the limit
# over these spans (8-bit codes), so that a patch does not go from full weight to
# left out between two frames of the same card under slightly different light
# (docs/colour-detection.md "Patch weights").
_SOFT_HI, _SOFT_LO, _SOFT_UNEVEN = 12.0, 6.0, 7.0
# ... and a colour patch near the outlier limit, over this many ΔE2000 below it: the same
# patch's judging ΔE2000 spreads by 1.0 (pooled) between frames of the same card under
# four lights that are gains (docs/colour-detection.md "Session 18")
_SOFT_OUTLIER = 1.0
# a patch is uneven when the spread (p80 - p20, 8-bit codes) of its central samples is
# above this plus a share of its level: noise and JPEG give 3-6 codes, an edge across it 30+
_UNEVEN_CODES, _UNEVEN_REL = 14.0, 0.12
# what a trusted card needs (docs/colour-detection.md). Identity: MIN_PATCHES patches
# agree with the reference under one cast-removing fit (a clipped patch that still agrees
# counts here: a wide-gamut photo converted to sRGB clips saturated patches in sunlight).
# The correction: at least MIN_FIT unclipped patches, MIN_NEUTRAL of them grey and
# MIN_CHROMATIC coloured, whose hues surround the grey axis: no gap of MAX_HUE_GAP degrees
# or more between them, and no hue axis weaker than MIN_HUE_SPREAD of the mean (the
# smaller eigenvalue of their hue directions' second moment; 0.5 is even in every
# direction). With fewer, or of too few kinds, a fit is a white balance dressed as a
# colour correction. A card whose grey row is covered (a hand holding it by that edge) is
# still the card when NO_GREYS_MORE more patches agree, and still supports a colour
# correction (one power for all channels and a matrix, fitted on the colours) from
# MIN_CHROMATIC_ALONE colours
# (docs/colour-detection.md, "A card without its greys").
MIN_PATCHES = 14
MIN_FIT = 8
MIN_NEUTRAL = 3
MIN_CHROMATIC = 5
NO_GREYS_MORE = 2
MIN_CHROMATIC_ALONE = 12
MAX_HUE_GAP = 180.0
MIN_HUE_SPREAD = 0.2
# verification fit (3x3 on power-law camera RGB, ΔE2000 in Lab D50)
INLIER_DE = 9.0  # a patch further than this from the fit is an outlier
# the worst grey is judged by the fit of the others only where this many would remain
_GREYS_ALONE = 5
_FIT_MEAN_MAX = 5.0  # mean ΔE2000 of the inliers
_RANSAC_SUBSETS = 64
_GAMMAS = (0.6, 0.75, 0.9, 1.0, 1.15, 1.35)
# a lattice on this many squares is taken as the card's: its squares seed no other
_LATTICE_CLAIMS = 12
# windows the lattices propose, at most (each costs a verification under 8 orderings)
_MAX_WINDOWS = 24
_LATTICE_WINDOWS = 8  # ... and from one lattice (a marker beside the card widens it)
# regions the full-size second look searches, at most
_MAX_REGIONS = 3
_UPSCALE, _UPSCALE_BELOW = 2.0, 400  # small crops are searched twice as large too (px)
_FINE_GAIN = 1.3  # a box is looked at in the photo's pixels where they are this much more
_FINE_CLICKED = 160  # clicked corners of a card smaller than this (px a side) too
# a refused candidate on which this many patches agree may sit a cell off a partly covered
# card; the closest few are tried again shifted by a cell (see _search_shifted)
_NEAR_MISS, _NEAR_MISS_TRIED = 7, 2
# a card partly in shadow (_in_shadow): patches that must agree on each side of the
# shadow's edge, and the least step in luminance between the two lights
_SHADOW_SIDE, _SHADOW_STEP = 5, 1.3
# ... judged so only where one light explains this many patches, for the closest few
# orderings (each judgement tries every division of the card, ~15 ms)
_SHADOW_GATE, _SHADOW_TRIED = MIN_FIT, 2
# ... and a card that passes under one light with this many outliers; two lights stand
# there when they explain this many patches more
_SHADOW_OUTLIERS, _SHADOW_MORE = 4, 3
_SHADOW_NEAR = 3  # divisions refined at every tone curve, from each coarse one
_SHADOW_CLEAR = 3.0  # ΔE2000 by which a used patch's own light explains it better
# a veil over the card (_veil): judged where its offset, from 4 clean greys or more,
# reaches this share of the brightest grey; capped at this share of each channel's
# darkest grey
_VEIL_MIN, _VEIL_GREYS, _VEIL_CAP = 0.02, 4, 0.97
_LUMA = np.array([0.2126, 0.7152, 0.0722])  # linear sRGB to luminance
# the search stops at the first card with at most this many patches left out
_GOOD_ENOUGH_EXCLUDED = 3
# a later candidate over a card replaces the best so far with as many patches left out
# only when its verification fit is closer by this much (ΔE2000; _better)
_RANK_MARGIN = 0.1

# why a patch is left out, as stored in CardDetection.excluded; the texts (both languages)
# are the catalogue's "patch-<code>" messages
EXCLUSION_REASONS = ("outside", "clipped", "gamut", "uneven", "outlier", "shadow")


@dataclass(frozen=True)
class CardDetection:
    """Result of :func:`detect_card`.

    ``corners`` (4, 2) image px: outer corner of patch 1 ('dark skin', top-left), then
    top-right (patch 6), bottom-right (patch 24), bottom-left (patch 19). ``patches``
    (N, 3) linear sRGB, ``clipped`` (N,) bool: the patches left out of the fit, for any
    reason; ``excluded`` names them: ((0-based index, reason code), ...), with the codes
    of :data:`EXCLUSION_REASONS`. ``weights`` (N,) in [0, 1]: each patch's weight in the
    fit, 0 where left out, below 1 near a limit (None: 1 wherever used). For the grey
    card N = 1.
    """

    found: bool
    type: str
    corners: np.ndarray | None = field(default=None, repr=False)
    patches: np.ndarray | None = field(default=None, repr=False)
    clipped: np.ndarray | None = field(default=None, repr=False)
    reason: str | None = None
    method: str | None = None  # "mcc", "grid", "manual", "manual-unverified", "auto-grey"
    fit_de: float | None = None  # mean ΔE2000 of the verification fit (inliers)
    excluded: tuple[tuple[int, str], ...] = ()
    weights: np.ndarray | None = field(default=None, repr=False)
    # a card partly in shadow: the luminance of the light on the patches left out as
    # "shadow" over that on the patches used (below 1: the used ones are the lit side)
    shadow: float | None = None
    # a veil of light over the card (lens flare, haze, a reflection): per channel, the
    # linear offset the patches were judged without; the correction is fitted without it
    veil: np.ndarray | None = field(default=None, repr=False)

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


def _sample(
    rgb: np.ndarray, corners: np.ndarray, card: CardType, n: int = 9, extent: float = 0.5
) -> tuple[np.ndarray, list[str | None], np.ndarray]:
    """Trimmed-mean linear sRGB (N, 3) of each patch, why each is unusable (or None) and
    its weight (N,): 1, falling to 0 as it nears a limit that would make it unusable."""
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
    # The brightest channel of the brightest fifth of the samples, and the darkest of
    # the darkest fifth ("higher"/"lower": a sample value, so that top >= _CLIP_HI is
    # exactly "a fifth of the samples have a channel there").
    top = np.percentile(s8.max(-1), 100 * (1 - _CLIP_FRAC), axis=1, method="higher")
    bottom = np.percentile(s8.min(-1), 100 * _CLIP_FRAC, axis=1, method="lower")
    # a channel at either end of the scale: its value is a bound, not a measurement (a
    # clipped patch that agrees with the fit still confirms the card; see _verify)
    clipped = top >= _CLIP_HI
    # one channel at 0 while the patch is not dark: a saturated colour outside sRGB (a
    # wide-gamut photo converted to sRGB) or a crushed channel
    low = bottom <= _CLIP_LO
    p20, p50, p80 = np.percentile(s8, [20, 50, 80], axis=1)  # (N, 3) each
    spread = np.max(p80 - p20 - _UNEVEN_REL * p50, axis=1)
    uneven = spread > _UNEVEN_CODES
    # the same three limits as margins: top below _CLIP_HI, bottom above _CLIP_LO, the
    # spread below _UNEVEN_CODES
    soft = np.clip(np.minimum.reduce([(_CLIP_HI - top) / _SOFT_HI, (bottom - _CLIP_LO) / _SOFT_LO,
                                      (_UNEVEN_CODES - spread) / _SOFT_UNEVEN]), 0.0, 1.0)
    lin = srgb8_to_linear(s8).astype(float)
    lin.sort(axis=1)
    k = int(0.2 * lin.shape[1])
    means = lin[:, k : lin.shape[1] - k].mean(1)
    why: list[str | None] = []
    for i in range(len(means)):
        why.append("outside" if outside[i].mean() > 0.2 else "clipped" if clipped[i]
                   else "uneven" if uneven[i] else "gamut" if low[i] else None)
    soft[[w is not None for w in why]] = 0.0
    return means, why, soft


def sample_grid(
    rgb: np.ndarray, corners: np.ndarray, card: CardType, n: int = 9, extent: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Sample each patch of ``card`` on the grid whose outer corners are ``corners``.

    Returns (linear sRGB (N, 3) trimmed means, unusable (N,) bool: clipped, outside the
    frame or uneven).
    """
    m, why, _ = _sample(rgb, corners, card, n, extent)
    return m, np.array([w is not None for w in why])


# --------------------------------------------------------------------------- verification
def _orderings(q: np.ndarray) -> list[np.ndarray]:
    out = []
    for mirror in (False, True):
        base = q[::-1] if mirror else q
        for k in range(4):
            out.append(np.roll(base, -k, axis=0))
    return out


@dataclass
class _Verdict:
    ok: bool
    score: float  # mean ΔE2000 of the inliers (lower is better)
    inliers: int
    why: list[str | None]  # per patch: None (used) or an exclusion code
    reason: str | None = None
    fit_on: np.ndarray | None = None  # the patches the judging fit was fitted on
    de: np.ndarray | None = None  # each patch's ΔE2000 from the judging fit
    # a card partly in shadow (_in_shadow): the luminance of the light on the patches
    # left out as "shadow" over that on the patches used; None: one light
    shadow: float | None = None
    # a veil over the card (_veil): the offset per channel (linear) taken out of the
    # samples before they were judged; None: none
    veil: np.ndarray | None = None

    def rank(self) -> tuple[float, float]:
        return (-self.inliers, self.score) if np.isfinite(self.score) else (np.inf, np.inf)


def _solve(A: np.ndarray, B: np.ndarray, lam: float = 1e-4) -> np.ndarray:
    """Least-squares 3x3 for stacks: A (..., n, 3) → B (..., n, 3)."""
    AtA = np.einsum("...ni,...nj->...ij", A, A) + lam * np.eye(3)
    AtB = np.einsum("...ni,...nj->...ij", A, B)
    return np.linalg.solve(AtA, AtB)


def _fit_de(X: np.ndarray, M: np.ndarray, ref_lab: np.ndarray) -> np.ndarray:
    pred = np.clip(np.einsum("...ni,...ij->...nj", X, M), 0, None)
    return delta_e_2000(linear_to_lab(pred), ref_lab)


def _robust_fit(m: np.ndarray, use: np.ndarray, card: CardType) -> tuple[np.ndarray, np.ndarray]:
    """ΔE2000 of every patch (unusable ones too) under the best cast-removing fit of the
    usable ones, and the inlier mask.

    The model, ``ref ≈ M @ (m / scale) ** gamma``, absorbs any illuminant, white balance
    and channel cross-talk (M) and a camera tone curve unlike sRGB's (gamma); it is fitted
    by RANSAC over 5-patch subsets, so covered or glared patches do not pull it.
    """
    ref = np.asarray(card.reference_linear)
    ref_lab = np.asarray(card.reference_lab)
    idx = np.flatnonzero(use)
    de_all = np.full(len(m), np.inf)
    if len(idx) < MIN_FIT:
        return de_all, np.zeros(len(m), bool)
    X0 = _scaled(m, use)
    rng = np.random.default_rng(len(idx))  # deterministic: the same photo, the same answer
    subs = np.array([rng.choice(idx, 5, replace=False) for _ in range(_RANSAC_SUBSETS)])
    best: tuple[int, float, np.ndarray] = (-1, np.inf, np.zeros(len(m), bool))
    for g in (0.75, 1.0):  # RANSAC at two tone curves; the refinement searches finer
        Xg = X0**g
        M = _solve(Xg[subs], ref[subs])  # (S, 3, 3)
        de = _fit_de(Xg[idx][None], M, ref_lab[idx][None])  # (S, n)
        inl = de < INLIER_DE
        cnt = inl.sum(1)
        err = np.where(inl, de, 0).sum(1) / np.maximum(cnt, 1)
        k = int(np.lexsort((err, -cnt))[0])
        if (cnt[k], -err[k]) > (best[0], -best[1]):
            mask = np.zeros(len(m), bool)
            mask[idx[inl[k]]] = True
            best = (int(cnt[k]), float(err[k]), mask)
    inl_mask = best[2]
    for _ in range(3):  # trimmed re-fits over the tone curve
        if inl_mask.sum() < 6:
            break
        de_all = _refit(X0, inl_mask[None], ref, ref_lab)[0]
        new = use & (de_all < INLIER_DE)
        if np.array_equal(new, inl_mask):
            break
        inl_mask = new
    return de_all, inl_mask


def _scaled(m: np.ndarray, use: np.ndarray) -> np.ndarray:
    """The samples as the verification fits them: the brightest usable channel at 1."""
    return np.maximum(m, 0) / max(float(m[use].max()), 1e-6)


def _judged_alone(m: np.ndarray, use: np.ndarray, inl: np.ndarray, clean: np.ndarray,
                  card: CardType) -> int | None:
    """The grey the correction may not trust, or None: of the ``clean`` greys among the
    fit's inliers ``inl`` (of the ``use`` patches of samples ``m``), the one that the fit
    of the other inliers misses most, when it misses it by the outlier limit.

    A trimmed fit has two answers for a patch near the limit: left out, it is an
    outlier; let in, it pulls the fit towards itself and passes. Which one a frame landed
    on hung on a few codes, so the same card's white was used under one light and left
    out under four, and the product came out differently (docs/colour-detection.md,
    "Session 16"). Only the greys, which carry the tone curve under the whole product,
    and only the worst of them, where five would remain: a card with fewer clean greys
    needs each one. The card's identity keeps the trimmed fit's inliers: this judgement
    is stricter, and a card that is what it seems should not be lost to it."""
    idx = np.array([i for i in card.neutral if inl[i] and clean[i]], int)
    if len(idx) <= _GREYS_ALONE:  # with fewer, each grey holds the tone curve up
        return None
    others = np.repeat(inl[None], len(idx), axis=0)
    others[np.arange(len(idx)), idx] = False
    de_out = _refit(_scaled(m, use), others, np.asarray(card.reference_linear),
                    np.asarray(card.reference_lab))[np.arange(len(idx)), idx]
    worst = int(np.argmax(de_out))
    return int(idx[worst]) if de_out[worst] >= INLIER_DE else None


def _refit(X0: np.ndarray, fit_on: np.ndarray, ref: np.ndarray, ref_lab: np.ndarray) -> np.ndarray:
    """ΔE2000 of every patch (K, N) under the fits to the patches ``fit_on`` (K, N) bool,
    each at the power of ``_GAMMAS`` that explains its own patches best."""
    w = fit_on.astype(float)[..., None]
    best = np.full(fit_on.shape[0], np.inf)
    out = np.full(fit_on.shape, np.inf)
    for g in _GAMMAS:
        Xg = X0**g
        M = _solve(Xg[None] * w, ref[None] * w)
        de = _fit_de(Xg[None], M, ref_lab[None])
        cost = (de * fit_on).sum(1) / np.maximum(fit_on.sum(1), 1)
        better = cost < best
        best[better] = cost[better]
        out[better] = de[better]
    return out


def _channel_gammas(m: np.ndarray, use: np.ndarray, card: CardType) -> np.ndarray:
    """Per channel, the power taking the usable greys onto their reference: the median of
    the slopes between pairs of greys in log-log (Theil–Sen), so one glared or noisy grey
    does not bend it. (1, 1, 1) with fewer than three greys."""
    ref = np.asarray(card.reference_linear)
    grey = [i for i in card.neutral if use[i] and np.all(m[i] > 1e-3)]
    if len(grey) < 3:
        return np.ones(3)
    lx, lr = np.log(m[grey]), np.log(np.maximum(ref[grey], 1e-4))
    i, j = np.triu_indices(len(grey), 1)
    dx = lx[j] - lx[i]
    ok = np.abs(dx) > 0.05  # (pairs, 3): greys far enough apart to give a slope
    slopes = np.where(ok, (lr[j] - lr[i]) / np.where(ok, dx, 1.0), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a channel without such a pair
        slope = np.nanmedian(slopes, axis=0)
    slope = np.nan_to_num(slope, nan=1.0)
    return np.clip(slope / np.median(slope), 0.5, 2.0)  # only the channels' differences


def partial_patches(det: CardDetection) -> np.ndarray:
    """(N,) bool: the patches left out as ``gamut`` (a channel at 0) whose two other
    channels are measured: above the lower limit and its margin (_CLIP_LO + _SOFT_LO
    codes), below clipping. They still tell the fit two channels (models.fit's
    ``partial``)."""
    n = 0 if det.patches is None else len(det.patches)
    out = np.zeros(n, bool)
    if not n:
        return out
    lo, hi = srgb8_to_linear(np.array([_CLIP_LO + _SOFT_LO, _CLIP_HI], np.uint8)).astype(float)
    two = np.sort(np.asarray(det.patches, float), axis=1)[:, 1:]
    for i, code in det.excluded:
        out[i] = code == "gamut" and bool(np.all((two[i] > lo) & (two[i] < hi)))
    return out


def enough_for_colour(card: CardType, used: np.ndarray, weights: np.ndarray | None = None) -> bool:
    """Whether the patches ``used`` (N,) bool support a colour correction; with fewer, or
    of too few kinds, only a white balance is honest (see MIN_FIT). ``weights`` (N,), the
    patches' fit weights, count a colour patch near a limit in the hues' spread by its
    weight, as it counts in the fit."""
    return colour_shortfall(card, used, weights) is None


def colour_shortfall(card: CardType, used: np.ndarray, weights: np.ndarray | None = None) -> str | None:
    """Why the patches ``used`` support only a white balance, as a message key (too few
    patches, greys or colours; or colours whose hues do not surround grey), or None
    when they support a colour correction (see :func:`enough_for_colour`)."""
    idx = np.flatnonzero(np.asarray(used, bool))
    neutral = set(card.neutral)
    chroma = np.array([i for i in idx if i not in neutral], int)
    greys = len(idx) - len(chroma)
    if not (len(idx) >= MIN_FIT and len(chroma) >= (MIN_CHROMATIC if greys >= MIN_NEUTRAL else MIN_CHROMATIC_ALONE)):
        return "card-white-balance-only"
    w = np.ones(len(chroma)) if weights is None else np.asarray(weights, float)[chroma]
    gap, spread = hue_coverage(card, chroma, w)
    return None if gap < MAX_HUE_GAP and spread >= MIN_HUE_SPREAD else "card-white-balance-hues"


def hue_coverage(card: CardType, idx: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """How the reference hues (Lab a*b*) of patches ``idx`` surround the grey axis: the
    largest gap between them in degrees (< 180: grey lies inside them, so a matrix
    fitted on them interpolates round the hue circle) and the weaker axis of their
    directions' weighted second moment, as a share of both (0: all on one line through
    grey, which leaves the matrix free across it; 0.5: even in every direction).

    The matrix that keeps grey grey has two columns of freedom in this plane, so what it
    needs is patches along two independent directions; the count of 60° hue sectors it
    replaces passed four neighbouring sectors on one side of grey and refused three
    sectors 120° apart (docs/colour-detection.md, "What a colour correction needs")."""
    idx = np.asarray(idx, int)
    if len(idx) == 0:
        return 360.0, 0.0
    w = np.ones(len(idx)) if weights is None else np.clip(np.asarray(weights, float), 0.0, None)
    lab = np.asarray(card.reference_lab)[idx]
    h = np.arctan2(lab[:, 2], lab[:, 1])
    a = np.sort(np.degrees(h[w > 0]) % 360.0)
    gap = float(np.diff(np.r_[a, a[0] + 360.0]).max()) if len(a) else 360.0
    u = np.stack([np.cos(h), np.sin(h)], axis=1)
    second = (u * w[:, None]).T @ u / max(float(w.sum()), 1e-12)
    return gap, float(np.linalg.eigvalsh(second)[0])


def _verify(m: np.ndarray, why: list[str | None], card: CardType) -> _Verdict:
    """Judge samples ``m`` as ``card`` after removing any cast; see the module doc."""
    use = np.array([w is None for w in why])
    gamut = np.array([w == "gamut" for w in why])
    if (use | gamut).sum() < MIN_FIT:
        return _Verdict(False, np.inf, 0, why, say("card-clipped-patches", n=int((~use).sum())))
    # the card's identity is judged on the patches with a channel at 0 too (their error
    # is a few linear thousandths); the correction is fitted without them
    v = _judge(*_robust_fit(m, use | gamut, card), why, card)
    # One power for all channels cannot undo a tone rendering that differs by channel
    # (a per-channel gamma, a sensor's own curves): judged again after a power per
    # channel that takes the card's greys onto theirs, and the better judgement stands.
    tone = np.maximum(m, 0) ** _channel_gammas(m, use, card)
    again = _judge(*_robust_fit(tone, use | gamut, card), why, card)
    if again.ok and (not v.ok or again.rank() < v.rank()):
        v, m = again, tone
    if not v.ok and gamut.any():
        # Under a strong cast the patches with a channel at 0 can be many (seven or eight
        # under a 2700 K light) and pull the one fit off the rest: the true grid failed on
        # the fit's mean while a grid half a patch off, sampling gaps, passed. Judged
        # again on the clean patches alone, by the same limits.
        for x in (m, tone):
            clean = _judge(*_robust_fit(x, use, card), why, card)
            if clean.ok and (not v.ok or clean.rank() < v.rank()):
                v, m = clean, x
    if v.ok:
        _trusted(v, m, use, gamut, card)
    return v


def _verify_shadow(m: np.ndarray, why: list[str | None], card: CardType) -> _Verdict | None:
    """Samples ``m`` judged as a card partly in shadow (:func:`_in_shadow`), with what
    the correction may trust; None when they do not pass so."""
    use = np.array([w is None for w in why])
    gamut = np.array([w == "gamut" for w in why])
    if (use | gamut).sum() < MIN_FIT:
        return None
    v = _in_shadow(m, use | gamut, why, card)
    if v is not None:
        kept = np.array([w != "shadow" for w in v.why])
        _trusted(v, m, use & kept, gamut & kept, card)
    return v


def _stands(v: _Verdict, again: _Verdict | None) -> _Verdict:
    """``v``, the one-light verdict, or a second judgement of the same samples (two
    lights, a veil taken out) where that passes and ``v`` does not, or explains
    _SHADOW_MORE patches more."""
    if again is not None and (not v.ok or again.inliers >= v.inliers + _SHADOW_MORE):
        return again
    return v


def _with_shadow(v: _Verdict, m: np.ndarray, why: list[str | None], card: CardType) -> _Verdict:
    """``v``, the one-light verdict on samples ``m``, or their two-light one (_stands)."""
    return _stands(v, _verify_shadow(m, why, card))


def _veil(m: np.ndarray, why: list[str | None], card: CardType) -> np.ndarray | None:
    """A veil of light over the card (lens flare, haze, a window's reflection): an
    offset per channel that lifts every patch alike, most visibly the dark ones. From the
    clean greys: per channel the intercept of a Theil-Sen line of the measured values
    against the reference luminance (robust to a grey or two off it; an sRGB file's
    values decoded are close to linear in the light), capped at _VEIL_CAP of the
    channel's darkest grey. None with fewer than _VEIL_GREYS clean greys, or where the
    offset stays below _VEIL_MIN of the brightest grey."""
    greys = [i for i in card.neutral if why[i] is None]
    if len(greys) < _VEIL_GREYS:
        return None
    x = np.asarray(card.reference_linear)[greys] @ _LUMA
    y = m[greys]
    i, j = np.triu_indices(len(greys), 1)
    slope = np.median((y[j] - y[i]) / (x[j] - x[i])[:, None], axis=0)  # (3,)
    b = np.median(y - slope * x[:, None], axis=0)
    if b.max() < _VEIL_MIN * float(y.max()):
        return None
    return np.clip(b, 0.0, _VEIL_CAP * y.min(0))


def unveiled(m: np.ndarray, veil: np.ndarray) -> np.ndarray:
    """Samples or patches ``m`` (linear, (..., 3)) with a veil's offset (:func:`_veil`)
    taken out, held above 0: as the card is judged, and as it is fitted."""
    return np.maximum(m - veil, 1e-6)


def _verify_veil(m: np.ndarray, why: list[str | None], card: CardType) -> _Verdict | None:
    """Samples ``m`` judged with a veil over the card taken out (:func:`_veil`); None
    when there is none or they do not pass so."""
    b = _veil(m, why, card)
    if b is None:
        return None
    v = _verify(unveiled(m, b), why, card)
    if not v.ok:
        return None
    v.veil = b
    return v


def _with_veil(v: _Verdict, m: np.ndarray, why: list[str | None], card: CardType) -> _Verdict:
    """``v``, the one-light verdict on samples ``m``, or theirs with a veil taken out
    (_stands)."""
    return _stands(v, _verify_veil(m, why, card))


def _trusted(v: _Verdict, m: np.ndarray, use: np.ndarray, gamut: np.ndarray, card: CardType) -> None:
    """What the correction may trust, judged once, on the judgement that stands."""
    lone = _judged_alone(m, use | gamut, v.fit_on, use, card)
    if lone is not None:
        v.why[lone] = "outlier"


def _judge(de: np.ndarray, inl: np.ndarray, why: list[str | None], card: CardType) -> _Verdict:
    """The verdict on a robust fit's ΔE2000 ``de`` and inliers ``inl`` (see _verify)."""
    use = np.array([w is None for w in why])
    out = list(why)
    for i in np.flatnonzero(use & ~inl):
        out[i] = "outlier"
    clipped_agree = sum(1 for i, w in enumerate(why)
                        if (w == "clipped" and de[i] < INLIER_DE) or (w == "gamut" and inl[i]))
    mean = float(de[inl].mean()) if inl.any() else np.inf  # over every patch the fit explains
    fit_on = inl
    inl = inl & use
    neutral = set(card.neutral)
    n_neutral = sum(1 for i in np.flatnonzero(inl) if i in neutral)
    chroma = np.array([i for i in np.flatnonzero(inl) if i not in neutral], int)
    v = _Verdict(False, mean, int(inl.sum()) + clipped_agree, out, fit_on=fit_on, de=de)
    need = MIN_PATCHES if n_neutral >= MIN_NEUTRAL else MIN_PATCHES + NO_GREYS_MORE
    if v.inliers < need or len(chroma) < 2:
        v.reason = say("card-too-few-agree", n=v.inliers, total=card.n_patches, need=need,
                       more=NO_GREYS_MORE, greys=MIN_NEUTRAL)
        return v
    if mean > _FIT_MEAN_MAX:
        v.reason = say("card-inconsistent", mean=f"{mean:.1f}", bad=int((use & ~inl).sum()),
                       limit=f"{INLIER_DE:g}")
        return v
    v.ok = True
    return v


def _partitions(card: CardType) -> np.ndarray:
    """(P, N) bool: the ways a straight line divides the card's patches in two with at
    least _SHADOW_SIDE on each side (the edge of a shadow across the card), each once."""
    j, i = np.arange(card.n_patches) % card.cols, np.arange(card.n_patches) // card.cols
    seen: dict[bytes, np.ndarray] = {}
    for a in np.linspace(0.0, np.pi, 48, endpoint=False):
        p = np.round(j * np.cos(a) + i * np.sin(a), 9)
        levels = np.unique(p)
        for t in (levels[1:] + levels[:-1]) / 2:
            side = p > t
            if min(side.sum(), (~side).sum()) < _SHADOW_SIDE:
                continue
            key = (side if side[0] else ~side).tobytes()  # a side and its complement: once
            seen.setdefault(key, side if side[0] else ~side)
    return np.array(list(seen.values()))


_PARTITIONS: dict[str, np.ndarray] = {}


def _in_shadow(m: np.ndarray, use: np.ndarray, why: list[str | None], card: CardType) -> _Verdict | None:
    """The card judged as lit by two lights, one on each side of a straight edge: a
    shadow across it. Each side's light is a gain per channel (a shadow is darker and
    bluer) on the one cast-removing fit of :func:`_robust_fit`. Every straight division
    of the patches with _SHADOW_SIDE or more on each side is tried at two tone curves
    (the fit with the gains held, the gains with the fit held, in turn; then again on
    the patches it explains), and the closest _SHADOW_NEAR of each at every power of
    _GAMMAS; the division that explains the most patches, then the closest, stands. The card
    stands when that passes the same limits as one light, each side has _SHADOW_SIDE
    patches that agree, and the two lights differ by more than _SHADOW_STEP in luminance
    (a smaller step is light across the card, see light.py).

    The correction uses one light, measured, not the other brought to it by the gains
    (those are 5-40 % off on real cameras, whose tone curves the judging model only
    approximates): the side with the more usable greys, the brighter where both have
    MIN_NEUTRAL (the grey row carries the tone curve and the white balance). The other
    side's patches are left out as "shadow". None when no division passes, or neither
    side has MIN_NEUTRAL usable greys."""
    parts = _PARTITIONS.get(card.name)
    if parts is None:
        parts = _PARTITIONS[card.name] = _partitions(card)
    ref = np.asarray(card.reference_linear)
    ref_lab = np.asarray(card.reference_lab)
    X0 = _scaled(m, use)
    near: list[int] = []  # the closest few divisions at either tone curve
    for g in (0.75, 1.0):  # as _robust_fit's RANSAC; the divisions found are refined below
        cnt, err, both, _, _, _ = _two_lights(X0**g, parts, use, ref, ref_lab)
        near += [int(k) for k in np.lexsort((err, -cnt)) if both[k] >= _SHADOW_SIDE][:_SHADOW_NEAR]
    if not near:
        return None
    # at the coarse tone curves a patch near the edge agrees on either side (a fit's mean
    # ΔE2000 of 4-5): the closest divisions are told apart at every power of _GAMMAS
    sides = parts[sorted(set(near))]
    fits = [(g,) + _two_lights(X0**g, sides, use, ref, ref_lab, full=True) for g in _GAMMAS]
    top: tuple | None = None
    for k in range(len(sides)):
        ok = [f for f in fits if f[3][k] >= _SHADOW_SIDE]
        if not ok:
            continue
        # the tone curve that explains its patches best, among those that explain
        # nearly the most: a loose curve (the bound, 0.6) lets a patch or two more in,
        # and the gains then take up its misfit
        most = max(f[1][k] for f in ok)
        g, cnt, err, _, gain, de, inl, M = min((f for f in ok if f[1][k] >= most - 1), key=lambda f: f[2][k])
        if top is None or (cnt[k], -err[k]) > top[:2]:
            top = (int(cnt[k]), -float(err[k]), g, sides[k], gain[k], de[k], inl[k], M[k])
    if top is None:
        return None
    _, _, g, side, gain, de, inl, M = top
    # each patch under either light: a patch the correction uses must be explained by
    # its side's light clearly better than by the other (within the outlier limit, a
    # dark patch or one beside the edge can agree with both)
    Xg = X0**g
    swapped = np.where(side[:, None], Xg, Xg * gain)  # each patch in the other side's light
    clear = de + _SHADOW_CLEAR < delta_e_2000(linear_to_lab(np.clip(swapped @ M, 0, None)), ref_lab)
    # the second side's light over the first's, in luminance
    second = 1.0 / float(gain ** (1.0 / g) @ _LUMA)
    if max(second, 1.0 / second) < _SHADOW_STEP:
        return None
    clean = np.array([w is None for w in why])
    greys = np.zeros(card.n_patches, bool)
    greys[list(card.neutral)] = True
    n1, n2 = ((greys & clean & inl & clear & s).sum() for s in (~side, side))
    if max(n1, n2) < MIN_NEUTRAL:
        return None
    # the light the correction uses: the more greys, the brighter where both have enough
    keep_second = n2 > n1 if min(n1, n2) < MIN_NEUTRAL else second > 1.0
    kept = (side if keep_second else ~side) & clear
    v = _judge(de, inl, why, card)  # the card's identity: both sides
    if not v.ok:
        return None
    v.why = [w if w is not None or kept[i] else "shadow" for i, w in enumerate(v.why)]
    v.fit_on = inl & kept
    v.shadow = (1.0 / second) if keep_second else second
    return v


def _two_lights(X: np.ndarray, parts: np.ndarray, use: np.ndarray, ref: np.ndarray, ref_lab: np.ndarray,
                full: bool = False) -> tuple[np.ndarray, ...]:
    """For each division ``parts`` (P, N) of the samples ``X`` (N, 3, at a tone curve):
    ``ref ≈ X @ M`` on the first side and ``X @ diag(gain) @ M`` on the second, by
    alternating least squares over the ``use`` patches, then over those it explains.
    Returns per division the patches explained, their mean ΔE2000, the fewer of them on
    either side, the gains (P, 3), every patch's ΔE2000 (P, N) and the explained (P, N);
    ``full``: the fits (P, 3, 3) too."""
    w = np.broadcast_to(use.astype(float), parts.shape).copy()
    Xt = X.T[None]  # (1, 3, N)
    xr, xx = X * ref, X * X
    for _ in range(2):  # all usable patches, then the ones the fit explains
        wb = w * parts
        # the gains start from the ratio of the two sides' white balances: from 1, four
        # rounds left a shadow of 0.35 judged as one of 0.7 and the card refused
        # (docs/colour-detection.md, "Session 30")
        wf = w * ~parts
        gain = np.clip((wb @ xr) / np.maximum(wb @ xx, 1e-12)
                       / np.maximum((wf @ xr) / np.maximum(wf @ xx, 1e-12), 1e-12), 1e-3, 1e3)
        # the gains' normal equations from these, as Hadamard products with M's
        # (Σ_i w_i X_ic X_id (M Mᵀ)_cd and Σ_k M_ck (Σ_i w_i X_ic ref_ik))
        G = (Xt * wb[:, None, :]) @ X[None]  # (P, 3, 3)
        Hm = (Xt * wb[:, None, :]) @ ref[None]  # (P, 3, 3)
        for _ in range(4):
            Xp = np.where(parts[..., None], X[None] * gain[:, None, :], X[None])  # (P, N, 3)
            XpT = np.swapaxes(Xp, 1, 2) * w[:, None, :]
            M = np.linalg.solve(XpT @ Xp + 1e-4 * np.eye(3), XpT @ ref[None])  # (P, 3, 3)
            AtA = G * (M @ np.swapaxes(M, 1, 2)) + 1e-6 * np.eye(3)
            Atb = np.sum(M * Hm, axis=2)
            gain = np.clip(np.linalg.solve(AtA, Atb[..., None])[..., 0], 1e-3, 1e3)
        Xp = np.where(parts[..., None], X[None] * gain[:, None, :], X[None])
        de = delta_e_2000(linear_to_lab(np.clip(Xp @ M, 0, None)), ref_lab[None])  # (P, N)
        w = (use[None] & (de < INLIER_DE)).astype(float)
    inl = w.astype(bool)
    cnt = inl.sum(1)
    both = np.minimum((inl & parts).sum(1), (inl & ~parts).sum(1))
    err = np.where(inl, de, 0).sum(1) / np.maximum(cnt, 1)
    return (cnt, err, both, gain, de, inl) + ((M,) if full else ())


def _best_ordering(
    rgb: np.ndarray, quad: np.ndarray, card: CardType
) -> tuple[np.ndarray | None, _Verdict, np.ndarray, np.ndarray]:
    """The corner ordering under which the samples verify, its verdict, its samples and
    their weights, or (None, why not, the closest ordering's samples and weights)."""
    results = []
    for q in _orderings(np.asarray(quad, float)):
        m, why, soft = _sample(rgb, q, card)
        results.append((q, _verify(m, why, card), m, soft, why))
    results.sort(key=lambda r: r[1].rank())
    if _doubtful(results[0][1]):
        # A card partly in shadow agrees on one side only: it fails, or passes on its
        # larger side, whose light then decides the correction. The closest orderings
        # are judged under two lights; once that explains more, every ordering is
        # (uniqueness, below).
        results = _judged_again(results, _with_shadow, card)
    if results[0][1].shadow is None and _doubtful(results[0][1]):
        # A veil over the card (flare, haze) lifts every patch alike: the dark ones
        # become outliers, or the card fails. Judged so as a shadow is, by the same
        # gates: the closest orderings first, every one once that explains more.
        results = _judged_again(results, _with_veil, card)
    q, best, m, soft, _ = results[0]
    if not best.ok:
        # report the most informative reason: that of the ordering that came closest
        return None, best, m, soft
    second = results[1][1]
    if second.ok and second.inliers >= best.inliers - 1 and second.score < 1.5 * best.score:
        return None, _Verdict(False, np.inf, 0, best.why, say("card-ambiguous")), m, soft
    return q, best, m, soft


def _doubtful(v: _Verdict) -> bool:
    """Whether a verdict is worth a second judgement (a shadow, a veil): it passes with
    _SHADOW_OUTLIERS outliers or more, or fails with _SHADOW_GATE patches agreeing."""
    return (v.ok and sum(w == "outlier" for w in v.why) >= _SHADOW_OUTLIERS) or \
        (not v.ok and v.inliers >= _SHADOW_GATE)


def _judged_again(results: list, judge: Callable, card: CardType) -> list:
    """``results`` (as :func:`_best_ordering` ranks them) with the closest orderings
    judged again by ``judge`` (:func:`_with_shadow`, :func:`_with_veil`): the closest
    one where the first passed, the closest _SHADOW_TRIED where it failed, and every
    ordering once that explains more (uniqueness is judged on them all), ranked again."""
    again, better = [], False
    for n, r in enumerate(results):
        v = judge(r[1], r[2], r[4], card)
        if v is not r[1]:
            r, better = (r[0], v, r[2], r[3], r[4]), True
        again.append(r)
        if not better and n + 1 >= (1 if results[0][1].ok else _SHADOW_TRIED):
            break
    return sorted(again + results[len(again):], key=lambda r: r[1].rank()) if better else results


def _pitch(centres_px: np.ndarray, card: CardType) -> float:
    """Median distance between neighbouring patch centres along a row, in pixels."""
    rows = centres_px.reshape(card.rows, card.cols, 2)
    return float(np.median(np.linalg.norm(np.diff(rows, axis=1), axis=-1)))


def _refine(rgb: np.ndarray, corners: np.ndarray, card: CardType, probe: bool = False) -> np.ndarray:
    """Move the grid onto the measured patch centroids (colour-similar blob around each
    predicted centre) and re-fit the homography; keeps the input if that fails.

    ``probe``, for a grid that came close but did not verify: a grid extrapolated from a
    few rows (the others covered, or not seen as squares) can put a centre on a patch's
    edge. Where the blob around the predicted centre is not a clean patch, a whole
    patch-sized blob is looked for around points 0.4 of a patch away along the grid's
    axes, and its centroid kept when it lies within half a pitch of the prediction; the
    homography then allows a little more (a partly covered patch's centroid sits off its
    centre)."""
    import cv2

    centres, ucorners, r = _unit_geometry(card)
    H = _homography(ucorners, corners)
    pc = _project(H, centres)
    pitch = _pitch(pc, card)
    rad = int(max(4, 0.75 * pitch))
    h, w = rgb.shape[:2]
    src, dst = [], []
    img = rgb.astype(np.int16)
    side = pitch / (1 + r)
    probes = np.array([(dx, dy) for dy in (0.0, -0.4, 0.4) for dx in (0.0, -0.4, 0.4)])[1:]

    def centroid(x: float, y: float, strict: bool = False) -> np.ndarray | None:
        xi, yi = int(round(x)), int(round(y))
        if xi - rad < 0 or yi - rad < 0 or xi + rad >= w or yi + rad >= h:
            return None
        win = img[yi - rad : yi + rad + 1, xi - rad : xi + rad + 1]
        c = rad // 3
        core = win[rad - c : rad + c + 1, rad - c : rad + c + 1].reshape(-1, 3)
        med = np.median(core, 0)
        if med.max() < 45:  # dark patches do not separate from the black gaps
            return None
        d = np.abs(win - med).max(-1)
        tol = max(14.0, 3 * float(np.median(np.abs(core - med).max(-1))))
        mask = (d <= tol).astype(np.uint8)
        n, lab, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=4)
        li = lab[rad, rad]
        if li == 0:
            return None
        area = stats[li, cv2.CC_STAT_AREA]
        bw, bh = stats[li, cv2.CC_STAT_WIDTH], stats[li, cv2.CC_STAT_HEIGHT]
        if bw >= 2 * rad or bh >= 2 * rad or area < 0.25 * side ** 2:
            return None  # blob runs out of the window: not a clean patch
        if strict and not (0.5 * side <= min(bw, bh) and max(bw, bh) <= 1.4 * side
                           and area >= 0.4 * side ** 2):
            return None  # found off the prediction: only a whole patch-sized blob counts
        return np.asarray(cent[li] + [xi - rad, yi - rad], float)

    for k in range(len(pc)):
        got = centroid(*pc[k])
        if got is None and probe:
            for x, y in _project(H, centres[k] + probes):
                got = centroid(x, y, strict=True)
                if got is not None and np.hypot(*(got - pc[k])) < 0.5 * pitch:
                    break
                got = None
        if got is not None:
            src.append(centres[k])
            dst.append(got)
    if len(src) < 10:
        return corners
    Hr, inl = cv2.findHomography(np.float32(src), np.float32(dst), cv2.RANSAC, (0.12 if probe else 0.08) * pitch)
    if Hr is None or inl.sum() < 10:
        return corners
    return _project(Hr, ucorners)


def _continues(quad: np.ndarray, card: CardType, squares: np.ndarray) -> bool:
    """True when patch-sized squares sit on the lattice one step outside the 4x6 grid:
    the window is part of a larger chart (a Digital SG holds the Classic's 24 colours in
    its centre). A Classic's surround is its black frame, then the background."""
    if len(squares) == 0:
        return False
    centres, ucorners, r = _unit_geometry(card)
    H = _homography(ucorners, quad)
    # the ring's four diagonal corners are left out: boards made for card photos put
    # their fiducial markers (ArUco) just there
    ring = [(j, i) for i in range(-1, card.rows + 1) for j in range(-1, card.cols + 1)
            if (i in (-1, card.rows)) != (j in (-1, card.cols))]
    pts = _project(H, np.array([[j * (1 + r) + 0.5, i * (1 + r) + 0.5] for j, i in ring]))
    inner = _project(H, centres)
    pitch = _pitch(inner, card)
    side = pitch / (1 + r)
    sim = squares[(squares[:, 2] > side / 1.6) & (squares[:, 2] < side * 1.4)]
    if len(sim) == 0:
        return False
    d = np.linalg.norm(pts[:, None, :] - sim[None, :, :2], axis=-1).min(1)
    return int((d < 0.3 * pitch).sum()) >= 5


# --------------------------------------------------------------------------- candidates
MCC_EDGE = 1000  # MCC runs on at most this long edge first: its cost grows with the pixels
_CAST_EVEN = 1.15  # channel means within this ratio: no cast to even out for the squares
MCC_MIN_SQUARES = 4  # square blobs seen before MCC is worth running
# … in a crop at full size, where a card's patches are big enough to show as squares (a
# card 90 px wide gives 17–27): fewer are a colourful product's, and MCC on such a crop
# cost 20–70 ms for nothing (docs/colour-detection.md, "The search")
MCC_MIN_SQUARES_CROP = 8


def _mcc_candidates(rgb: np.ndarray, edge: int = MCC_EDGE) -> list[np.ndarray]:
    import cv2

    k = min(1.0, edge / max(rgb.shape[:2]))
    small = rgb if k == 1.0 else cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    try:
        det = cv2.mcc.CCheckerDetector_create()
        det.setColorChartType(cv2.mcc.MCC24)
        if not det.process(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), 2):
            return []
        return [np.asarray(c.getBox(), float).reshape(4, 2) / k for c in det.getListColorChecker()]
    except (cv2.error, AttributeError):
        return []


# a patch seen as a blob: its longest side at most this many times its shortest (a card
# lying on a table seen from 20° above it: its patches three times as wide as high)
_SQUARE_ASPECT = 3.0


def _quads(rgb: np.ndarray) -> np.ndarray:
    """Centres, sizes and edge directions of square-ish blobs: (K, 5) cx, cy, side, ux, uy."""
    import cv2

    h, w = rgb.shape[:2]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    found = []
    min_side = max(6.0, min(0.006 * max(h, w), 8.0))
    max_side = 0.15 * max(h, w)
    for chan in (gray, hsv[..., 1]):
        for block in (max(3, int(max(h, w) * 0.03) | 1), max(3, int(max(h, w) * 0.08) | 1)):
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
                if e.max() > _SQUARE_ASPECT * e.min():
                    continue
                u = p[1] - p[0]
                ang = np.arctan2(u[1], u[0]) % (np.pi / 2)
                found.append([*p.mean(0), np.sqrt(area), np.cos(ang), np.sin(ang)])
    return _distinct(np.array(found).reshape(-1, 5))


def _distinct(q: np.ndarray) -> np.ndarray:
    """The blobs ``q`` (K, 5) less those found again (several thresholds, or looks, find
    the same patch): the largest of each."""
    keep: list[int] = []
    for i in np.argsort(-q[:, 2]):
        if all(np.hypot(*(q[i, :2] - q[j, :2])) > 0.5 * min(q[i, 2], q[j, 2]) for j in keep):
            keep.append(i)
    return q[keep]


def _cast_gains(rgb: np.ndarray) -> np.ndarray | None:
    """(3,) the gains that give ``rgb``'s channels one mean (grey world), or None where
    the means are within _CAST_EVEN of each other (or a channel is black)."""
    mean = rgb[::4, ::4].reshape(-1, 3).mean(0).astype(float)
    if mean.min() < 1.0:
        return None
    gain = mean.mean() / mean
    return gain if float(gain.max() / gain.min()) >= _CAST_EVEN else None


def _squares(rgb: np.ndarray, gains: np.ndarray | None = None) -> np.ndarray:
    """:func:`_quads` on at most MCC_EDGE pixels (a third of the cost at 1.5 MP), in the
    coordinates of ``rgb``; ``gains`` (3,): of the frame with its channels scaled by them
    (:func:`_cast_gains`)."""
    import cv2

    k = min(1.0, MCC_EDGE / max(rgb.shape[:2]))
    small = rgb if k == 1.0 else cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    if gains is not None:
        small = np.clip(small * gains.astype(np.float32), 0, 255).astype(np.uint8)
    q = _quads(small)
    if k == 1.0:
        return q
    q = q.copy()
    q[:, :3] /= k
    return q


def _connected(ij: np.ndarray, good: np.ndarray, seed: int) -> np.ndarray:
    """The lattice cells joined to ``seed`` through neighbours at most two cells apart (a
    dark patch is often not seen): a marker or a square elsewhere that happens to sit on a
    lattice point must not widen the grid."""
    keep = np.zeros(len(ij), bool)
    if not good[seed]:
        return keep
    keep[seed] = True
    frontier = [seed]
    while frontier:
        k = frontier.pop()
        near = good & ~keep & (np.abs(ij - ij[k]).max(1) <= 2)
        keep |= near
        frontier.extend(np.flatnonzero(near).tolist())
    return keep


def _grid_candidates(rgb: np.ndarray, card: CardType, q: np.ndarray | None = None,
                     checkered: bool = False) -> list[np.ndarray]:
    """Find lattices of square patches and propose 4x6 windows over them.

    The lattice pitch comes from the distances between neighbouring squares (a blob's own
    size under-reads a patch by its blurred edge, and that error grows along a row);
    ``checkered``: the squares taken as every other patch of a finer lattice
    (:func:`_checkered`), the search's last resort."""
    q = _quads(rgb) if q is None else q
    if len(q) < 8:
        return []
    lattices = _lattices(q, card, checkered)
    # the fullest lattices first: a few squares that happen to line up (a lattice from a
    # seed off the card, or through a marker) must not use up the candidates
    lattices.sort(key=lambda t: (-t[0], -t[1]))
    cands: list[np.ndarray] = []
    for top, _n, Hh, wins in lattices:
        cands += _window_quads(Hh, wins, top, card)[:_LATTICE_WINDOWS]
    return cands[:_MAX_WINDOWS]


def _lattices(q: np.ndarray, card: CardType, checkered: bool) -> list[tuple[int, int, np.ndarray, list]]:
    """The lattices through the squares ``q``, each as (squares in its best window,
    squares on it, homography from lattice units to pixels, its windows); ``checkered``:
    from the pitches :func:`_checkered` guesses, else from the nearest neighbours'."""
    r = card.gap_ratio
    lattices: list[tuple[int, int, np.ndarray, list]] = []
    claimed = np.zeros(len(q), bool)
    for seed in np.argsort(-q[:, 2]):
        if claimed[seed]:
            continue
        side = q[seed, 2]
        sim = np.flatnonzero((q[:, 2] > side / 1.5) & (q[:, 2] < side * 1.5))
        near = sim[np.hypot(*(q[sim, :2] - q[seed, :2]).T) < side * (1 + r) * 8]
        if len(near) < 8:
            continue
        dist = np.linalg.norm(q[near, None, :2] - q[None, near, :2], axis=-1)
        dist[dist < 0.5 * side] = np.inf
        pitch = float(np.median(dist.min(1)))
        if not np.isfinite(pitch) or pitch > 2.5 * side:
            continue
        guess = _checkered(pitch, side, r) if checkered else (pitch, 2.0)
        if guess is None:
            continue
        for Hh, ij, rel, good in _fit_lattices(q, seed, near, *guess):
            good &= _connected(ij, good, np.argmin(np.abs(rel).sum(1)))
            if good.sum() < 8:
                continue
            if good.sum() > card.n_patches + 6:
                claimed[near[good]] = True  # a lattice larger than the card: another chart
                continue
            wins = _windows(ij[good], card)
            top = max(w[0] for w in wins)
            if top < 8:
                continue
            lattices.append((top, int(good.sum()), Hh, wins))
            if good.sum() >= _LATTICE_CLAIMS:
                claimed[near[good]] = True
    return lattices


_CHECKERED = 1.25  # squares this much further apart than their size says: every other one seen


def _checkered(pitch: float, side: float, gap: float) -> tuple[float, float] | None:
    """The pitch of a lattice whose every other patch is a square of ``side`` and whose
    nearest squares are ``pitch`` apart (diagonal neighbours, √2 pitches), with how far
    along an axis a neighbour may be (in pitches, :func:`_axis_pitches`: two is the
    next square there); None where the squares are not further apart than their size
    allows (``_CHECKERED``). In a dark, noisy frame the threshold often sees every other
    patch only (`oycq_office_greencast_cam2` at 30 % exposure with high-ISO noise)."""
    if pitch <= _CHECKERED * side * (1 + gap):
        return None
    return pitch / np.sqrt(2), 1.5


def _fit_lattices(q: np.ndarray, seed: int, near: np.ndarray, pitch: float,
                  reach: float = 2.0) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The lattices through the squares ``near`` the seed, each as (homography from
    lattice units to pixels, each square's lattice cell, its offset from the cell,
    whether it sits on one); none where too few squares line up.

    Two lattices are laid: one from the seed's own pitch over every square at once, and
    one grown from the seed, the cells within a ring of it first, then, with the
    homography through those, the next ring. A card seen at a steep angle has patches
    nearly twice as far apart at its near edge as at its far one, and the first puts the
    far squares a row off; the second can go astray from a few squares where the first
    does not. Both are kept where they put the squares in different cells."""
    ang = np.arctan2(q[seed, 4], q[seed, 3])
    R = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])  # columns: the axes
    U = R * _axis_pitches(q[near, :2], R, pitch, reach)
    rel0 = (q[near, :2] - q[seed, :2]) @ np.linalg.inv(U).T
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for reaches in ((np.inf,) * 3, (1.5, 2.5, 4.0, np.inf, np.inf)):
        rel = rel0
        ij = np.round(rel)
        good = np.abs(rel - ij).max(1) < 0.3
        Hh = None
        for reach in reaches:
            fit = good & (np.abs(ij).max(1) <= reach)
            Hn = _lattice_map(ij[fit], q[near[fit], :2])
            if Hn is None:
                if Hh is None:
                    continue
                break
            Hh = Hn
            rel = _project(np.linalg.inv(Hh), q[near, :2])
            ij = np.round(rel)
            good = np.abs(rel - ij).max(1) < 0.25
        if Hh is None or good.sum() < 8:
            continue
        if any(np.array_equal(g, good) and np.array_equal(c[g], ij[good]) for _, c, _, g in out):
            continue  # the same squares in the same cells
        out.append((Hh, ij, rel, good))
    return out


def _lattice_map(ij: np.ndarray, xy: np.ndarray) -> np.ndarray | None:
    """The homography from lattice cells ``ij`` to pixels ``xy``: an affine map where the
    cells cover fewer than three rows or columns (a perspective is not determined across
    two), None where they do not span the plane."""
    import cv2

    lines = min(len(np.unique(ij[:, 0])), len(np.unique(ij[:, 1])))  # rows or columns, the fewer
    A = np.c_[ij, np.ones(len(ij))]
    if len(ij) < 3 or lines < 2 or np.linalg.matrix_rank(A) < 3:
        return None
    if len(ij) < 6 or lines < 3:
        B, *_ = np.linalg.lstsq(A, xy, rcond=None)
        return np.vstack([B.T, [0.0, 0.0, 1.0]])
    H, _m = cv2.findHomography(ij.astype(np.float32), xy.astype(np.float32), 0)
    if H is None or abs(np.linalg.det(H)) < 1e-9 * np.abs(H).max() ** 3:
        return None
    return H


def _axis_pitches(xy: np.ndarray, R: np.ndarray, pitch: float, reach: float = 2.0) -> np.ndarray:
    """The lattice's pitch along each of its axes (the columns of ``R``): the median
    distance from a square to its nearest neighbour along that axis, within ``reach``
    pitches. A card seen at an angle is foreshortened along one axis (a pitch of 110 px
    across and 77 px down the card is common for a card on the ground); one pitch for
    both then puts every square a row or a column off a few cells from the seed.
    ``pitch`` where too few pairs."""
    comp = (xy[:, None, :] - xy[None, :, :]) @ R  # (n, n, 2): displacements along the axes
    out = np.full(2, pitch)
    for k in (0, 1):
        a, b = np.abs(comp[..., k]), np.abs(comp[..., 1 - k])
        along = (a > 0.5 * pitch) & (a < reach * pitch) & (b < 0.35 * a)
        nearest = np.where(along, a, np.inf).min(1)
        nearest = nearest[np.isfinite(nearest)]
        if len(nearest) >= 3:
            out[k] = float(np.median(nearest))
    return out


def _windows(gi: np.ndarray, card: CardType) -> list[tuple[int, int, int, int, int]]:
    """Every card-sized window (either way round) over the lattice cells ``gi``, with how
    many squares it holds: (inside, cols, rows, x0, y0)."""
    lo, hi = gi.min(0), gi.max(0)
    wins = []
    for ncols, nrows in ((card.cols, card.rows), (card.rows, card.cols)):
        for x0 in range(int(lo[0]) - ncols + 1, int(hi[0]) + 1):
            for y0 in range(int(lo[1]) - nrows + 1, int(hi[1]) + 1):
                inside = ((gi[:, 0] >= x0) & (gi[:, 0] < x0 + ncols)
                          & (gi[:, 1] >= y0) & (gi[:, 1] < y0 + nrows)).sum()
                wins.append((int(inside), ncols, nrows, x0, y0))
    return wins


def _lattice_window(card: CardType, ncols: int, nrows: int, x0: float = 0.0, y0: float = 0.0) -> np.ndarray:
    """The outer corners of a card-sized window of ``ncols`` x ``nrows`` patches whose
    first patch centre is (x0, y0), in lattice units (patch centres at integers)."""
    s = 0.5 / (1 + card.gap_ratio)  # half a patch, in pitches
    return np.array([[x0 - s, y0 - s], [x0 + ncols - 1 + s, y0 - s],
                     [x0 + ncols - 1 + s, y0 + nrows - 1 + s], [x0 - s, y0 + nrows - 1 + s]])


def _window_quads(Hh: np.ndarray, wins: list, top: int, card: CardType) -> list[np.ndarray]:
    """The card outlines of every window holding nearly as many squares as the best one
    (a stray marker beside the card widens the lattice, not the card), best first."""
    quads = []
    for inside, ncols, nrows, x0, y0 in sorted(wins, reverse=True):
        if inside < top - 2:
            break
        quad = _project(Hh, _lattice_window(card, ncols, nrows, x0, y0))
        if ncols != card.cols:  # portrait window: start at a corner of a long edge
            quad = np.roll(quad, 1, axis=0)
        quads.append(quad)
    return quads


# --------------------------------------------------------------------------- grey card
def _grey_auto(rgb: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """The largest uniform low-chroma region: a grey card in a hand, on a table, cut off at
    an edge or filling the frame. A region that touches the frame must be solid (no
    product standing in it) to count: a seamless grey backdrop around a product is not a
    card.

    Low chroma is judged as the frame shows it and, where that finds nothing, after the
    frame is balanced on itself, by its mean (grey world) and then by its bright surfaces
    (a Minkowski mean, p = 12, as the pre-check's second look): under a tungsten light a
    grey card is orange as shot (saturation 150 of 255 at 2700 K), and a card that needs
    the correction most was not found (docs/colour-detection.md, "Session 23")."""
    import cv2

    h, w = rgb.shape[:2]
    scale = 400 / max(h, w)
    small = cv2.resize(
        rgb, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA
    )
    f = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 1.2)  # sensor noise is no edge
    grad = sum(
        np.abs(cv2.Sobel(f[..., c], cv2.CV_32F, 1, 0))
        + np.abs(cv2.Sobel(f[..., c], cv2.CV_32F, 0, 1))
        for c in range(3)
    )
    grad = cv2.blur(grad, (5, 5))
    value = small.max(-1)
    even = (grad < 24) & (value > 40) & (value < 248)
    g = small.astype(np.float32)
    for balance in (None, cv2.mean(small)[:3], bright_balance(g)):
        look = small
        if balance is not None:
            b = np.asarray(balance, np.float32) + 1.0
            look = np.clip(g * (b.mean() / b), 0, 255).astype(np.uint8)
        sat = cv2.cvtColor(look, cv2.COLOR_RGB2HSV)[..., 1]
        quad = _grey_region(even & (sat < 90))
        if quad is not None:
            return quad / scale, None
    return None, say("grey-not-found")


def _grey_region(mask: np.ndarray) -> np.ndarray | None:
    """The grey card's box (4, 2) in ``mask``'s pixels: of the uniform low-chroma regions
    of ``mask``, the largest nearest the centre that is not a band or a backdrop."""
    import cv2

    sh, sw = mask.shape
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, lab, stats, cent = cv2.connectedComponentsWithStats(mask, connectivity=4)
    best, best_score = None, 0.0
    for i in range(1, n):
        area = stats[i, cv2.CC_STAT_AREA]
        if area < 0.004 * sh * sw:
            continue
        x, y, bw, bh = stats[i, :4]
        sides = int(x == 0) + int(y == 0) + int(x + bw >= sw) + int(y + bh >= sh)
        if sides:
            pts = np.argwhere(lab == i)[:, ::-1].astype(np.float32)
            (_, (rw, rh), _) = cv2.minAreaRect(pts)
            solid = area / max(rw * rh, 1.0)
            if solid < 0.9 or (sides > 2 and area < 0.5 * sh * sw) or _has_hole(lab == i, sh * sw):
                continue  # a backdrop with something in it, or a band around the frame
        d = np.hypot((cent[i][0] - sw / 2) / sw, (cent[i][1] - sh / 2) / sh)
        score = area * (1 - min(d, 0.7))
        if score > best_score:
            best, best_score = i, score
    if best is None:
        return None
    pts = np.argwhere(lab == best)[:, ::-1].astype(np.float32)
    return cv2.boxPoints(cv2.minAreaRect(pts)).astype(float)


def _has_hole(region: np.ndarray, frame_area: int) -> bool:
    """Whether something stands inside ``region`` (a product on a grey backdrop): a part
    of the frame it encloses, larger than sensor dust."""
    import cv2

    outside = (~region).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(outside, connectivity=4)
    h, w = region.shape
    for j in range(1, n):
        x, y, bw, bh, area = stats[j]
        if x > 0 and y > 0 and x + bw < w and y + bh < h and area > 0.003 * frame_area:
            return True
    return False


# --------------------------------------------------------------------------- front
def _accept(rgb: np.ndarray, quad: np.ndarray, card: CardType, method: str,
            squares: np.ndarray) -> tuple[CardDetection | None, str, int]:
    """Verify one candidate; refine an accepted grid onto the patch centroids. Also
    returns how many patches agreed with the card under the closest ordering (0 for a
    window of a larger chart)."""
    q, v, m, soft = _best_ordering(rgb, quad, card)
    if q is None and v.inliers >= MIN_FIT and v.reason != say("card-ambiguous"):
        # close: the candidate's grid may sit a little off the patches (an oblique card,
        # MCC's box, a lattice seen at 1000 px); move it onto them and judge again
        near = _orderings(np.asarray(quad, float))
        for cand in near[:2]:  # both shapes (6x4 and 4x6) of the quad
            try:
                q, v, m, soft = _best_ordering(rgb, _refine(rgb, cand, card, probe=True), card)
            except Exception:  # noqa: BLE001 - a degenerate refinement: keep the verdict
                continue
            if q is not None:
                break
    if q is None:
        return None, v.reason or say("card-no-ordering"), v.inliers
    if _continues(q, card, squares):
        return None, say("card-larger-chart"), 0
    try:
        q2 = _refine(rgb, _refine(rgb, q, card), card)
    except Exception:  # noqa: BLE001 - a degenerate refinement keeps the verified grid
        q2 = q
    m2, why2, soft2 = _sample(rgb, q2, card)
    v2 = _verify(m2, why2, card)
    if v.veil is not None:  # a veiled card: judged so on the refined grid too
        v2 = _with_veil(v2, m2, why2, card)
    if v.shadow is not None:  # a card in shadow: judged so on the refined grid too
        v2 = _with_shadow(v2, m2, why2, card)
        if not v2.ok:
            # Two lights are a freer judge than one: a grid a patch or more off the card
            # (sampling gaps and neighbours) once passed under them. The patches' own
            # centroids must confirm the grid: moved onto them, it verifies too.
            return None, say("card-in-shadow-unconfirmed"), v.inliers
    # the refined grid stands when it verifies as well; under a shadow one patch fewer
    # too: a patch at the shadow's edge agrees on either side of it, and the grid as
    # proposed (MCC's box, a lattice) can sit a third of a patch off and still agree
    if v2.ok and v2.rank() <= (v.rank()[0] + (v.shadow is not None), v.rank()[1] + 0.5):
        q, v, m, soft = q2, v2, m2, soft2
    used = np.array([w is None for w in v.why])
    return CardDetection(True, card.name, q, m, ~used, None, method, v.score,
                         tuple((i, w) for i, w in enumerate(v.why) if w is not None),
                         np.where(used, soft * _near_outlier(v, card), 0.0), v.shadow, v.veil), "", v.inliers


def _near_outlier(v: _Verdict, card: CardType) -> np.ndarray:
    """Each patch's weight by the outlier limit: 1 for a colour patch the judging fit
    explains within INLIER_DE - _SOFT_OUTLIER, falling to 0 at the limit; 1 for every
    grey (a grey is judged by the fit of the others, see _judged_alone)."""
    if v.de is None:
        return np.ones(card.n_patches)
    w = np.clip((INLIER_DE - np.nan_to_num(v.de, nan=np.inf, posinf=np.inf)) / _SOFT_OUTLIER, 0.0, 1.0)
    w[list(card.neutral)] = 1.0
    return w


def _as_clicked(rgb: np.ndarray, quad: np.ndarray, card: CardType, why: str) -> CardDetection:
    """Corners a person clicked that the patch colours do not confirm (a strong cast, an
    unusual card print): the person knows where the card is. The grid is sampled as
    clicked (patch 1's corner first, clockwise) and used, method "manual-unverified", so
    the fit comes with its figures and a warning, for the person to accept or retry.
    Refused when too few patches can be measured, when the grid continues past the
    corners (a larger chart), or when the grey row is not a grey scale: its patches must
    darken in the card's order, whatever the cast (not so in a product photo)."""
    m, why_patch, soft = _sample(rgb, quad, card)
    used = np.array([w is None for w in why_patch])
    greys = list(card.neutral)
    want, got = np.asarray(card.reference_linear)[greys] @ _LUMA, m[greys] @ _LUMA
    scale = np.array_equal(np.argsort(-want), np.argsort(-got)) and got.max() > 4 * max(got.min(), 1e-4)
    if used.sum() < MIN_FIT or why == say("card-larger-chart") or not scale:
        return CardDetection(False, card.name, reason=why)
    soft = np.where(used, soft, 0.0)
    return CardDetection(True, card.name, quad, m, ~used, None, "manual-unverified", None,
                         tuple((i, w) for i, w in enumerate(why_patch) if w is not None), soft)


# A region of the frame at the photo's own resolution: ``fine(box)`` gives the pixels of
# ``box`` (x0, y0, x1, y1 in the searched image's pixels) from a larger decode of the same
# photo, and how many of its pixels make one of the searched image's; None when it has none.
FineView = Callable[[tuple[int, int, int, int]], "tuple[np.ndarray, float] | None"]


def detect_card(
    rgb: np.ndarray, card: str = "classic24", corners: np.ndarray | None = None,
    fine: FineView | None = None,
) -> CardDetection:
    """Detect and sample a reference card in an sRGB uint8 image (H, W, 3).

    ``corners``: manual outer grid corners (4 points, any order for ``classic24``: the
    orientation is found from the patch colours). ``fine``: where ``rgb`` is a reduced
    decode of a larger photo, the photo's own pixels of a region (:data:`FineView`): a
    card too small to find in ``rgb`` is looked for there, in the pre-check's small
    boxes, once nothing else was found. Returns ``found=False`` with a reason when no
    card is trusted.
    """
    ct = get_card(card)
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.shape}")
    h, w = rgb.shape[:2]
    if not searchable(w, h):
        return CardDetection(False, card, reason=say("card-image-too-small", width=w, height=h,
                                                     side=MIN_IMAGE_SIDE))
    if card == "grey":
        return _detect_grey(rgb, ct, corners)
    if _greyscale(rgb):
        return CardDetection(False, card, reason=say("card-greyscale"))
    if corners is not None:
        quad = np.asarray(corners, float).reshape(4, 2)
        return _clicked(rgb, quad, ct, fine)

    # Three sources, cheapest first, at ~1000 px and then, when nothing is trusted, at the
    # full analysis size (a small card's patches are a few pixels at 1000 px); the best
    # verified candidate wins, and a card seen nearly whole ends the search. A lattice
    # over every other patch is the last resort: where a finer search finds the card, its
    # window is closer.
    search = _Search(rgb, ct)
    squares = _squares(rgb)
    if not search.consider("grid", _grid_candidates(rgb, ct, squares), squares) \
            and len(squares) >= MCC_MIN_SQUARES:
        search.consider("mcc", _mcc_candidates(rgb), squares)
    if search.best is None:
        _search_small_cards(search, squares)
    if search.best is None:
        _search_shifted(search, squares)
    if search.best is None and fine is not None:
        _search_fine(search, squares, fine)
    if search.best is None:
        _search_evened(search, squares)
    if search.best is None:  # every other patch seen, a dark and noisy frame's
        search.consider("grid", _grid_candidates(rgb, ct, squares, checkered=True), squares)
    return search.best if search.best is not None else CardDetection(False, card, reason=search.reason)


def _clicked(rgb: np.ndarray, quad: np.ndarray, ct: CardType, fine: FineView | None) -> CardDetection:
    """The card at corners a person gave: verified, else as clicked (:func:`_as_clicked`).
    A card small in ``rgb`` (under _FINE_CLICKED px a side) is measured in the photo's own
    pixels where ``fine`` has them: at 20 px a patch's sampled centre is a pixel or two."""
    side = float(np.linalg.norm(quad - np.roll(quad, -1, 0), axis=1).max())
    if fine is not None and side < _FINE_CLICKED:
        h, w = rgb.shape[:2]
        lo = np.floor(np.maximum(quad.min(0) - 0.3 * side, 0)).astype(int)
        hi = np.ceil(np.minimum(quad.max(0) + 0.3 * side, (w, h))).astype(int)
        got = fine((int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])))
        if got is not None and got[1] >= _FINE_GAIN and min(got[0].shape[:2]) >= MIN_IMAGE_SIDE:
            crop, f = np.ascontiguousarray(got[0], dtype=np.uint8), got[1]
            det = _clicked(crop, (quad - lo) * f, ct, None)
            if det.corners is None:
                return det
            return dataclasses.replace(det, corners=np.asarray(det.corners, float) / f + lo)
    got, why, _ = _accept(rgb, quad, ct, "manual", _squares(rgb))
    return got if got is not None else _as_clicked(rgb, quad, ct, why)


def _greyscale(rgb: np.ndarray) -> bool:
    """Whether the image holds no colour: every sampled pixel's channels within two codes
    of each other (a black-and-white photo, a greyscale scan). Its patches would only
    disagree with the card, and saying so helps no one."""
    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / 60_000)))
    s = rgb[::step, ::step].astype(np.int16)
    return int(np.abs(s - s[..., 1:2]).max()) <= 2


def _detect_grey(rgb: np.ndarray, ct: CardType, corners: np.ndarray | None) -> CardDetection:
    """A grey card: at the given corners, else the largest uniform low-chroma region."""
    card = "grey"
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
    return CardDetection(True, card, quad, m, clipped, None, method,
                         excluded=())


class _Search:
    """The best verified card candidate so far, and why the last one was refused."""

    def __init__(self, rgb: np.ndarray, ct: CardType):
        self.rgb, self.ct = rgb, ct
        self.best: CardDetection | None = None
        self.reason = say("no-card")
        # refused candidates on which enough patches agreed: (agreeing, method, quad)
        self.near: list[tuple[int, str, np.ndarray]] = []
        self.small_boxes: list[tuple[int, int, int, int]] = []  # the pre-check's, searched

    def consider(self, method: str, quads: list[np.ndarray], squares: np.ndarray) -> bool:
        """Verify each quad; True when a card seen nearly whole ends the search. Once one
        of ``quads`` verifies, the others over the same card are not verified: the lattice
        proposes the windows round a partly seen card a cell apart, and they find that card
        again or nothing."""
        found: list[np.ndarray] = []
        for quad in quads:
            centre = np.asarray(quad, float).mean(0)
            if any(np.linalg.norm(centre - c.mean(0)) < 0.25 * np.linalg.norm(c[0] - c[2])
                   for c in found):
                continue
            got, why, agree = _accept(self.rgb, quad, self.ct, method, squares)
            if got is None:
                self.reason = why
                if agree >= _NEAR_MISS:
                    self.near.append((agree, method, np.asarray(quad, float)))
                continue
            if got.veil is None:  # a veil is the last resort: the other windows still try
                found.append(np.asarray(got.corners, float))
            if self.best is None or _better(got, self.best):
                self.best = got
            if len(got.excluded) <= _GOOD_ENOUGH_EXCLUDED:
                return True
        return False


def _search_small_cards(search: _Search, squares: np.ndarray) -> None:
    """A small card's patches are a few pixels at 1000 px: look again at full size, and
    at small crops twice as large, but only where the pre-check sees the card's many hues
    side by side (a crop costs a fraction of the frame, and a colourful product elsewhere
    costs nothing more).

    Whether a window found in a crop continues into a larger chart is judged on the
    crop's squares and the whole frame's (``squares``, seen at 1000 px): the chart's
    surround may lie outside the crop (a Digital SG's Classic colours fill a crop around
    them, and the lattice finder extends the window past its edge)."""
    from .precheck import card_regions

    rgb, ct = search.rgb, search.ct
    h, w = rgb.shape[:2]
    small_ones = [b for b in card_regions(rgb) if (b[2] - b[0]) * (b[3] - b[1]) <= 0.25 * h * w]
    search.small_boxes = small_ones[:_MAX_REGIONS]
    for x0, y0, x1, y1 in small_ones[:_MAX_REGIONS]:  # a larger card is seen at 1000 px
        crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        if min(crop.shape[:2]) < MIN_IMAGE_SIDE:
            continue
        off = np.array([x0, y0], float)
        # A card of 40-70 px has patches of 5-9 px, at the square finder's limit: the
        # crop is looked at twice as large as well (its patches then 10-18 px), the
        # candidates brought back to the frame's pixels and verified there. A frame of at
        # most 1.3 x MCC_EDGE was seen nearly at full size already: only the larger look.
        seen = max(h, w) <= 1.3 * MCC_EDGE
        ups = (() if seen else (1,)) + ((_UPSCALE,) if max(crop.shape[:2]) <= _UPSCALE_BELOW else ())
        for up in ups:
            quads, in_frame = _crop_candidates(crop, ct, up)
            quads = [q + off for q in quads]
            in_frame[:, :2] += off  # the crop's squares in the frame's pixels
            if search.consider("grid", quads, np.concatenate([in_frame, squares])):
                return
            if search.best is not None:
                break


def _crop_candidates(crop: np.ndarray, ct: CardType, up: float) -> tuple[list[np.ndarray], np.ndarray]:
    """The lattice finder's and MCC's candidate quads in ``crop`` looked at ``up`` times
    as large, and its squares, both in the crop's pixels."""
    import cv2

    view = crop if up == 1 else cv2.resize(crop, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC)
    sq = _quads(view)
    quads = [q / up for q in _grid_candidates(view, ct, sq)]
    if len(sq) >= MCC_MIN_SQUARES_CROP:
        quads += [q / up for q in _mcc_candidates(view, 2 * MCC_EDGE)]
    sq = sq.copy()
    sq[:, :3] /= up
    return quads, sq


def _search_fine(search: _Search, squares: np.ndarray, fine: FineView) -> None:
    """Nothing found in the searched image: look in each of the small boxes at the
    photo's own resolution, where ``fine`` has more of it. A card 80 px across its
    patches in a 24 MP photo is 20 px in the 1500-px decode, too few for any finder: in
    the photo's pixels it is found as a card of 80 px in a small frame is. The crop is
    searched and verified as a frame of its own (with the whole frame's squares, brought
    to its pixels, for the larger-chart check), and the card's corners brought back."""
    ct = search.ct
    for x0, y0, x1, y1 in search.small_boxes:
        if max(x1 - x0, y1 - y0) > _UPSCALE_BELOW:  # a card this box holds was seen
            continue
        got = fine((x0, y0, x1, y1))
        if got is None:
            return
        crop, f = got
        if f < _FINE_GAIN or min(crop.shape[:2]) < MIN_IMAGE_SIDE:
            continue
        crop = np.ascontiguousarray(crop, dtype=np.uint8)
        sub = _Search(crop, ct)
        outside = squares.copy()  # the frame's squares in the crop's pixels
        outside[:, :2] = (outside[:, :2] - (x0, y0)) * f
        outside[:, 2] *= f
        ups = (1,) + ((_UPSCALE,) if max(crop.shape[:2]) <= _UPSCALE_BELOW else ())
        for up in ups:
            quads, in_crop = _crop_candidates(crop, ct, up)
            sub.consider("grid", quads, np.concatenate([in_crop, outside]))
            if sub.best is not None:
                break
        if sub.best is not None:
            corners = np.asarray(sub.best.corners, float) / f + (x0, y0)
            search.best = dataclasses.replace(sub.best, corners=corners)
            return


def _search_evened(search: _Search, squares: np.ndarray) -> None:
    """Last, under a strong cast: the lattices of the squares found in the frame with its
    cast evened out as well (:func:`_cast_gains`). Under a green fluorescent or a sensor
    without white balance the card's dark patches fade into its black frame in lightness
    and in saturation alike, and with a hand over a few patches too few squares are left
    for a lattice. Last, so that a card found without it is found as before."""
    gains = _cast_gains(search.rgb)
    if gains is None:
        return
    more = _distinct(np.concatenate([squares, _squares(search.rgb, gains)]))
    if len(more) > len(squares):
        search.consider("grid", _grid_candidates(search.rgb, search.ct, more), more)


def _search_shifted(search: _Search, squares: np.ndarray) -> None:
    """Nothing verified, but some candidates came close: move each of the closest two by
    one cell along each axis, read either way round, and verify again. A hand or a glare
    over a column of patches breaks the lattice there and throws MCC off: the window the
    lattice proposes, or MCC's box, then sits a column off the card, and a handful of its
    patches (those on the card) still agree."""
    near = sorted(search.near, key=lambda n: -n[0])[:_NEAR_MISS_TRIED]
    reason = search.reason
    for _, method, quad in near:
        if search.consider(method, _shifted(quad, search.ct), squares):
            return
    if search.best is None:  # a shifted window's refusal ("24 patches clipped") says less
        search.reason = reason


def _shifted(quad: np.ndarray, card: CardType) -> list[np.ndarray]:
    """``quad``'s grid moved by one cell along each of its axes, for the grid read as
    cols x rows and as rows x cols (8 quads)."""
    out = []
    for cols, rows in ((card.cols, card.rows), (card.rows, card.cols)):
        H = _homography(_lattice_window(card, cols, rows), quad)
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            out.append(_project(H, _lattice_window(card, cols, rows, dx, dy)))
    return out


def _better(d: CardDetection, best: CardDetection) -> bool:
    """Whether candidate ``d`` beats the best so far: fewer patches left out, or as many
    and a verification fit clearly closer (by _RANK_MARGIN). Two windows over the same card
    a third of a pitch apart (a lattice's and MCC's box) often sample alike; which fit is
    closer then hangs on the third decimal, and the winner changed with the light."""
    fd = d.fit_de if d.fit_de is not None else np.inf
    fb = best.fit_de if best.fit_de is not None else np.inf
    if len(d.excluded) != len(best.excluded):
        return len(d.excluded) < len(best.excluded)
    return bool(fd < fb - _RANK_MARGIN)
