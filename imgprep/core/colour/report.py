"""Colour-deviation report: the JSON document (docs/cli.md) and its HTML / CSV / PNG
renderings. Library code returns bytes; the engine writes files through its own helper.

ΔE is CIEDE2000 in Lab relative to D50 (see :mod:`.delta_e`). "after" values are the fit
applied to the measured patches (in-sample); the leave-one-out figures, when given, are
the honest out-of-sample estimate.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from .delta_e import delta_e_2000, held_in_srgb, lab_to_linear, linear_to_lab, linear_to_srgb
from .detect import MIN_NEUTRAL, CardDetection, colour_shortfall
from .models import ColourFit
from .reference import CardType, get_card

__all__ = ["DEFAULT_THRESHOLDS", "blend_shares", "evaluate", "render_report", "verdict_basis"]

DEFAULT_THRESHOLDS = {"mean": 3.0, "max": 6.0}
# neutral-row consistency for the uneven-lighting warning
_UNEVEN_LOG_RESIDUAL = 0.06  # ~6 % luminance disagreement with a smooth tone curve
_UNEVEN_CHROMA = 3.0  # a*b* distance of a corrected neutral patch from its reference


def verdict_basis(doc: dict[str, Any]) -> dict[str, float] | None:
    """The figures (mean, median, p90, max) a report's verdict is judged on: its
    leave-one-out ΔE2000, or for a card without one (a grey card) the in-sample "after";
    None for a report without figures."""
    return doc.get("loo") or (doc.get("summary") or {}).get("after")


def _stats(de: np.ndarray) -> dict[str, float]:
    if de.size == 0:
        return {
            "mean": float("nan"),
            "median": float("nan"),
            "p90": float("nan"),
            "max": float("nan"),
        }
    return {
        "mean": round(float(np.mean(de)), 2),
        "median": round(float(np.median(de)), 2),
        "p90": round(float(np.percentile(de, 90)), 2),
        "max": round(float(np.max(de)), 2),
    }


def _r(v: np.ndarray, nd: int = 2) -> list[float]:
    return [round(float(x), nd) for x in v]


def reference_for(detection: CardDetection, card: CardType) -> np.ndarray:
    """Reference linear sRGB for the detection: the card's values, or for a grey card a
    neutral at the measured luminance."""
    if card.name == "grey" and detection.patches is not None:
        Y = detection.patches @ np.array([0.2126, 0.7152, 0.0722])
        # D50 neutral expressed in linear sRGB, scaled to the measured luminance
        return (
            np.asarray(lab_to_linear(np.array([[50.0, 0.0, 0.0]])))
            / 0.18418651851244416
            * Y[:, None]
        )
    return np.asarray(card.reference_linear)


# Warnings in both languages of the UI: (English, 简体中文).
UNEVEN_BRIGHTNESS = ("neutral patches disagree in brightness: uneven lighting on the card?",
                     "中性灰色块亮度不一致：色卡上的光照不均匀？")
NOT_NEUTRAL = ("corrected neutral patches are not neutral: mixed light on the card?",
               "校正后的中性灰色块仍有色偏：色卡上有混合光源？")


# a patch weighing less than this in the fit (docs/colour-detection.md "Patch weights") is
# named in the warnings; the weight of every patch is in the patch table
_LIGHT_WEIGHT = 0.5


# the light across the card is named in the warnings from this many per cent on
_LIGHT_SAID = 5.0


def _light_across(light: np.ndarray | None, card: CardType) -> dict[str, float] | None:
    """The light evened out of the card, in per cent: from its top row to its grey row
    (``rows``) and from the white patch's side to the black's (``cols``); None without."""
    if light is None or not np.any(light) or card.rows < 2:
        return None
    return {"rows": 100.0 * float(np.expm1(light[1] * (card.rows - 1))),
            "cols": 100.0 * float(np.expm1(light[0] * (card.cols - 1)))}


def _excluded(detection: CardDetection, card: CardType, partial: np.ndarray) -> list[dict[str, Any]]:
    """Each patch left out of the fit, named, with its reason in both languages; one
    the fit took by two channels (``partial``) says so."""
    from ..messages import MESSAGES

    codes = dict(detection.excluded)
    clipped = detection.clipped if detection.clipped is not None else ()
    for i in np.flatnonzero(clipped):
        codes.setdefault(int(i), "clipped")
    out = []
    for i in sorted(codes):
        en, zh = MESSAGES["patch-gamut-partial" if partial[i] else f"patch-{codes[i]}"]
        out.append({"index": i + 1, "name": card.names[i], "name_zh": card.names_zh[i],
                    "code": codes[i], "reason": en, "reason_zh": zh, "partial": bool(partial[i])})
    return out


def _patch_list(code: str, en_items: list[str], zh_items: list[str]) -> tuple[str, str]:
    """The catalogue's message ``code`` naming some patches, in both languages."""
    from ..messages import MESSAGES

    en, zh = MESSAGES[code]
    return en.format(n=len(en_items), which=", ".join(en_items)), zh.format(n=len(zh_items), which="，".join(zh_items))


def _excluded_warning(excluded: list[dict[str, Any]]) -> tuple[str, str]:
    return _patch_list("patches-excluded", [f"{x['index']} {x['name']} ({x['code']})" for x in excluded],
                       [f"{x['index']} {x['name_zh']}（{x['reason_zh']}）" for x in excluded])


def _uneven(
    measured: np.ndarray, ref_lin: np.ndarray, after_lab: np.ndarray, ok: np.ndarray, card: CardType
) -> list[tuple[str, str]]:
    idx = [i for i in card.neutral[:-1] if ok[i]]  # black is noise-dominated
    if len(idx) < 3:
        return []
    out = []
    Ym = measured[idx] @ np.array([0.2126, 0.7152, 0.0722])
    Yr = ref_lin[idx] @ np.array([0.2126, 0.7152, 0.0722])
    lx, ly = np.log(np.maximum(Yr, 1e-4)), np.log(np.maximum(Ym, 1e-4))
    A = np.stack([np.ones_like(lx), lx], 1)
    res = ly - A @ np.linalg.lstsq(A, ly, rcond=None)[0]
    if np.max(np.abs(res)) > _UNEVEN_LOG_RESIDUAL:
        out.append(UNEVEN_BRIGHTNESS)
    ref_lab = linear_to_lab(ref_lin[idx])
    C = np.hypot(after_lab[idx, 1] - ref_lab[:, 1], after_lab[idx, 2] - ref_lab[:, 2])
    if np.max(C) > _UNEVEN_CHROMA:
        out.append(NOT_NEUTRAL)
    return out


def evaluate(
    detection: CardDetection,
    fit: ColourFit | None,
    card: str | CardType | None = None,
    file: str | None = None,
    thresholds: dict[str, float] | None = None,
    loo: dict[str, dict[str, float]] | None = None,
    loo_patches: np.ndarray | None = None,
    partial: np.ndarray | None = None,
    light: np.ndarray | None = None,
) -> dict[str, Any]:
    """Build the colour report document (docs/cli.md) plus extra keys.

    Extra keys: ``clipped`` (1-based indices left out of the fit and the summary),
    ``worst5``, ``warnings``, ``uneven_lighting``, ``thresholds``, ``reference_source``,
    ``loo_de2000`` (per-model leave-one-out ΔE, when given), ``method``, ``excluded``
    (each patch left out, named, with its reason), ``loo`` (mean, median, p90, max of the
    leave-one-patch-out ΔE2000 of the fitted model: the expected accuracy on colours not on
    the card) and ``pass_basis``.

    The verdict uses the leave-one-out figures: in-sample "after" values flatter every
    model. ``loo_patches`` (N,) gives them when the caller has them (NaN where a patch
    is left out); otherwise they are computed here. ``partial`` (N,) bool: the patches
    left out with a channel at 0 that the fit took by their other two channels
    (``models.fit``); they stay out of the summary, and are named as such. A grey card has one patch and no
    leave-one-out: its verdict is in-sample. ``light`` (bx, by): the light across the card
    that was evened out of its patches (:mod:`.light`), reported as ``light`` (per cent
    from the top row to the grey row, and from the white patch's side to the black's) and
    named in the warnings where it reaches _LIGHT_SAID.
    """
    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    ct = card if isinstance(card, CardType) else get_card(card or detection.type)
    doc: dict[str, Any] = {"file": file, "card": detection.to_dict()}
    if not detection.found or detection.patches is None or fit is None:
        if detection.found and fit is None:
            doc["card"]["reason"] = doc["card"]["reason"] or "no correction fitted"
        return doc
    partial = np.zeros(len(detection.patches), bool) if partial is None else np.asarray(partial, bool)
    m = _measure(detection, fit, ct, loo_patches, partial)
    ok, de_a, de_loo = ~m.clipped, m.de_after, m.de_loo
    after = _stats(de_a[ok])
    loo_ok = de_loo[ok & np.isfinite(de_loo)]
    basis = _stats(loo_ok) if loo_ok.size else after
    passed = bool(ok.any() and basis["mean"] <= th["mean"] and basis["max"] <= th["max"])
    order = [i for i in np.argsort(-de_a) if ok[i]][:5]
    excluded = _excluded(detection, ct, partial)
    warnings, uneven = _warnings(detection, ct, m, excluded, partial, fit)
    across = _light_across(light, ct)
    if across is not None and max(abs(v) for v in across.values()) >= _LIGHT_SAID:
        from ..messages import MESSAGES

        en, zh = MESSAGES["light-across-card"]
        args = {k: f"{v:+.0f}" if round(v) else "0" for k, v in across.items()}
        warnings.append((en.format(**args), zh.format(**args)))
    doc.update({
        "model": fit.model,
        "patches": [_patch_row(ct, m, i) for i in range(len(m.measured))],
        "summary": {"before": _stats(m.de_before[ok]), "after": after, "pass": passed},
        "clipped": [int(i) + 1 for i in np.flatnonzero(m.clipped)],
        "excluded": excluded,
        "partial": [int(i) + 1 for i in np.flatnonzero(partial)],
        "loo": _stats(loo_ok) if loo_ok.size else None,
        "pass_basis": "leave-one-out" if loo_ok.size else "in-sample",
        "worst5": [{"index": int(i) + 1, "name": ct.names[i], "name_zh": ct.names_zh[i],
                    "de2000_after": round(float(de_a[i]), 2)} for i in order],
        "uneven_lighting": uneven,
        "warnings": [en for en, _ in warnings],
        "warnings_zh": [zh for _, zh in warnings],
        "thresholds": th,
        "reference_source": ct.source,
        "method": detection.method,
    })
    if across is not None:
        doc["light"] = {k: round(v, 1) + 0.0 for k, v in across.items()}
    if detection.shadow is not None:  # the light on the patches left out as "shadow", in stops
        doc["shadow"] = {"stops": round(float(np.log2(detection.shadow)), 2),
                         "patches": [i + 1 for i, c in detection.excluded if c == "shadow"]}
    if detection.veil is not None:  # the offset taken out of the patches (linear), and its share of the white
        doc["veil"] = {"offset": [round(float(v), 5) for v in detection.veil],
                       "share_of_white": round(_veil_share(detection, ct), 3)}
    if fit.parts:  # a blend: its parts' shares (docs/colour-detection.md "Models")
        doc["blend"] = {f.model: round(w, 2) for w, f in fit.parts}
    if loo:
        doc["loo_de2000"] = {k: {kk: round(vv, 2) for kk, vv in v.items()} for k, v in loo.items()}
    return doc


@dataclass(frozen=True)
class _Measured:
    """A card's patches (linear RGB) with their reference, Lab before and after the fit,
    ΔE2000 before, after and left out of the fit (NaN where not known), and each patch's
    weight in the fit (0 where left out, below 1 near a limit)."""

    measured: np.ndarray
    clipped: np.ndarray
    ref_lin: np.ndarray
    ref_lab: np.ndarray
    before_lab: np.ndarray
    after_lab: np.ndarray
    de_before: np.ndarray
    de_after: np.ndarray
    de_loo: np.ndarray
    weight: np.ndarray
    de_outside: np.ndarray  # each reference's ΔE2000 from what an sRGB file holds of it


def _measure(detection: CardDetection, fit: ColourFit, ct: CardType, loo_patches: np.ndarray | None,
             partial: np.ndarray) -> _Measured:
    measured = np.asarray(detection.patches, float)
    clipped = np.asarray(
        detection.clipped if detection.clipped is not None else np.zeros(len(measured), bool)
    )
    ok = ~clipped
    ref_lin = reference_for(detection, ct)
    ref_lab = linear_to_lab(ref_lin) if ct.name == "grey" else np.asarray(ct.reference_lab)
    before_lab = linear_to_lab(measured)
    after_lab = linear_to_lab(fit.apply_linear(measured))
    # measured against what a perfect correction writes: cyan's red is below 0 in sRGB,
    # and no correction into an sRGB file comes nearer it than 3.46
    held_lab = linear_to_lab(held_in_srgb(ref_lin))
    de_b = delta_e_2000(before_lab, held_lab)
    de_a = delta_e_2000(after_lab, held_lab)
    if loo_patches is None and ct.name != "grey" and ok.sum() > 1:
        from .models import leave_one_out

        loo_patches = leave_one_out(measured, ref_lin, fit.model, mask=ok, neutral=ct.neutral,
                                    weights=detection.weights, partial=partial if partial.any() else None)
    de_loo = (np.asarray(loo_patches, float) if loo_patches is not None
              else np.full(len(measured), np.nan))
    weight = (np.asarray(detection.weights, float) if detection.weights is not None
              else (~clipped).astype(float))
    weight = np.where(partial, 1.0, weight)  # in the fit by two channels, at full weight
    return _Measured(measured, clipped, ref_lin, ref_lab, before_lab, after_lab, de_b, de_a, de_loo, weight,
                     delta_e_2000(held_lab, ref_lab))


def _patch_row(ct: CardType, m: _Measured, i: int) -> dict[str, Any]:
    """Patch ``i`` of the report: its names, Lab values and ΔE2000 before, after and
    left out of the fit."""
    return {
        "index": i + 1,
        "name": ct.names[i],
        "name_zh": ct.names_zh[i],
        "reference_lab": _r(m.ref_lab[i]),
        "before_lab": _r(m.before_lab[i]),
        "after_lab": _r(m.after_lab[i]),
        "de2000_before": round(float(m.de_before[i]), 2),
        "de2000_after": round(float(m.de_after[i]), 2),
        "de2000_loo": round(float(m.de_loo[i]), 2) if np.isfinite(m.de_loo[i]) else None,
        "clipped": bool(m.clipped[i]),
        "fit_weight": round(float(m.weight[i]), 2),
        "de2000_outside_srgb": round(float(m.de_outside[i]), 2),
    }


def _veil_share(detection: CardDetection, ct: CardType) -> float:
    """A veil's offset (its largest channel) over the card's brightest grey as measured,
    the veil included (the detection's patches are the card's without it)."""
    veil = np.asarray(detection.veil, float)
    white = float(np.max(np.asarray(detection.patches, float)[list(ct.neutral)])) + float(veil.max())
    return float(veil.max()) / max(white, 1e-6)


def _warnings(detection: CardDetection, ct: CardType, m: _Measured, excluded: list,
              partial: np.ndarray, fit: ColourFit) -> tuple[list, bool]:
    """The report's warnings as (en, zh) pairs, and whether the lighting is uneven: uneven
    lighting, patches left out, patches that count for less than half in the fit, too few
    patches for more than white balance, a colour correction without three greys, corners
    the detector did not confirm (first)."""
    from ..messages import MESSAGES

    ok = ~m.clipped
    warnings = _uneven(m.measured, m.ref_lin, m.after_lab, ok, ct) if ct.name != "grey" else []
    uneven = bool(warnings)
    if detection.shadow is not None:  # first: it explains the patches left out below
        stops = f"{abs(np.log2(detection.shadow)):.1f}"
        en, zh = MESSAGES["card-in-shadow" if detection.shadow < 1 else "card-in-shadow-dark"]
        warnings.insert(0, (en.format(stops=stops), zh.format(stops=stops)))
    if detection.veil is not None:
        pct = f"{100 * _veil_share(detection, ct):.0f}"
        en, zh = MESSAGES["card-veiled"]
        warnings.insert(0, (en.format(pct=pct), zh.format(pct=pct)))
    out = [x for x in excluded if not x["partial"]]
    if out:
        warnings.append(_excluded_warning(out))
    if partial.any():
        i = np.flatnonzero(partial)
        warnings.append(_patch_list("patches-partial", [f"{k + 1} {ct.names[k]}" for k in i],
                                    [f"{k + 1} {ct.names_zh[k]}" for k in i]))
    # patches close to a limit that hardly count (a white near clipping: expose a little less)
    light = [i for i in range(len(m.weight)) if 0 < m.weight[i] < _LIGHT_WEIGHT]
    if light:
        warnings.append(_patch_list("patches-weighed-less", [f"{i + 1} {ct.names[i]} ({m.weight[i]:.2f})" for i in light],
                                    [f"{i + 1} {ct.names_zh[i]}（{m.weight[i]:.2f}）" for i in light]))
    # the patches the fit took by two channels count as they count in the fit
    short = colour_shortfall(ct, ok | partial, m.weight) if ct.name != "grey" else None
    if short:
        warnings.append(MESSAGES[short])
    elif (ct.name != "grey" and fit.model != "white-balance"
          and sum(1 for i in ct.neutral if ok[i] or partial[i]) < MIN_NEUTRAL):
        warnings.append(MESSAGES["card-few-greys"])
    if detection.method == "manual-unverified":
        warnings.insert(0, MESSAGES["card-unverified"])
    return warnings, uneven


# --------------------------------------------------------------------------- rendering
def _hex(lab: list[float]) -> str:
    rgb = np.clip(
        np.round(linear_to_srgb(np.clip(lab_to_linear(np.asarray(lab)), 0, 1)) * 255), 0, 255
    )
    return "#{:02x}{:02x}{:02x}".format(*rgb.astype(int))


def _csv(doc: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        ["序号 index", "色块 patch", "名称 name", "参考 L", "参考 a", "参考 b", "校正前 L", "校正前 a", "校正前 b",
         "校正后 L", "校正后 a", "校正后 b", "ΔE00 校正前 before", "ΔE00 校正后 after",
         "ΔE00 留一法 leave-one-out", "溢出 clipped", "未参与拟合 excluded", "拟合权重 fit weight",
         "ΔE00 sRGB 色域外 outside sRGB"]
    )  # fmt: skip
    why = {x["index"]: f"{x['reason_zh']} {x['reason']}" for x in doc.get("excluded", [])}
    for p in doc.get("patches", []):
        loo = p.get("de2000_loo")
        w.writerow(
            [p["index"], p.get("name_zh", ""), p["name"], *p["reference_lab"], *p["before_lab"], *p["after_lab"],
             p["de2000_before"], p["de2000_after"], "" if loo is None else loo,
             "yes" if p.get("clipped") else "", why.get(p["index"], ""), p.get("fit_weight", ""),
             p.get("de2000_outside_srgb", "")]
        )  # fmt: skip
    s = doc.get("summary")
    if s:
        rows = [("before", s["before"]), ("after", s["after"])]
        if doc.get("loo"):
            rows.append(("leave-one-out", doc["loo"]))
        for k, v in rows:
            w.writerow([f"summary {k}", "", "", *(f"{m}={v[m]}" for m in ("mean", "median", "p90", "max"))])
        w.writerow(["pass 合格", "yes" if s["pass"] else "no", f"basis={doc.get('pass_basis', 'in-sample')}"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# the swatch sheet's cell has room for a word: the full reason is in the HTML and CSV
_SHORT_REASON = {"outside": "画面外", "clipped": "过曝", "gamut": "超色域", "uneven": "不均匀", "outlier": "不符",
                 "shadow": "阴影"}


def _png(doc: dict[str, Any]) -> bytes:
    """Swatch sheet: per patch reference | before | after, its name and ΔE2000 before → after."""
    from PIL import Image, ImageDraw

    from ..fonts import pil_font

    patches = doc.get("patches", [])
    cols = 6 if len(patches) > 1 else 1
    rows = max(1, (len(patches) + cols - 1) // cols)
    cw, chh, pad, head = 168, 128, 8, 34
    img = Image.new("RGB", (cols * (cw + pad) + pad, head + rows * (chh + pad) + pad), (40, 40, 40))
    d = ImageDraw.Draw(img)
    small, label = pil_font(13), pil_font(15, "bold")
    th = {**DEFAULT_THRESHOLDS, **(doc.get("thresholds") or {})}
    left_out = {x["index"]: x for x in doc.get("excluded", [])}
    d.text((pad, 9), "每格：参考 | 校正前 | 校正后    each patch: reference | before | after    ΔE2000 before → after"
           "    × 未参与拟合 left out    * 超出 sRGB outside sRGB", font=small, fill=(200, 200, 200))
    for k, p in enumerate(patches):
        x0 = pad + (k % cols) * (cw + pad)
        y0 = head + (k // cols) * (chh + pad)
        for j, key in enumerate(("reference_lab", "before_lab", "after_lab")):
            d.rectangle(
                [x0 + j * cw // 3, y0, x0 + (j + 1) * cw // 3 - 1, y0 + chh - 40], fill=_hex(p[key])
            )
        d.rectangle([x0, y0 + chh - 40, x0 + cw - 1, y0 + chh - 1], fill=(20, 20, 20))
        d.text((x0 + 5, y0 + chh - 38), f"{p['index']} {p.get('name_zh') or p['name']}", font=small, fill=(190, 190, 190))
        after = p["de2000_after"]
        out = left_out.get(p["index"])
        if out and out.get("partial"):  # in the fit by two channels, not in the summary
            d.text((x0 + 5, y0 + chh - 20), "仅两通道参与 · 2 channels", font=small, fill=(150, 150, 150))
            continue
        if out:  # not in the fit nor the summary: say why instead of grading it
            short = _SHORT_REASON.get(out["code"], out["code"])
            d.text((x0 + 5, y0 + chh - 20), f"未参与 {short} · {out['code']}", font=small, fill=(150, 150, 150))
            d.line([x0 + 2, y0 + 2, x0 + 16, y0 + 16], fill=(250, 250, 250), width=3)
            d.line([x0 + 16, y0 + 2, x0 + 2, y0 + 16], fill=(250, 250, 250), width=3)
            continue
        colour = (120, 220, 120) if after <= th["mean"] else (240, 200, 80) if after <= th["max"] else (250, 110, 100)
        star = "*" if (p.get("de2000_outside_srgb") or 0) >= 0.05 else ""  # cyan: measured from sRGB's nearest
        d.text((x0 + 5, y0 + chh - 20), f"ΔE {p['de2000_before']:.1f} → {after:.1f}{star}", font=label, fill=colour)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _t(zh: str, en: str) -> str:
    """Both languages of a phrase (already HTML-safe); the page shows one (see _SWITCH)."""
    return f"<span class='zh'>{zh}</span><span class='en'>{en}</span>"


# One language at a time, the reader's (or the app's, by the #zh / #en the app opens the page
# with), with a switch at the top; without scripts the Chinese shows.
_SWITCH = (
    "<style>html.zh .en,html.en .zh{display:none}.lang{float:right;font-size:13px}</style>"
    "<script>function imgprepLang(){var h=location.hash.slice(1);document.documentElement.className="
    "(h==='zh'||h==='en')?h:((navigator.language||'').indexOf('zh')===0?'zh':'en')}"
    "imgprepLang();window.addEventListener('hashchange',imgprepLang);</script>"
)


def _card_name(kind: object) -> str:
    return {"classic24": "ColorChecker Classic 24", "grey": _t("灰卡", "grey card")}.get(str(kind), html.escape(str(kind)))


def _model(name: object) -> str:
    from ..messages import MESSAGES

    en, zh = MESSAGES.get(f"model-{name}", (str(name), str(name)))
    return _t(html.escape(zh), html.escape(en)) + f" <small>({html.escape(str(name))})</small>"


def blend_shares(blend: dict[str, float] | None) -> str:
    """A report's blend (``doc["blend"]``) as its parts' shares, e.g. " — curve+matrix
    75 %, curve+root-polynomial 25 %"; "" for one model. The model names are the
    registry's, the same in both languages."""
    if not blend:
        return ""
    return " — " + ", ".join(f"{k} {round(100 * w)} %" for k, w in blend.items())


def _html(doc: dict[str, Any], sku: str, title: str) -> bytes:
    parts = _html_head(doc, sku, title)
    s = doc.get("summary")
    if s:
        parts += _html_verdict(doc, s)
        parts += _html_summary(doc, s)
        parts += _html_left_out_and_worst(doc)
        parts += _html_models(doc)
        parts += _html_patches(doc)
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def _html_head(doc: dict[str, Any], sku: str, title: str) -> list[str]:
    """The page's head, its title and the card found (or not)."""
    e = html.escape
    card = doc.get("card", {})
    zh_title, _, en_title = title.partition(" ")
    head = _t(e(zh_title), e(en_title or zh_title))
    return [
        "<!DOCTYPE html><html lang='zh-CN' class='zh'><head><meta charset='utf-8'>",
        f"<title>{e(title)} — {e(sku)}</title>",
        "<style>body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:24px;color:#222}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
        "th{background:#f3f3f3}.sw{display:inline-block;width:28px;height:20px;border:1px solid #999;vertical-align:middle}"
        ".pass{color:#0a7a2a;font-weight:bold}.fail{color:#b00020;font-weight:bold}.warn{color:#9a6000}"
        "td.l{text-align:left}.note{color:#666;font-size:12px;max-width:52em}</style>",
        _SWITCH,
        "</head><body>",
        "<p class='lang'><a href='#zh'>中文</a> · <a href='#en'>English</a></p>",
        f"<h1>{head} <small>{e(sku)}</small></h1>",
        f"<p>{_t('文件', 'File')}: {e(str(doc.get('file')))}<br>{_t('色卡', 'Card')}: {_card_name(card.get('type'))} — "
        f"{_t('找到', 'found') if card.get('found') else _t('未找到', 'not found')}"
        f"{(' (' + e(str(card.get('reason'))) + ')') if card.get('reason') else ''}</p>",
    ]


def _html_verdict(doc: dict[str, Any], s: dict[str, Any]) -> list[str]:
    """Pass or fail with its basis and thresholds, the model, the warnings."""
    e = html.escape
    parts: list[str] = []
    verdict = _t("合格", "PASS") if s["pass"] else _t("不合格", "FAIL")
    th = doc.get("thresholds", DEFAULT_THRESHOLDS)
    basis = (_t("留一法", "leave-one-out") if doc.get("pass_basis") == "leave-one-out"
             else _t("校正后", "after"))
    parts.append(
        f"<p>{_t('结论', 'Verdict')}: <span class='{'pass' if s['pass'] else 'fail'}'>{verdict}</span> "
        f"({basis} {_t('平均', 'mean')} ΔE00 ≤ {th['mean']}, {_t('最大', 'max')} ≤ {th['max']})<br>"
        f"{_t('校正模型', 'Model')}: <b>{_model(doc.get('model'))}</b>{html.escape(blend_shares(doc.get('blend')))}</p>"
    )
    zh = doc.get("warnings_zh") or [""] * len(doc.get("warnings", []))
    for w, wz in zip(doc.get("warnings", []), zh, strict=False):
        parts.append(f"<p class='warn'>⚠ {_t('警告 ' + e(wz or w), 'Warning: ' + e(w))}</p>")
    return parts


def _html_summary(doc: dict[str, Any], s: dict[str, Any]) -> list[str]:
    """ΔE2000 before, after and left out of the fit, and what leave-one-out means."""
    parts: list[str] = []
    parts.append(
        f"<h2>{_t('汇总', 'Summary')} (ΔE2000)</h2><table><tr><th></th><th>{_t('平均', 'mean')}</th>"
        f"<th>{_t('中位', 'median')}</th><th>P90</th><th>{_t('最大', 'max')}</th></tr>"
    )
    for k, zh_k in (("before", "校正前"), ("after", "校正后")):
        parts.append(
            f"<tr><td class='l'>{_t(zh_k, k)}</td>"
            + "".join(f"<td>{s[k][m]}</td>" for m in ("mean", "median", "p90", "max"))
            + "</tr>"
        )
    if doc.get("loo"):
        parts.append(
            f"<tr><td class='l'><b>{_t('留一法', 'leave-one-out')}</b></td>"
            + "".join(f"<td><b>{doc['loo'][m]}</b></td>" for m in ("mean", "median", "p90", "max"))
            + "</tr>"
        )
    parts.append("</table>")
    if doc.get("loo"):
        parts.append(_note(
            "留一法：每个色块由其余色块拟合的校正来预测，是对色卡以外颜色（商品本身）的预期精度；"
            "“校正后”是拟合所用色块本身的误差，总是偏乐观。结论按留一法判定。",
            "Leave-one-out: each patch predicted by a fit to the others — the accuracy to expect on"
            " colours not on the card (the product's). 'After' is in-sample and flatters every model;"
            " the verdict uses leave-one-out."))
    parts.append(_note(
        "ΔE00 均相对于 sRGB 文件所能表示的色卡颜色（完美校正写出的值）；色域外的色块（经典 24 色卡的青色）"
        "在“色块”表中注明其与色卡本身的差距。",
        "ΔE00 is measured from the card's colours as an sRGB file holds them (what a perfect correction"
        " writes); a patch outside sRGB (the Classic's cyan) shows in the patch table how far that is"
        " from the card's own colour."))
    return parts


def _html_left_out_and_worst(doc: dict[str, Any]) -> list[str]:
    """The patches left out of the fit (with why) and the five worst after correction."""
    e = html.escape
    parts: list[str] = []
    if doc.get("excluded"):
        parts += _html_list(_t("未参与拟合的色块", "Patches left out of the fit"), "ul", [
            f"{x['index']} " + _t(f"{e(x['name_zh'])}：{e(x['reason_zh'])}", f"{e(x['name'])}: {e(x['reason'])}")
            for x in doc["excluded"]])
    if doc.get("worst5"):
        parts += _html_list(_t("最差 5 个色块", "Worst 5"), "ol", [
            f"{w['index']} {_t(e(w.get('name_zh') or w['name']), e(w['name']))}: ΔE00 {w['de2000_after']}"
            for w in doc["worst5"]])
    return parts


def _note(zh: str, en: str) -> str:
    return "<p class='note'>" + _t(zh, en) + "</p>"


def _html_list(title: str, tag: str, items: list[str]) -> list[str]:
    return [f"<h2>{title}</h2><{tag}>", *(f"<li>{i}</li>" for i in items), f"</{tag}>"]


def _html_models(doc: dict[str, Any]) -> list[str]:
    """Leave-one-out ΔE2000 of each model tried, the one used ticked."""
    e = html.escape
    parts: list[str] = []
    if doc.get("loo_de2000"):
        parts.append(
            f"<h2>{_t('模型比较', 'Model comparison')} ({_t('留一法', 'leave-one-out')} ΔE00)</h2><table><tr>"
            f"<th>{_t('模型', 'model')}</th><th>{_t('平均', 'mean')}</th><th>{_t('中位', 'median')}</th>"
            f"<th>{_t('最大', 'max')}</th></tr>"
        )
        for k, v in doc["loo_de2000"].items():
            mark = " ✓" if k == doc.get("model") else ""
            parts.append(
                f"<tr><td class='l'>{e(k)}{mark}</td><td>{v['mean']}</td><td>{v['median']}</td><td>{v['max']}</td></tr>"
            )
        parts += ["</table>", _note(
            "默认使用混合模型（曲线+矩阵与曲线+根多项式各占一半；灰阶符合幂律时即曲线+矩阵，介于两者之间时"
            "曲线+根多项式占比较小）；"
            "仅当其他模型在本色卡上明显更好（超过逐色块差异标准误差的两倍，且超过默认模型平均值的四分之一）时才改用。",
            "The default is the blend (curve+matrix and curve+root-polynomial in equal shares; curve+matrix"
            " alone where the greys follow a power law, and a smaller share of curve+root-polynomial"
            " in between); another model is used only when it is clearly"
            " better on this card (by more than twice the standard error of the per-patch difference"
            " and by more than a quarter of the default's mean).")]
    return parts


def _html_patches(doc: dict[str, Any]) -> list[str]:
    """Every patch: swatches, Lab values and ΔE2000; then the reference data's source."""
    e = html.escape
    parts: list[str] = []
    parts.append(
        f"<h2>{_t('色块', 'Patches')}</h2><table><tr><th>#</th><th>{_t('名称', 'name')}</th>"
        f"<th>{_t('参考', 'reference')}</th><th>{_t('校正前', 'before')}</th><th>{_t('校正后', 'after')}</th>"
        f"<th>{_t('参考', 'reference')} Lab</th><th>{_t('校正前', 'before')} Lab</th><th>{_t('校正后', 'after')} Lab</th>"
        f"<th>ΔE00 {_t('前', 'before')}</th><th>ΔE00 {_t('后', 'after')}</th><th>ΔE00 {_t('留一', 'LOO')}</th></tr>"
    )
    why = {x["index"]: x for x in doc.get("excluded", [])}
    for p in doc.get("patches", []):
        sw = "".join(
            f"<td><span class='sw' style='background:{_hex(p[k])}'></span></td>"
            for k in ("reference_lab", "before_lab", "after_lab")
        )
        labs = "".join(
            f"<td>{', '.join(str(v) for v in p[k])}</td>"
            for k in ("reference_lab", "before_lab", "after_lab")
        )
        x = why.get(p["index"])
        weight = p.get("fit_weight", 1.0)
        flag = (" (" + _t(e(x["reason_zh"]), e(x["code"])) + ")" if x
                else " (" + _t("溢出", "clipped") + ")" if p.get("clipped")
                else " (" + _t(f"接近极限，拟合权重 {weight:g}", f"near a limit, fit weight {weight:g}") + ")"
                if weight < 1 else "")
        outside = p.get("de2000_outside_srgb") or 0
        if outside >= 0.05:
            flag += " (" + _t(f"超出 sRGB：完美校正也与色卡相差 {outside:g}",
                              f"outside sRGB: {outside:g} from the card even when perfectly corrected") + ")"
        loo = p.get("de2000_loo")
        name = _t(e(p.get("name_zh") or p["name"]), e(p["name"]))
        parts.append(
            f"<tr><td>{p['index']}</td><td class='l'>{name}{flag}</td>{sw}{labs}"
            f"<td>{p['de2000_before']}</td><td>{p['de2000_after']}</td><td>{'' if loo is None else loo}</td></tr>"
        )
    parts.append("</table>")
    if doc.get("reference_source"):
        parts.append(
            f"<p><small>{_t('参考数据', 'Reference data')}: {e(doc['reference_source'])}."
            " ΔE: CIEDE2000, Lab D50.</small></p>"
        )
    return parts


def render_report(
    doc: dict[str, Any], sku: str, title: str = "色差报告 Colour report"
) -> dict[str, bytes]:
    """Render ``doc`` as ``colour-SKU.html`` (self-contained), ``colour-SKU.csv`` (UTF-8
    with BOM for Excel) and ``swatches-SKU.png``. Returns file name → bytes."""
    return {
        f"colour-{sku}.html": _html(doc, sku, title),
        f"colour-{sku}.csv": _csv(doc),
        f"swatches-{sku}.png": _png(doc),
    }
