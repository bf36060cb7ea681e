import io
import json

import numpy as np
from PIL import Image

from imgprep.core.colour.detect import CardDetection
from imgprep.core.colour.models import fit
from imgprep.core.colour.reference import get_card
from imgprep.core.colour.report import evaluate, render_report

from .scenes import CASTS, apply_cast_linear

CARD = get_card("classic24")


def _doc(clip_white=False, uneven=False, thresholds=None):
    m = apply_cast_linear(np.clip(CARD.reference_linear, 0, 1), CASTS[1])
    if uneven:
        m[19] *= 1.3  # one grey patch in a hot spot
    clipped = np.zeros(24, bool)
    clipped[18] = clip_white
    det = CardDetection(
        True, "classic24", np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]]), m, clipped, None, "mcc"
    )
    f = fit(m, CARD.reference_linear, "curve+matrix", mask=~clipped)
    return evaluate(det, f, "classic24", file="IMG.jpg", thresholds=thresholds or {"mean": 3, "max": 6})


def test_document_shape_matches_design():
    doc = _doc()
    json.dumps(doc, allow_nan=False)
    assert doc["file"] == "IMG.jpg"
    assert set(doc["card"]) == {"found", "type", "corners", "reason"}
    assert doc["card"]["found"] is True and len(doc["card"]["corners"]) == 4
    assert doc["model"] == "curve+matrix"
    p = doc["patches"][0]
    assert {
        "index",
        "name",
        "reference_lab",
        "before_lab",
        "after_lab",
        "de2000_before",
        "de2000_after",
    } <= set(p)
    assert p["index"] == 1 and p["name"] == "dark skin" and len(doc["patches"]) == 24
    s = doc["summary"]
    assert set(s) == {"before", "after", "pass"}
    assert set(s["before"]) == set(s["after"]) == {"mean", "median", "p90", "max"}
    assert s["before"]["mean"] > 5 > s["after"]["mean"]
    assert s["pass"] is True and doc["uneven_lighting"] is False
    assert len(doc["worst5"]) == 5 and doc["clipped"] == []


def test_clipped_patches_are_reported_and_excluded():
    doc = _doc(clip_white=True)
    assert doc["clipped"] == [19] and doc["patches"][18]["clipped"] is True
    assert any("clipped" in w for w in doc["warnings"])
    # every warning in both languages of the UI, in the same order, naming the patch
    assert doc["warnings"] == ["1 patch(es) left out of the fit and the summary: 19 white (clipped)"]
    assert doc["warnings_zh"] == ["1 个色块未参与拟合与统计：19 白 9.5（过曝或欠曝）"]
    assert doc["excluded"] == [{"index": 19, "name": "white", "name_zh": "白 9.5", "code": "clipped",
                                "reason": "clipped (over- or under-exposed)", "reason_zh": "过曝或欠曝",
                                "partial": False}]
    assert doc["patches"][18]["de2000_loo"] is None and doc["patches"][0]["de2000_loo"] > 0


def test_the_verdict_uses_the_leave_one_out_figures():
    """In-sample 'after' values flatter the model; the verdict is judged on colours the
    fit did not see."""
    doc = _doc()
    assert doc["pass_basis"] == "leave-one-out"
    assert doc["loo"]["mean"] > doc["summary"]["after"]["mean"]
    between = (doc["summary"]["after"]["mean"] + doc["loo"]["mean"]) / 2
    strict = _doc(thresholds={"mean": between, "max": 99})
    assert strict["summary"]["pass"] is False  # passes in-sample, fails leave-one-out


def test_uneven_lighting_warning():
    doc = _doc(uneven=True)
    assert doc["uneven_lighting"] is True
    assert len(doc["warnings_zh"]) == len(doc["warnings"]) >= 1
    assert "光照不均匀" in doc["warnings_zh"][0] and "uneven lighting" in doc["warnings"][0]


def test_fail_verdict_with_strict_thresholds():
    m = apply_cast_linear(np.clip(CARD.reference_linear, 0, 1), CASTS[0])
    det = CardDetection(True, "classic24", np.zeros((4, 2)), m, np.zeros(24, bool))
    doc = evaluate(
        det, fit(m, CARD.reference_linear, "white-balance"), thresholds={"mean": 0.1, "max": 0.2}
    )
    assert doc["summary"]["pass"] is False


def test_no_card_document():
    doc = evaluate(
        CardDetection(False, "classic24", reason="no colour card found"), None, file="a.jpg"
    )
    assert doc == {
        "file": "a.jpg",
        "card": {"found": False, "type": "classic24", "reason": "no colour card found"},
    }


def test_render_report_bytes():
    out = render_report(_doc(uneven=True), "A1234", "色差报告 Colour report")
    assert set(out) == {"colour-A1234.html", "colour-A1234.csv", "swatches-A1234.png"}
    html = out["colour-A1234.html"].decode("utf-8")
    assert "<meta charset='utf-8'>" in html and "深肤色" in html and "dark skin" in html
    assert "http://" not in html and "https://" not in html and "src=" not in html  # offline
    assert "合格" in html and "Warning" in html and "curve+matrix" in html
    assert "光照不均匀" in html and "uneven lighting" in html
    csv = out["colour-A1234.csv"]
    assert csv.startswith(b"\xef\xbb\xbf") and "深肤色".encode() in csv
    lines = csv.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 24 + 4  # header, patches, before / after / leave-one-out, verdict
    assert lines[-2].startswith("summary leave-one-out,") and "basis=leave-one-out" in lines[-1]
    assert "<span class='zh'>留一法</span><span class='en'>leave-one-out</span>" in html
    assert "expected" not in lines[0]
    im = Image.open(io.BytesIO(out["swatches-A1234.png"]))
    assert im.format == "PNG" and im.size[0] > 300


def test_the_swatch_sheet_marks_a_patch_left_out_instead_of_grading_it():
    """A patch left out (24, black, an outlier here) says so in its cell (grey text) and is
    crossed, while a used patch keeps its graded ΔE line."""
    doc = _doc()
    doc["excluded"] = [{"index": 24, "name": "black", "name_zh": "黑 2", "code": "outlier",
                        "reason": "does not fit", "reason_zh": "不符"}]
    im = np.asarray(Image.open(io.BytesIO(render_report(doc, "A1")["swatches-A1.png"])).convert("RGB")).astype(int)
    cw, chh, pad, head = 168, 128, 8, 34  # the sheet's cell geometry

    def cell(k):
        x0, y0 = pad + (k % 6) * (cw + pad), head + (k // 6) * (chh + pad)
        return im[y0: y0 + chh, x0: x0 + cw]

    crossed = cell(23)[2:17, 2:17]
    assert (crossed.min(-1) > 230).sum() > 20  # the white cross on the patch
    text_used = cell(0)[chh - 20:, :]
    text_out = cell(23)[chh - 20:, :]
    # the used patch's line is coloured (a grade), the left-out one's grey
    assert np.abs(text_used - text_used.mean(-1, keepdims=True)).max() > 60
    assert np.abs(text_out - text_out.mean(-1, keepdims=True)).max() < 20


def test_a_card_with_too_few_clean_colours_says_white_balance_only():
    m = apply_cast_linear(np.clip(CARD.reference_linear, 0, 1), CASTS[1])
    clipped = np.ones(24, bool)
    clipped[[0, 2, 3, 9, 18, 19, 20, 21]] = False  # 4 colours and 4 greys left, like a P3 photo in sun
    det = CardDetection(True, "classic24", np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]]), m, clipped, None, "grid")
    doc = evaluate(det, fit(m, CARD.reference_linear, "white-balance", mask=~clipped), "classic24")
    assert "white balance only" in doc["warnings"][-1] and "仅做白平衡" in doc["warnings_zh"][-1]
    assert "white balance only" not in " ".join(_doc()["warnings"])


def test_colours_all_on_one_side_of_grey_say_so_not_too_few():
    """Five clean colours from red to bluish green (a tungsten frame whose blues and
    purples are crushed) are enough in number and too few in kind: the warning says
    which, in both languages."""
    m = apply_cast_linear(np.clip(CARD.reference_linear, 0, 1), CASTS[1])
    clipped = np.ones(24, bool)
    clipped[[8, 0, 11, 13, 5, 18, 19, 20, 21]] = False  # 9, 1, 12, 14, 6 and four greys
    det = CardDetection(True, "classic24", np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]]), m, clipped, None, "grid")
    doc = evaluate(det, fit(m, CARD.reference_linear, "white-balance", mask=~clipped), "classic24")
    assert "one side of grey" in doc["warnings"][-1] and "灰轴一侧" in doc["warnings_zh"][-1]
    assert "too few clean colour patches" not in " ".join(doc["warnings"])


def test_the_report_shows_one_language_with_a_switch():
    """Issue 16, problem 10: each phrase in both languages, shown one at a time (the
    reader's, or #zh / #en as the app opens it), with a switch; every text element of the
    body is in one language or carries both."""
    import re

    html = render_report(_doc(uneven=True), "A1234", "色差报告 Colour report")["colour-A1234.html"].decode("utf-8")
    assert "html.zh .en,html.en .zh{display:none}" in html
    assert "<a href='#zh'>中文</a> · <a href='#en'>English</a>" in html
    body = html.split("<body>", 1)[1].split("<p><small>", 1)[0]  # the data source's citation: names
    # what shows in Chinese: the body without its English spans and markup
    shown_zh = re.sub(r"<span class='en'>.*?</span>|<[^>]+>", " ", body)
    words = set(re.findall(r"[A-Za-z]{3,}", shown_zh))
    # the switch, units, the file, the card's and the model's names
    allowed = {"English", "Lab", "sRGB", "IMG", "jpg", "ColorChecker", "Classic", "curve", "matrix"}
    assert not words - allowed, words - allowed


def test_a_patch_near_a_limit_shows_its_weight_in_the_fit():
    """The detection weighs a patch near clipping less: the JSON, CSV and HTML say so,
    in both languages, while a patch left out keeps its reason and weight 0."""
    m = apply_cast_linear(np.clip(CARD.reference_linear, 0, 1), CASTS[1])
    clipped = np.zeros(24, bool)
    clipped[23] = True
    weights = np.ones(24)
    weights[18], weights[23] = 0.42, 0.0
    det = CardDetection(True, "classic24", np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]]), m, clipped, None,
                        "mcc", excluded=((23, "clipped"),), weights=weights)
    f = fit(m, CARD.reference_linear, "curve+matrix", mask=~clipped, weights=weights)
    doc = evaluate(det, f, "classic24", file="IMG.jpg")
    assert [p["fit_weight"] for p in doc["patches"]][17:] == [1.0, 0.42, 1.0, 1.0, 1.0, 1.0, 0.0]
    out = render_report(doc, "A1")
    html = out["colour-A1.html"].decode("utf-8")
    assert "接近极限，拟合权重 0.42" in html and "near a limit, fit weight 0.42" in html
    rows = out["colour-A1.csv"].decode("utf-8-sig").splitlines()
    col = rows[0].split(",").index("拟合权重 fit weight")
    assert rows[19].split(",")[col] == "0.42" and rows[24].split(",")[col] == "0.0"
    # a patch that counts for less than half is named in the warnings, both languages
    assert doc["warnings"][-1] == ("1 patch(es) close to a limit (bright, dark, uneven or hardly fitting the rest"
                                   " of the card) count for less than half in the fit: 19 white (0.42)")
    assert doc["warnings_zh"][-1].endswith("在拟合中的权重不到一半：19 白 9.5（0.42）")
    assert _doc()["patches"][5]["fit_weight"] == 1.0  # a detection without weights: 1 where used


def test_a_blend_names_its_parts_shares():
    """A blend whose greys lie between a power law and a curve through them gives the
    curve through them less than half: the JSON and the HTML say how much."""
    lin = np.clip(apply_cast_linear(np.clip(CARD.reference_linear, 0, 1), CASTS[3]), 0, 1)
    power, s_curve = lin**1.2, lin / (lin + (1 - lin) * 0.5)
    m = 0.3 * power + 0.7 * s_curve  # greys a little off any power law
    det = CardDetection(True, "classic24", np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]]), m,
                        np.zeros(24, bool), None, "mcc")
    f = fit(m, CARD.reference_linear, "blend")
    doc = evaluate(det, f, "classic24", file="IMG.jpg")
    shares = doc["blend"]
    assert list(shares) == ["curve+matrix", "curve+root-polynomial"]
    assert 0 < shares["curve+root-polynomial"] < 0.5 and abs(sum(shares.values()) - 1) < 0.011
    html = render_report(doc, "A1")["colour-A1.html"].decode("utf-8")
    assert f"curve+root-polynomial {round(100 * shares['curve+root-polynomial'])} %" in html
    assert "blend" not in _doc()  # one model: no shares


def test_after_is_measured_from_what_an_srgb_file_holds_of_the_card():
    """The Classic's cyan lies outside sRGB (linear red -0.044): a perfect correction into
    an sRGB file writes it 3.46 ΔE2000 from the card. "After" and leave-one-out are
    measured from what the file can hold, so a card read exactly scores 0 there, and each
    patch says how far its reference lies outside sRGB (JSON, CSV, HTML)."""
    from colormath2.color_conversions import convert_color
    from colormath2.color_diff import delta_e_cie2000
    from colormath2.color_objects import LabColor, sRGBColor

    from imgprep.core.colour.delta_e import linear_to_srgb
    from imgprep.core.colour.models import leave_one_out

    held = np.clip(CARD.reference_linear, 0, 1)  # what the camera and a perfect correction write
    det = CardDetection(True, "classic24", np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]]), held,
                        np.zeros(24, bool), None, "mcc")
    f = fit(held, CARD.reference_linear, "matrix3x3")
    doc = evaluate(det, f, "classic24", file="IMG.jpg")
    outside = [p["de2000_outside_srgb"] for p in doc["patches"]]
    assert outside[17] > 3 and not any(outside[:17] + outside[18:])
    # an independent check of the figure: colormath2's own sRGB -> Lab (D50, Bradford)
    lab = convert_color(sRGBColor(*linear_to_srgb(held[17])), LabColor, target_illuminant="d50")
    theirs = delta_e_cie2000(lab, LabColor(*CARD.reference_lab[17]))
    assert abs(outside[17] - float(theirs)) < 0.05, (outside[17], theirs)
    # read exactly, the card scores ~0 after correction, cyan included (it scored 3.46)
    cyan = doc["patches"][17]
    assert cyan["de2000_after"] < 0.3 and cyan["de2000_before"] < 0.3, cyan
    assert doc["summary"]["after"]["max"] < 1.0  # the matrix leans a little towards the true cyan
    loo = leave_one_out(held, CARD.reference_linear, "matrix3x3")
    assert loo[17] < 1.0, loo[17]
    files = render_report(doc, "A1", "色差报告 Colour report")
    csv_text = files["colour-A1.csv"].decode("utf-8-sig")
    header, *rows = csv_text.splitlines()
    assert header.endswith("ΔE00 sRGB 色域外 outside sRGB")
    assert rows[17].split(",")[-1] == f"{outside[17]}" and rows[0].split(",")[-1] == "0.0"
    page = files["colour-A1.html"].decode("utf-8")
    assert f"outside sRGB: {outside[17]:g} from the card" in page and f"完美校正也与色卡相差 {outside[17]:g}" in page
    assert page.count("outside sRGB: ") == 1
    # the swatch sheet marks cyan's figure with a star, in cyan's cell only
    inside = json.loads(json.dumps(doc))
    for p in inside["patches"]:
        p["de2000_outside_srgb"] = 0.0
    sheets = [np.asarray(Image.open(io.BytesIO(render_report(d, "A1")["swatches-A1.png"])).convert("L"), int)
              for d in (doc, inside)]
    ys, xs = np.nonzero(sheets[0] != sheets[1])
    h, w = sheets[0].shape
    assert len(ys) > 5 and xs.min() > w * 5 / 6 - 10 and h * 0.45 < ys.min() and ys.max() < h * 0.8, (ys, xs)
