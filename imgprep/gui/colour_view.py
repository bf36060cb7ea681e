"""The photographer's colour view: reference vs measured swatches (before / after), ΔE2000
per patch with the pass thresholds, the verdict, the drift of mean ΔE over past shoots,
and the HTML report. Drawn with QPainter."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..app import services
from ..core.colour.report import blend_shares
from .appstate import AppState
from .desktop import open_local
from .i18n import is_chinese

GOOD, BAD, WARN, MUTED, INK = QColor("#2e7d32"), QColor("#c62828"), QColor("#e09400"), QColor("#9ca3af"), QColor("#1f2937")
BEFORE, AFTER = QColor("#c3c8d0"), QColor("#1f6feb")


def _rgb(lab: list[float]) -> QColor:
    r, g, b = (int(v) for v in services.lab_to_srgb8(lab))
    return QColor(r, g, b)


class Card(QWidget):
    """A white rounded panel with a title, the base of the three charts."""

    def __init__(self, title: str = ""):
        super().__init__()
        self.title = title
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paint_frame(self, p: QPainter) -> QRectF:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        path = QPainterPath()
        path.addRoundedRect(r, 10, 10)
        p.fillPath(path, QColor("white"))
        p.setPen(QPen(QColor("#e5e7eb"), 1))
        p.drawPath(path)
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        p.setPen(INK)
        p.drawText(QRectF(r.x() + 14, r.y() + 8, r.width() - 28, 22), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(self.font())
        return r.adjusted(14, 36, -14, -12)

    def empty(self, p: QPainter, r: QRectF, text: str) -> None:
        p.setPen(MUTED)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)


def model_name(name: str) -> str:
    """A correction model (imgprep.core.colour.models.CORRECTION_MODELS) in the UI's language."""
    from ..core.messages import MESSAGES

    en, zh = MESSAGES.get(f"model-{name}", (name, name))  # defined once, in both languages
    return zh if is_chinese() else en


class SwatchGrid(Card):
    def __init__(self) -> None:
        super().__init__()
        self.doc: dict[str, Any] | None = None
        self.setMinimumSize(420, 300)

    def paintEvent(self, e) -> None:  # noqa: ANN001
        p = QPainter(self)
        r = self.paint_frame(p)
        patches = (self.doc or {}).get("patches") or []
        if not patches:
            self.empty(p, r, self.tr("No measured card for this shoot"))
            return
        cols = 6 if len(patches) == 24 else max(1, len(patches))
        rows = (len(patches) + cols - 1) // cols
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        p.setFont(small)
        legend = self.tr("top: reference · bottom left: before · bottom right: after · number: ΔE2000 after"
                         " · dashed, no number: left out of the fit and the verdict"
                         " · dotted, ×w: near a limit, counts by w in the fit"
                         " · *: outside sRGB, measured from the nearest colour an sRGB file holds"
                         " · dotted, 2ch: a channel at 0, in the fit by its other two only")
        wrap = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        # The legend's real height at this width (it wraps on a narrow window), so it is never cut.
        legend_h = QFontMetricsF(small).boundingRect(QRectF(0, 0, r.width(), 1000), wrap, legend).height() + 6
        gap = 8
        cw = (r.width() - gap * (cols - 1)) / cols
        ch = max(8.0, min((r.height() - legend_h - gap * (rows - 1)) / rows, cw * 1.05))
        th = (self.doc or {}).get("thresholds", {"max": 6.0})
        left_out = {x.get("index") for x in (self.doc or {}).get("excluded", [])}
        two_channels = set((self.doc or {}).get("partial") or [])  # in the fit by two channels
        for i, pt in enumerate(patches):
            x = r.x() + (i % cols) * (cw + gap)
            y = r.y() + (i // cols) * (ch + gap)
            cell = QRectF(x, y, cw, ch)
            top = QRectF(x, y, cw, ch * 0.5)
            bl = QRectF(x, y + ch * 0.5, cw / 2, ch * 0.5)
            br = QRectF(x + cw / 2, y + ch * 0.5, cw / 2, ch * 0.5)
            p.fillRect(top, _rgb(pt["reference_lab"]))
            p.fillRect(bl, _rgb(pt["before_lab"]))
            p.fillRect(br, _rgb(pt["after_lab"]))
            # a patch left out is not judged: no figure beside the verdict, a dashed frame
            out = bool(pt.get("clipped")) or pt["index"] in left_out
            # a patch near a limit counts for less in the fit (docs/colour-detection.md
            # "Patch weights"): a dotted frame and its weight
            weight = float(pt.get("fit_weight", 1.0))
            light = not out and weight < 0.995
            partial = pt["index"] in two_channels
            bad = pt.get("de2000_after", 0) > th.get("max", 6.0) and not out
            pen = QPen(BAD if bad else MUTED if out or light else QColor("#d1d5db"), 2 if bad or out or light else 1)
            if out or light:
                pen.setStyle(Qt.PenStyle.DotLine if light or partial else Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(cell)
            ref = _rgb(pt["reference_lab"])
            p.setPen(QColor("white") if ref.lightnessF() < 0.5 else QColor("#111"))
            p.drawText(top.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                       f"{pt['index']}  ×{weight:.2f}" if light else f"{pt['index']}  2ch" if partial
                       else str(pt["index"]))
            # the Classic's cyan: no sRGB file holds it (docs/colour-detection.md "Honest figures")
            outside = "*" if pt.get("de2000_outside_srgb", 0) >= 0.05 else ""
            p.drawText(top.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                       "–" if out else f"{pt['de2000_after']:.1f}{outside}")
        p.setPen(MUTED)
        p.drawText(QRectF(r.x(), r.y() + rows * (ch + gap), r.width(), legend_h), wrap, legend)


class DeltaEChart(Card):
    def __init__(self) -> None:
        super().__init__()
        self.doc: dict[str, Any] | None = None
        self.setMinimumHeight(230)

    def paintEvent(self, e) -> None:  # noqa: ANN001
        p = QPainter(self)
        r = self.paint_frame(p)
        patches = (self.doc or {}).get("patches") or []
        if not patches:
            self.empty(p, r, self.tr("No ΔE figures yet"))
            return
        th = self.doc.get("thresholds", {"mean": 3.0, "max": 6.0})
        top = max([th["max"] * 1.25] + [pt["de2000_before"] for pt in patches] + [pt["de2000_after"] for pt in patches])
        top = float(int(top / 2 + 1) * 2)
        left, bottom = 34, 22
        plot = r.adjusted(left, 4, -4, -bottom)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        p.setFont(small)
        step = 2 if top <= 12 else 5 if top <= 30 else 10
        v = 0.0
        while v <= top + 1e-6:
            y = plot.bottom() - v / top * plot.height()
            p.setPen(QPen(QColor("#eef0f3"), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(MUTED)
            p.drawText(QRectF(r.x(), y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{v:g}")
            v += step
        n = len(patches)
        slot = plot.width() / n
        bw = max(2.0, slot * 0.36)
        for i, pt in enumerate(patches):
            x = plot.left() + i * slot + slot / 2
            hb = pt["de2000_before"] / top * plot.height()
            ha = pt["de2000_after"] / top * plot.height()
            p.fillRect(QRectF(x - bw, plot.bottom() - hb, bw, hb), BEFORE)
            col = MUTED if pt.get("clipped") else BAD if pt["de2000_after"] > th["max"] else WARN if pt["de2000_after"] > th["mean"] else AFTER
            p.fillRect(QRectF(x, plot.bottom() - ha, bw, ha), col)
            p.setPen(MUTED)
            p.drawText(QRectF(x - slot / 2, plot.bottom() + 2, slot, 16), Qt.AlignmentFlag.AlignCenter, str(pt["index"]))
        for val, colour, name in ((th["mean"], WARN, self.tr("mean limit {0:g}")), (th["max"], BAD, self.tr("max limit {0:g}"))):
            y = plot.bottom() - val / top * plot.height()
            pen = QPen(colour, 1.5, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            label = name.format(val)
            tw = p.fontMetrics().horizontalAdvance(label) + 10
            box = QRectF(plot.left() + 6, y - 9, tw, 18)
            p.fillRect(box, QColor("white"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        # legend
        _legend(p, r, self.tr("before"), self.tr("after correction"))


def _legend(p: QPainter, r: QRectF, before: str, after: str) -> None:
    """The before / after key in a chart's top-right corner."""
    lx = r.x() + r.width() - 260
    p.fillRect(QRectF(lx, r.y() - 26, 12, 12), BEFORE)
    p.setPen(INK)
    p.drawText(QRectF(lx + 16, r.y() - 29, 100, 18), Qt.AlignmentFlag.AlignLeft, before)
    p.fillRect(QRectF(lx + 110, r.y() - 26, 12, 12), AFTER)
    p.drawText(QRectF(lx + 126, r.y() - 29, 130, 18), Qt.AlignmentFlag.AlignLeft, after)


class DriftChart(Card):
    def __init__(self) -> None:
        super().__init__()
        self.trend: list[dict[str, Any]] = []
        self.threshold = 3.0
        self.setMinimumHeight(200)

    def paintEvent(self, e) -> None:  # noqa: ANN001
        p = QPainter(self)
        r = self.paint_frame(p)
        pts = [t for t in self.trend if t.get("after") is not None]
        if not pts:
            self.empty(p, r, self.tr("No colour measurements yet: the drift appears after the first card"))
            return
        left, bottom = 34, 22
        plot = r.adjusted(left, 4, -8, -bottom)
        top = max([self.threshold * 1.3] + [t.get("before") or 0 for t in pts] + [t["after"] for t in pts])
        top = float(int(top / 2 + 1) * 2)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1.5))
        p.setFont(small)
        for k in range(0, int(top) + 1, 2 if top <= 12 else 5):
            y = plot.bottom() - k / top * plot.height()
            p.setPen(QPen(QColor("#eef0f3"), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(MUTED)
            p.drawText(QRectF(r.x(), y - 8, left - 6, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(k))
        n = len(pts)

        def xy(i: int, v: float) -> QPointF:
            x = plot.left() + (plot.width() * (i + 0.5) / n)
            return QPointF(x, plot.bottom() - v / top * plot.height())

        y = plot.bottom() - self.threshold / top * plot.height()
        p.setPen(QPen(WARN, 1.5, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        for key, colour in (("before", BEFORE), ("after", AFTER)):
            vals = [(i, t.get(key)) for i, t in enumerate(pts) if t.get(key) is not None]
            p.setPen(QPen(colour, 2.2))
            for (i0, v0), (i1, v1) in zip(vals, vals[1:], strict=False):
                p.drawLine(xy(i0, v0), xy(i1, v1))
            p.setBrush(colour)
            for i, v in vals:
                p.drawEllipse(xy(i, v), 3.5, 3.5)
        p.setPen(MUTED)
        every = max(1, n // 8)
        for i, t in enumerate(pts):
            if i % every == 0 or i == n - 1:
                c = xy(i, 0)
                p.drawText(QRectF(c.x() - 40, plot.bottom() + 2, 80, 16), Qt.AlignmentFlag.AlignCenter, t["day"][5:])
        _legend(p, r, self.tr("before"), self.tr("after correction"))


class ColourView(QWidget):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.sku: str | None = None
        self.fits: list[dict[str, Any]] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 6)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.measure = QComboBox()
        self.measure.setMinimumWidth(260)
        self.measure.currentIndexChanged.connect(self._show)
        self.report_btn = QPushButton(self.tr("Open HTML report"))
        self.report_btn.clicked.connect(self.open_report)
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(QLabel(self.tr("Measurement")))
        head.addWidget(self.measure)
        head.addWidget(self.report_btn)
        lay.addLayout(head)

        # The charts keep readable sizes; on a short screen (a laptop) the page scrolls.
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        self.swatches = SwatchGrid()
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.verdict.setMinimumWidth(260)
        self.verdict.setStyleSheet("QLabel#verdict { background: white; border: 1px solid #e5e7eb;"
                                   " border-radius: 10px; padding: 14px; }")
        self.bars = DeltaEChart()
        self.drift = DriftChart()
        grid.addWidget(self.swatches, 0, 0)
        # long warnings (each patch left out, named) scroll instead of being cut off
        self.verdict_box = QScrollArea()
        self.verdict_box.setWidgetResizable(True)
        self.verdict_box.setFrameShape(QFrame.Shape.NoFrame)
        self.verdict_box.setWidget(self.verdict)
        self.verdict_box.setMinimumWidth(280)
        grid.addWidget(self.verdict_box, 0, 1)
        grid.addWidget(self.bars, 1, 0, 1, 2)
        grid.addWidget(self.drift, 2, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(2, 2)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(page)
        lay.addWidget(self.scroll, 1)
        self._retitle()
        state.shootsChanged.connect(self.reload)
        self.reload()

    def _retitle(self) -> None:
        self.swatches.title = self.tr("Reference card: reference vs measured")
        self.bars.title = self.tr("ΔE2000 per patch")
        self.drift.title = self.tr("Drift: mean ΔE2000 per day, all shoots")

    def show_sku(self, sku: str | None) -> None:
        self.sku = sku
        self.reload()

    def reload(self) -> None:
        lib = self.state.library()
        self.fits = self.state.read(services.colour_fits, lib, self.sku, default=[]) if (lib and self.sku) else []
        self.title.setText(self.tr("Colour · {0}").format(self.sku) if self.sku else self.tr("Colour"))
        self.measure.blockSignals(True)
        self.measure.clear()
        for f in reversed(self.fits):
            self.measure.addItem(f"{f['created_at'][:16].replace('T', ' ')} · {f['report'].get('file') or ''}", f["id"])
        self.measure.blockSignals(False)
        self.drift.trend = self.state.read(services.colour_trend, lib, default=[]) if lib else []
        self._show()

    def _show(self) -> None:
        i = self.measure.currentIndex()
        fit = self.fits[len(self.fits) - 1 - i] if 0 <= i < len(self.fits) else None
        doc = fit["report"] if fit else None
        self.swatches.doc = self.bars.doc = doc
        th = (doc or {}).get("thresholds", {"mean": 3.0})
        self.drift.threshold = th.get("mean", 3.0)
        lib = self.state.library()
        self.report_btn.setEnabled(bool(lib and self.sku and self.state.read(services.report_path, lib, self.sku)))
        self.verdict.setText(self._verdict(doc))
        for w in (self.swatches, self.bars, self.drift):
            w.update()

    def _verdict(self, doc: dict[str, Any] | None) -> str:
        if not doc or "summary" not in doc:
            return ("<p style='font-size:13pt'><b>" + self.tr("No colour report") + "</b></p><p>"
                    + self.tr("Shoot a ColorChecker at the start of each lighting setup. If the card was not "
                              "found, open the frame in the Shoot view and click its four corners.") + "</p>")
        s = doc["summary"]
        th = doc.get("thresholds", {})
        ok = s["pass"]
        colour = "#2e7d32" if ok else "#c62828"
        word = self.tr("PASS") if ok else self.tr("FAIL")
        zh = is_chinese()
        worst = ", ".join(f"{(w.get('name_zh') if zh else None) or w['name']} {w['de2000_after']:.1f}"
                          for w in doc.get("worst5", [])[:3])
        parts = [
            f"<p style='font-size:22pt; color:{colour}; margin:0'><b>{word}</b></p>",
            "<p>" + self.tr("Mean ΔE2000: <b>{0:.2f}</b> → <b>{1:.2f}</b> (limit {2:g})").format(
                s["before"]["mean"], s["after"]["mean"], th.get("mean", 3)) + "<br/>"
            + self.tr("Largest: {0:.2f} (limit {1:g})").format(s["after"]["max"], th.get("max", 6)) + "<br/>"
            + self.tr("Median {0:.2f} · 90th percentile {1:.2f}").format(s["after"]["median"], s["after"]["p90"]) + "</p>",
            self._expected(doc),
            "<p>" + self.tr("Model: {0}").format(model_name(doc.get("model", ""))
                                                 + html.escape(blend_shares(doc.get("blend")))) + "<br/>"
            + self.tr("Worst patches: {0}").format(worst or "–") + "</p>",
        ]
        warnings = doc.get("warnings", [])
        if zh and len(doc.get("warnings_zh") or []) == len(warnings):
            warnings = doc["warnings_zh"]
        for w in warnings:
            parts.append(f"<p style='color:#b26a00'>⚠ {html.escape(w)}</p>")
        return "".join(parts)

    def _expected(self, doc: dict[str, Any]) -> str:
        """The leave-one-out line: what to expect on the product's colours, which the
        verdict is judged on (the in-sample figures above flatter every model)."""
        loo = doc.get("loo")
        if not loo:
            return ""
        return ("<p><b>" + self.tr("Expected on colours not on the card (leave-one-out): "
                                   "mean {0:.2f}, largest {1:.2f}").format(loo["mean"], loo["max"])
                + "</b><br/>" + self.tr("The verdict uses these figures.") + "</p>")

    def open_report(self) -> None:
        lib = self.state.library()
        p = services.report_path(lib, self.sku) if (lib and self.sku) else None
        if p:
            open_local(p, self.state, "zh" if is_chinese() else "en")  # the report's language
