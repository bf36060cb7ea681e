"""The white-background image (白底图): the product separated from a studio backdrop
and placed on pure white.

Classical, in three steps (see ``docs/white-background.md``):

1. **Backdrop model.** A studio sweep is smooth: its colour across the frame is a
   low-order surface (light fall-off, the curve from wall to floor). A quadratic per
   CIELAB channel is fitted robustly to a band along the frame's border. What the band
   says about the backdrop decides whether to go on: a busy background (the smooth
   surface leaves large residuals) or a product crossing the border is refused.
2. **Segmentation.** Every pixel's distance from the backdrop model, in lightness and
   chroma apart: a contact shadow darkens the backdrop without changing its hue, so
   darkening alone counts for less. The distances seed OpenCV's GrabCut (sure backdrop
   on the border band, sure product where the colour differs strongly, "probably" in
   between), which settles the ambiguous pixels by colour models and edges.
3. **Matte.** At the output's scale only, the hard mask becomes an alpha matte with a
   guided filter (the image as the guide), confined to a thin band around the mask's
   edge; edge colours are freed of the backdrop's colour ("decontaminated") before
   compositing, so no halo of the backdrop remains. Everything outside the band is
   exactly backdrop (alpha 0): the white there is exactly (255, 255, 255).

When the separation is not trustworthy the image is refused with a reason code
(:data:`REFUSALS`), never written half-right. ``keep``/``remove`` masks (a designer's
brush strokes) force pixels to product or backdrop.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..colour.delta_e import linear_to_srgb, srgb8_to_linear
from ..errors import ImgprepError
from ..messages import Reason

__all__ = ["REFUSALS", "Cutout", "CutoutRefused", "cut_out", "matte", "white_background"]

WORK_SIDE = 640          # long side of the segmentation's working image
BAND = 0.04              # border band (fraction of the short side) that samples the backdrop
BUSY_SIGMA = 4.5         # ΔE: backdrop residual (robust σ) above which the background is busy
BUSY_OUTLIERS = 0.25     # share of the band off the smooth model: busy (or a product in it)
EDGE_RUN = 0.03          # an off-model run along a side longer than this: product at the edge
MIN_AREA, MAX_AREA = 0.01, 0.85  # product area as a share of the frame
MAX_ENLARGE = 2.0        # a small product is enlarged at most this much to fill the canvas
ALPHA_FLOOR = 0.08       # matte values nearer 0 or 1 than this are 0 or 1
MIN_CONTRAST = 6.0       # ΔE: median contrast of the product's outline against the backdrop

REFUSALS = ("cutout-busy", "cutout-edge", "cutout-no-product", "cutout-too-big", "cutout-low-contrast")


class CutoutRefused(ImgprepError):
    """The product cannot be separated reliably; ``code`` is one of :data:`REFUSALS`."""

    def __init__(self, code: str, **fields: object):
        self.code = code
        self.fields = fields
        self.why = Reason.of(code, **fields)
        super().__init__(str(self.why))

    def __reduce__(self):  # picklable across worker processes
        return (_refused, (self.code, self.fields))


def _refused(code: str, fields: dict[str, object]) -> CutoutRefused:
    return CutoutRefused(code, **fields)


@dataclass(frozen=True)
class Cutout:
    """The segmentation of one frame: ``mask`` (h, w) bool at the working scale
    ``scale`` (working px per source px); ``coef`` (6, 3) the backdrop's quadratic in
    CIELAB over coordinates normalised to the frame; ``box`` the product's bounding box
    in source px (x0, y0, x1, y1); ``noise`` the backdrop's robust σ (ΔE)."""

    mask: np.ndarray
    scale: float
    coef: np.ndarray
    box: tuple[int, int, int, int]
    noise: float
    source_size: tuple[int, int]  # (w, h)
    removed: np.ndarray | None = None  # (h, w) bool at the working scale: brushed out


# --------------------------------------------------------------------------- backdrop
def _lab(rgb8: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb8.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _basis(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Quadratic terms of normalised coordinates (x, y in 0..1)."""
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)


def _grid(w: int, h: int, x0: float = 0, y0: float = 0, sx: float = 1, sy: float = 1,
          full: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Normalised coordinates of a (h, w) pixel grid that starts at source px (x0, y0)
    with steps (sx, sy) in a source frame of size ``full``."""
    fw, fh = full or (w, h)
    xs = (x0 + (np.arange(w) + 0.5) * sx) / fw
    ys = (y0 + (np.arange(h) + 0.5) * sy) / fh
    return np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))


def _backdrop_at(coef: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (_basis(x, y) @ coef).astype(np.float32)


def _fit_backdrop(lab: np.ndarray, band: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Robust quadratic fit over the band: (coef, σ, off-model mask over the frame's band)."""
    h, w = band.shape
    x, y = _grid(w, h)
    A = _basis(x[band], y[band]).astype(np.float64)
    Y = lab[band].astype(np.float64)
    use = np.ones(len(A), bool)
    coef = np.zeros((6, 3))
    sigma = 1.0
    for _ in range(4):
        coef, *_ = np.linalg.lstsq(A[use], Y[use], rcond=None)
        res = np.linalg.norm(Y - A @ coef, axis=1)
        sigma = max(0.5, 1.4826 * float(np.median(res[use])))
        use = res < max(3.0, 3.5 * sigma)
    off = np.zeros((h, w), bool)
    off[band] = res > max(6.0, 5 * sigma)
    return coef, sigma, off


def _edge_run(off: np.ndarray) -> float:
    """Longest run of off-model pixels along the outermost line of any side, as a share
    of that side."""
    best = 0.0
    for line in (off[0], off[-1], off[:, 0], off[:, -1]):
        run = longest = 0
        for v in line:
            run = run + 1 if v else 0
            longest = max(longest, run)
        best = max(best, longest / len(line))
    return best


# --------------------------------------------------------------------------- segmentation
def _distances(lab: np.ndarray, back: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = lab - back
    return d[..., 0], np.hypot(d[..., 1], d[..., 2])


def cut_out(rgb: np.ndarray, keep: np.ndarray | None = None,
            remove: np.ndarray | None = None) -> Cutout:
    """Segment the product in an sRGB uint8 frame (H, W, 3) shot on a studio backdrop.

    ``keep``/``remove``: optional (H, W) bool masks (brush strokes) forced to product or
    backdrop. Raises :class:`CutoutRefused` when the result would not be trustworthy.
    """
    H, W = rgb.shape[:2]
    s = min(1.0, WORK_SIDE / max(H, W))
    w, h = max(8, round(W * s)), max(8, round(H * s))
    small = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA) if s < 1 else rgb.copy()
    lab = _lab(small)
    b = max(3, round(BAND * min(w, h)))
    band = np.zeros((h, w), bool)
    band[:b], band[-b:], band[:, :b], band[:, -b:] = True, True, True, True
    forced_bg = forced_fg = None
    if remove is not None:
        forced_bg = cv2.resize(remove.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    if keep is not None:
        forced_fg = cv2.resize(keep.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
        band &= ~forced_fg
    coef, sigma, off = _fit_backdrop(lab, band)
    if sigma > BUSY_SIGMA:
        raise CutoutRefused("cutout-busy", noise=f"{sigma:.1f}")
    if keep is None and _edge_run(off) > EDGE_RUN:  # the product (or something) crosses the frame's edge
        raise CutoutRefused("cutout-edge")
    if off[band].mean() > BUSY_OUTLIERS:
        raise CutoutRefused("cutout-busy", noise=f"{sigma:.1f}")

    x, y = _grid(w, h)
    dL, dC = _distances(lab, _backdrop_at(coef, x, y))
    gc = _seeds(dL, dC, sigma, band & ~off, forced_bg, forced_fg)
    if not np.any(gc == cv2.GC_FGD):
        raise CutoutRefused("cutout-no-product")
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(small, gc, None, bgd, fgd, 4, cv2.GC_INIT_WITH_MASK)
    mask = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    mask = _tidy(mask, forced_fg)
    area = mask.mean()
    if area < MIN_AREA:
        raise CutoutRefused("cutout-no-product")
    if area > MAX_AREA:
        raise CutoutRefused("cutout-too-big")
    contrast = _edge_contrast(mask, dL, dC)
    if contrast < max(MIN_CONTRAST, 2 * sigma):
        raise CutoutRefused("cutout-low-contrast", contrast=f"{contrast:.1f}")
    ys, xs = np.nonzero(mask)
    box = (int(xs.min() / s), int(ys.min() / s),
           min(W, int(np.ceil((xs.max() + 1) / s))), min(H, int(np.ceil((ys.max() + 1) / s))))
    return Cutout(mask, s, coef, box, sigma, (W, H), forced_bg)


def _seeds(dL: np.ndarray, dC: np.ndarray, sigma: float, backdrop: np.ndarray,
           forced_bg: np.ndarray | None, forced_fg: np.ndarray | None) -> np.ndarray:
    """GrabCut's starting labels: sure product where the colour is far from the backdrop,
    probable backdrop where it is near, sure backdrop on the clean border band and the
    brush strokes."""
    lo, hi = max(4.0, 3 * sigma), max(12.0, 6 * sigma)
    strong = (dC > hi) | (dL > hi) | (dL < -45.0)
    weak = (dC < lo) & (dL < lo) & (dL > -15.0)
    strong = cv2.morphologyEx(strong.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
    gc = np.full(dL.shape, cv2.GC_PR_FGD, np.uint8)
    gc[weak] = cv2.GC_PR_BGD
    gc[strong] = cv2.GC_FGD
    gc[backdrop] = cv2.GC_BGD
    if forced_bg is not None:
        gc[forced_bg] = cv2.GC_BGD
    if forced_fg is not None:
        gc[forced_fg] = cv2.GC_FGD
    return gc


def _edge_contrast(mask: np.ndarray, dL: np.ndarray, dC: np.ndarray) -> float:
    """How far from the backdrop the product is just inside its outline: its own pixels a
    few pixels in (the outline itself may hold a pixel of backdrop: judging there would
    call a clear edge a faint one)."""
    m8 = mask.astype(np.uint8)
    ring = (cv2.erode(m8, np.ones((5, 5), np.uint8)) > 0) & ~(cv2.erode(m8, np.ones((13, 13), np.uint8)) > 0)
    if not ring.any():
        ring = mask
    return float(np.median(np.hypot(np.minimum(np.abs(dL[ring]), 45.0) * 0.5, dC[ring])))


def _tidy(mask: np.ndarray, forced_fg: np.ndarray | None) -> np.ndarray:
    """Keep the product's parts (components of at least 2 % of the largest, or touched
    by a keep stroke) and fill small holes (specular highlights the backdrop's colour);
    holes of more than 2 % of the product stay (a mug's handle)."""
    n, lbl, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= 0.02 * areas.max()) + 1
    out = np.isin(lbl, keep)
    if forced_fg is not None:
        out |= np.isin(lbl, np.unique(lbl[forced_fg & (lbl > 0)]))
    holes = ~out
    n, lbl, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8), connectivity=4)
    h, w = mask.shape
    total = out.sum()
    for i in range(1, n):
        x, y, bw, bh, a = stats[i]
        touches = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches and a < 0.02 * total:
            out[lbl == i] = True
    return out


# --------------------------------------------------------------------------- matte
def matte(rgb: np.ndarray, cut: Cutout, crop: tuple[int, int, int, int] | None = None,
          scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Alpha (h, w) float32 and decontaminated product colours (h, w, 3) linear float32
    of the source region ``crop`` (x0, y0, x1, y1; default the whole frame) resized by
    ``scale``. Alpha is exactly 0 beyond a band of a few px around the mask's edge."""
    W, H = cut.source_size
    x0, y0, x1, y1 = crop or (0, 0, W, H)
    ow, oh = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    region = rgb[y0:y1, x0:x1]
    if (ow, oh) != (x1 - x0, y1 - y0):
        region = cv2.resize(region, (ow, oh),
                            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    # the working mask, mapped onto this region's pixels
    mw = cut.mask.shape[1] / W
    M = np.array([[mw * (x1 - x0) / ow, 0, mw * x0], [0, mw * (y1 - y0) / oh, mw * y0]], np.float32)
    map_x, map_y = np.meshgrid(np.arange(ow, dtype=np.float32) + 0.5, np.arange(oh, dtype=np.float32) + 0.5)
    mx = M[0, 0] * map_x + M[0, 2] - 0.5
    my = M[1, 1] * map_y + M[1, 2] - 0.5
    hard = cv2.remap(cut.mask.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderValue=0.0)
    removed = None
    if cut.removed is not None:
        removed = cv2.remap(cut.removed.astype(np.float32), mx, my, cv2.INTER_LINEAR)
    px = max(1.0, 1.0 / (mw * (x1 - x0) / ow))  # output px per working px
    r = max(2, int(np.ceil(1.5 * px)))
    k = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
    solid = (hard > 0.5).astype(np.uint8)
    inside = cv2.erode(solid, k) > 0
    outside = cv2.dilate(solid, k) == 0
    band = ~inside & ~outside
    # known-background matting in the band: the pixel is a mix a·F + (1 - a)·B of the
    # product's colour F and the backdrop's B nearby (both spread into the band from
    # the pixels known to be product or backdrop), so a is I - B projected on F - B
    lin = srgb8_to_linear(region).astype(np.float32)
    F = _spread(lin, inside, r)
    B = _spread(lin, outside, r, fallback=_backdrop_linear(cut, x0, y0, x1, y1, ow, oh))
    d = F - B
    dd = np.sum(d * d, axis=-1)
    a_mix = np.sum((lin - B) * d, axis=-1) / np.maximum(dd, 1e-6)
    alpha = np.where(inside, 1.0, 0.0).astype(np.float32)
    alpha[band] = np.where(dd[band] > 4e-4, np.clip(a_mix[band], 0.0, 1.0), hard[band])
    # below this, what the projection finds is the backdrop's own unevenness (a shadow's
    # gradient, resampling's ringing), not product: exactly backdrop, so exactly white
    alpha[alpha < ALPHA_FLOOR] = 0.0
    alpha[alpha > 1.0 - ALPHA_FLOOR] = 1.0
    if removed is not None:  # a brushed-out part is backdrop whatever its colour says
        alpha *= 1.0 - removed  # (feathered by the upsampling: no staircase along the stroke)
        alpha[alpha < ALPHA_FLOOR] = 0.0
    fg = np.where(band[..., None], F, lin)
    return alpha.astype(np.float32), np.clip(fg, 0.0, 1.0).astype(np.float32)


def _spread(lin: np.ndarray, known: np.ndarray, r: int,
            fallback: np.ndarray | None = None) -> np.ndarray:
    """The colours of the ``known`` pixels carried into their neighbourhood (normalised
    convolution: a local mean of the known pixels only)."""
    k = known.astype(np.float32)
    sigma = float(r)
    num = cv2.GaussianBlur(lin * k[..., None], (0, 0), sigma)
    den = cv2.GaussianBlur(k, (0, 0), sigma)[..., None]
    out = num / np.maximum(den, 1e-6)
    weak = den < 1e-3
    if np.any(weak):
        num = cv2.GaussianBlur(lin * k[..., None], (0, 0), 4 * sigma)
        den4 = cv2.GaussianBlur(k, (0, 0), 4 * sigma)[..., None]
        far = num / np.maximum(den4, 1e-6)
        if fallback is not None:
            far = np.where(den4 < 1e-3, fallback, far)
        out = np.where(weak, far, out)
    return out.astype(np.float32)


def _backdrop_linear(cut: Cutout, x0: int, y0: int, x1: int, y1: int, ow: int, oh: int) -> np.ndarray:
    """The backdrop model over a region, linear RGB."""
    W, H = cut.source_size
    gx, gy = _grid(ow, oh, x0, y0, (x1 - x0) / ow, (y1 - y0) / oh, (W, H))
    rgb = cv2.cvtColor(_backdrop_at(cut.coef, gx, gy), cv2.COLOR_Lab2RGB)
    return srgb8_to_linear(np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)).astype(np.float32)


def composite_white(alpha: np.ndarray, fg: np.ndarray) -> np.ndarray:
    """The matte over pure white, sRGB uint8; alpha 0 is exactly 255."""
    a = alpha[..., None]
    out = linear_to_srgb(a * fg + (1.0 - a))
    out = np.clip(np.round(out * 255), 0, 255).astype(np.uint8)
    out[alpha <= 0] = 255
    return out


def white_background(rgb: np.ndarray, cut: Cutout, size: tuple[int, int] = (800, 800),
                     fill: float = 0.85) -> tuple[np.ndarray, np.ndarray]:
    """The product centred on pure white in a canvas of ``size`` (w, h), its longer
    side filling ``fill`` of the canvas's (a small product is enlarged at most
    ``MAX_ENLARGE`` times, then stays smaller).
    Returns the canvas (sRGB uint8) and the 2×3 affine map from source px to canvas px."""
    cw, ch = size
    x0, y0, x1, y1 = cut.box
    bw, bh = x1 - x0, y1 - y0
    scale = min(fill * cw / bw, fill * ch / bh, MAX_ENLARGE)
    # a margin of source px so the matte's band has room on every side
    m = int(np.ceil(8 / scale))
    W, H = cut.source_size
    crop = (max(0, x0 - m), max(0, y0 - m), min(W, x1 + m), min(H, y1 + m))
    alpha, fg = matte(rgb, cut, crop, scale)
    tile = composite_white(alpha, fg)
    canvas = np.full((ch, cw, 3), 255, np.uint8)
    # centre the product's box, not the crop
    px = round(cw / 2 - ((x0 + x1) / 2 - crop[0]) * scale)
    py = round(ch / 2 - ((y0 + y1) / 2 - crop[1]) * scale)
    th, tw = tile.shape[:2]
    sx0, sy0 = max(0, -px), max(0, -py)
    dx0, dy0 = max(0, px), max(0, py)
    w_ = min(tw - sx0, cw - dx0)
    h_ = min(th - sy0, ch - dy0)
    canvas[dy0:dy0 + h_, dx0:dx0 + w_] = tile[sy0:sy0 + h_, sx0:sx0 + w_]
    to_canvas = np.array([[scale, 0, px - crop[0] * scale], [0, scale, py - crop[1] * scale]])
    return canvas, to_canvas
