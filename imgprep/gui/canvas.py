"""The large preview: fit-to-view image with a before/after split, a draggable callout
anchor and four-corner picking. Positions are fractions of the image (what the sidecar
and the colour service take).

Zoom (a tall hero's panel, a card 60 px wide): the wheel zooms around the pointer, ``1``
shows 1:1, ``0`` fits, ``+`` / ``-`` step; the middle or right button (or the left one
when there is nothing else to drag) pans."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

ZOOM_MAX = 32.0  # × the fitted size


def dark_painter(widget: QWidget) -> QPainter:
    """A painter on ``widget`` for a photo: smooth scaling, the dark canvas behind it."""
    p = QPainter(widget)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.fillRect(widget.rect(), QColor("#2b2f36"))
    return p


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
        self.zoom = 1.0                # × the fitted size; 1 = the whole image
        self.centre = (0.5, 0.5)       # the image point (fractions) at the view's centre
        self._pan_from: tuple[QPointF, tuple[float, float]] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip(self.tr("Wheel or + / −: zoom · 1: actual pixels · 0: whole picture · right button: move"))

    # ------------------------------------------------------------ content
    def set_image(self, img: QImage | None, after: QImage | None = None) -> None:
        same_size = img is not None and self.before is not None and img.size() == self.before.size()
        self.before, self.after = img, after
        if not same_size:  # another picture: start from the whole of it
            self.zoom, self.centre = 1.0, (0.5, 0.5)
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

    def fit_scale(self) -> float:
        """Screen pixels per image pixel when the whole image fits the view."""
        w, h = self.before.width(), self.before.height()  # type: ignore[union-attr]
        return max(1e-6, min((self.width() - 16) / w, (self.height() - 16) / h))

    def image_rect(self) -> QRectF:
        if self.before is None or self.before.isNull():
            return QRectF()
        s = self.fit_scale() * self.zoom
        dw, dh = self.before.width() * s, self.before.height() * s
        # The centre point sits at the view's centre; an image smaller than the view is centred.
        x = (self.width() - dw) / 2 if dw <= self.width() else self.width() / 2 - self.centre[0] * dw
        y = (self.height() - dh) / 2 if dh <= self.height() else self.height() / 2 - self.centre[1] * dh
        return QRectF(x, y, dw, dh)

    def set_zoom(self, zoom: float, at: QPointF | None = None) -> None:
        """Zoom to ``zoom`` × the fitted size (1 … ZOOM_MAX) keeping the image point under
        ``at`` (default: the view's centre) where it is."""
        if self.before is None or self.before.isNull():
            return
        at = at if at is not None else QPointF(self.width() / 2, self.height() / 2)
        r = self.image_rect()
        f = ((at.x() - r.x()) / r.width(), (at.y() - r.y()) / r.height())
        self.zoom = min(ZOOM_MAX, max(1.0, zoom))
        s = self.fit_scale() * self.zoom
        dw, dh = self.before.width() * s, self.before.height() * s
        self._set_centre((f[0] - (at.x() - self.width() / 2) / dw, f[1] - (at.y() - self.height() / 2) / dh))

    def _set_centre(self, c: tuple[float, float]) -> None:
        """Move the view over the image, never past its edges."""
        r = self.image_rect()
        half = (self.width() / 2 / r.width(), self.height() / 2 / r.height())
        self.centre = tuple(min(1 - h, max(h, v)) if h < 0.5 else 0.5 for v, h in zip(c, half, strict=True))
        self.update()

    def one_to_one(self) -> None:
        """One image pixel per screen pixel (at least the fitted size)."""
        if self.before is not None and not self.before.isNull():
            self.set_zoom(1 / self.fit_scale())

    def to_frac(self, p: QPointF) -> tuple[float, float]:
        r = self.image_rect()
        return (min(1.0, max(0.0, (p.x() - r.x()) / r.width())), min(1.0, max(0.0, (p.y() - r.y()) / r.height())))

    def to_px(self, f: tuple[float, float]) -> QPointF:
        r = self.image_rect()
        return QPointF(r.x() + f[0] * r.width(), r.y() + f[1] * r.height())

    # ------------------------------------------------------------ painting
    def paintEvent(self, e) -> None:  # noqa: ANN001
        p = dark_painter(self)
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

    # ------------------------------------------------------------ zoom keys, wheel
    def keyPressEvent(self, e) -> None:  # noqa: ANN001
        key = e.key()
        if key == Qt.Key.Key_1:
            self.one_to_one()
        elif key == Qt.Key.Key_0:
            self.set_zoom(1.0)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_zoom(self.zoom * 1.25)
        elif key == Qt.Key.Key_Minus:
            self.set_zoom(self.zoom / 1.25)
        else:
            super().keyPressEvent(e)

    def wheelEvent(self, e) -> None:  # noqa: ANN001
        steps = e.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom * 1.25 ** steps, e.position())
        e.accept()

    # ------------------------------------------------------------ mouse
    def mousePressEvent(self, e) -> None:  # noqa: ANN001
        pos = e.position()
        r = self.image_rect()
        if r.isNull():
            return
        pan = e.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton) or (
            e.button() == Qt.MouseButton.LeftButton and self.mode == "view" and self.after is None)
        if pan and self.zoom > 1.0:
            self._pan_from = (pos, self.centre)
            return
        if e.button() != Qt.MouseButton.LeftButton:
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
        if self._pan_from is not None:
            start, centre = self._pan_from
            r = self.image_rect()
            d = e.position() - start
            self._set_centre((centre[0] - d.x() / r.width(), centre[1] - d.y() / r.height()))
        elif self._drag == "anchor":
            self.anchor = self.to_frac(e.position())
            self.anchorMoved.emit(*self.anchor)
            self.update()
        elif self._drag == "split":
            self.split = self.to_frac(e.position())[0]
            self.update()

    def mouseReleaseEvent(self, e) -> None:  # noqa: ANN001
        self._drag = None
        self._pan_from = None
