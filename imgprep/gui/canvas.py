"""The large preview: fit-to-view image with a before/after split, a draggable callout
anchor and four-corner picking. Positions are fractions of the image (what the sidecar
and the colour service take)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget


class ImageCanvas(QWidget):
    anchorMoved = Signal(float, float)
    cornersChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(360, 280)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.before: QImage | None = None
        self.after: QImage | None = None
        self.split = 0.5
        self.mode = "view"             # view | anchor | corners
        self.anchor: tuple[float, float] | None = None
        self.corners: list[tuple[float, float]] = []
        self.message = ""
        self.labels = ("", "")
        self._drag: str | None = None

    # ------------------------------------------------------------ content
    def set_image(self, img: QImage | None, after: QImage | None = None) -> None:
        self.before, self.after = img, after
        self.update()

    def set_after(self, after: QImage | None) -> None:
        self.after = after
        self.update()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if mode == "corners":
            self.corners = []
        self.setCursor(Qt.CursorShape.CrossCursor if mode in ("corners", "anchor") else Qt.CursorShape.ArrowCursor)
        self.update()

    def image_rect(self) -> QRectF:
        if self.before is None or self.before.isNull():
            return QRectF()
        w, h = self.before.width(), self.before.height()
        s = min((self.width() - 16) / w, (self.height() - 16) / h)
        dw, dh = w * s, h * s
        return QRectF((self.width() - dw) / 2, (self.height() - dh) / 2, dw, dh)

    def to_frac(self, p: QPointF) -> tuple[float, float]:
        r = self.image_rect()
        return (min(1.0, max(0.0, (p.x() - r.x()) / r.width())), min(1.0, max(0.0, (p.y() - r.y()) / r.height())))

    def to_px(self, f: tuple[float, float]) -> QPointF:
        r = self.image_rect()
        return QPointF(r.x() + f[0] * r.width(), r.y() + f[1] * r.height())

    # ------------------------------------------------------------ painting
    def paintEvent(self, e) -> None:  # noqa: ANN001
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(self.rect(), QColor("#2b2f36"))
        r = self.image_rect()
        if r.isNull():
            p.setPen(QColor("#aeb4bd"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        p.drawImage(r, self.before)
        if self.after is not None:
            x = r.x() + self.split * r.width()
            p.save()
            p.setClipRect(QRectF(x, r.y(), r.right() - x, r.height()))
            p.drawImage(r, self.after)
            p.restore()
            p.setPen(QPen(QColor("white"), 2))
            p.drawLine(QPointF(x, r.y()), QPointF(x, r.bottom()))
            p.setBrush(QColor("white"))
            p.drawEllipse(QPointF(x, r.center().y()), 9, 9)
            self._tag(p, QPointF(r.x() + 10, r.y() + 10), self.labels[0], left=True)
            self._tag(p, QPointF(r.right() - 10, r.y() + 10), self.labels[1], left=False)
        if self.mode == "anchor" and self.anchor is not None:
            c = self.to_px(self.anchor)
            p.setPen(QPen(QColor("white"), 3))
            p.setBrush(QColor("#e53935"))
            p.drawEllipse(c, 9, 9)
        if self.mode == "corners" or self.corners:
            pts = [self.to_px(c) for c in self.corners]
            if len(pts) >= 2:
                p.setPen(QPen(QColor("#ffd400"), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                poly = QPolygonF(pts + ([pts[0]] if len(pts) == 4 else []))
                p.drawPolyline(poly)
            for i, c in enumerate(pts):
                p.setPen(QPen(QColor("black"), 2))
                p.setBrush(QColor("#ffd400"))
                p.drawEllipse(c, 8, 8)
                p.setPen(QColor("black"))
                p.drawText(QRectF(c.x() - 8, c.y() - 8, 16, 16), Qt.AlignmentFlag.AlignCenter, str(i + 1))
        if self.message:
            self._banner(p, self.message)

    def _tag(self, p: QPainter, at: QPointF, text: str, left: bool) -> None:
        if not text:
            return
        f = QFont(self.font())
        f.setBold(True)
        p.setFont(f)
        w = p.fontMetrics().horizontalAdvance(text) + 16
        rect = QRectF(at.x() if left else at.x() - w, at.y(), w, 24)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawRoundedRect(rect, 5, 5)
        p.setPen(QColor("white"))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _banner(self, p: QPainter, text: str) -> None:
        w = p.fontMetrics().horizontalAdvance(text) + 24
        rect = QRectF((self.width() - w) / 2, self.height() - 40, w, 28)
        path = QPainterPath()
        path.addRoundedRect(rect, 6, 6)
        p.fillPath(path, QColor(0, 0, 0, 170))
        p.setPen(QColor("white"))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # ------------------------------------------------------------ mouse
    def mousePressEvent(self, e) -> None:  # noqa: ANN001
        pos = e.position()
        r = self.image_rect()
        if r.isNull() or e.button() != Qt.MouseButton.LeftButton:
            return
        if self.mode == "corners":
            if len(self.corners) >= 4:
                self.corners = []
            self.corners.append(self.to_frac(pos))
            self.cornersChanged.emit(list(self.corners))
            self.update()
        elif self.mode == "anchor":
            self._drag = "anchor"
            self.anchor = self.to_frac(pos)
            self.anchorMoved.emit(*self.anchor)
            self.update()
        elif self.after is not None:
            self._drag = "split"
            self.split = self.to_frac(pos)[0]
            self.update()

    def mouseMoveEvent(self, e) -> None:  # noqa: ANN001
        if self._drag == "anchor":
            self.anchor = self.to_frac(e.position())
            self.anchorMoved.emit(*self.anchor)
            self.update()
        elif self._drag == "split":
            self.split = self.to_frac(e.position())[0]
            self.update()

    def mouseReleaseEvent(self, e) -> None:  # noqa: ANN001
        self._drag = None
