"""Screenshots for the README, taken from the real app (run under Xvfb)::

    xvfb-run -a -s "-screen 0 1920x1080x24" python -m imgprep.gui.screenshots docs/screenshots

Copies the bundled sample shoot to a temporary folder, adds a reference-card frame to the
mug shoot (a ColorChecker drawn from the card's published reference values under a warm
light, so the colour view has a real measurement), drops both shoots on the window in
Chinese, waits for the engine, and grabs the main window, the shoot view, the colour view,
the listing tab and the product sheet at a laptop's 1280 × 720 and at 1920 × 1080 (``NAME-WxH.png``, 256
colours to keep the files small).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

SIZES = ((1280, 720), (1920, 1080))


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def card_frame(path: Path, when: datetime) -> None:
    """A studio frame with a 24-patch card under a warm (tungsten-ish) cast."""
    import numpy as np
    from PIL import Image, ImageFilter

    from ..core.colour.delta_e import linear_to_srgb
    from ..core.colour.reference import get_card

    W, H = 1600, 1200
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None]
    x = np.linspace(-1, 1, W, dtype=np.float32)[None, :]
    bg = 0.62 - 0.18 * y**1.5 - 0.05 * x**2
    gains = np.array([1.04, 1.0, 0.93], np.float32)  # a slightly warm light
    lin = np.repeat(bg[..., None], 3, axis=2) * gains
    patches = np.asarray(get_card("classic24").reference_linear, np.float32) * gains * 0.95
    p, gap, border = 96, 18, 34
    cw, ch = 6 * p + 5 * gap + 2 * border, 4 * p + 3 * gap + 2 * border
    x0, y0 = (W - cw) // 2, (H - ch) // 2
    lin[y0:y0 + ch, x0:x0 + cw] = 0.012
    for i in range(24):
        r, c = divmod(i, 6)
        px, py = x0 + border + c * (p + gap), y0 + border + r * (p + gap)
        lin[py:py + p, px:px + p] = patches[i]
    rgb = (np.clip(linear_to_srgb(np.clip(lin, 0, 1)), 0, 1) * 255).round().astype(np.uint8)
    rng = np.random.default_rng(3)
    rgb = np.clip(rgb.astype(np.int16) + rng.normal(0, 1.2, rgb.shape).round().astype(np.int16), 0, 255).astype(np.uint8)
    im = Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(0.6))
    ex = Image.Exif()
    ex.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    im.save(path, "JPEG", quality=92, exif=ex.tobytes())


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from ..core.fonts import assets_dir
    from .appstate import AppSettings, AppState
    from .i18n import app_font, install_language
    from .window import MainWindow, app_icon

    tmp = Path(tempfile.mkdtemp(prefix="imgprep-shots-"))
    sample = assets_dir() / "sample"
    drop = tmp / "拍摄"
    shutil.copytree(sample / "shoots", drop)
    card_frame(drop / "MUG-001" / "DSC_0100.jpg", datetime(2026, 11, 20, 13, 58, 0))
    (tmp / "backup").mkdir()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("imgprep")
    app.setFont(app_font(10))
    app.setWindowIcon(app_icon())
    install_language("zh_CN")
    qs = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    s = AppSettings(qs)
    s.set("library", str(tmp / "图库"))
    s.set("backup", str(tmp / "backup"))
    s.set("catalogue", str(sample / "products.csv"))
    s.set("language", "zh_CN")
    w = MainWindow(AppState(s))
    w.tray = None
    w.resize(1280, 800)
    w.show()
    results: dict[str, int] = {}

    def grab(name: str) -> None:
        from PIL import Image

        for width, height in SIZES:
            w.resize(width, height)
            app.processEvents()
            app.processEvents()
            p = out / f"{name}-{width}x{height}.png"
            w.grab().save(str(p), "PNG")
            Image.open(p).convert("RGB").quantize(256).save(p, optimize=True)
            results[p.name] = p.stat().st_size
        w.resize(*SIZES[0])

    def step1() -> None:
        w.state.process([drop / "MUG-001", drop / "BAG-002"])

    def finished(*_a) -> None:
        if w.state.busy:
            return
        QTimer.singleShot(600, step2)

    def step2() -> None:
        w.shoots.table.selectRow(max(0, w.state.model.sku_row("MUG-001")))
        grab("main-window")
        w.show_shoot("MUG-001")
        v = w.shoot_view
        QTimer.singleShot(1200, lambda: (v.list.setCurrentRow(2), QTimer.singleShot(1500, step3)))

    def step3() -> None:
        grab("shoot-view")
        w.colour_view.show_sku("MUG-001")
        w.tabs.setCurrentWidget(w.colour_view)
        QTimer.singleShot(600, step4)

    def step4() -> None:
        grab("colour-view")
        w.tabs.setCurrentWidget(w.listing_view)
        QTimer.singleShot(6000, step4b)  # thumbnails and the cut-out preview

    def step4b() -> None:
        grab("listing-view")
        w.tabs.setCurrentWidget(w.sheet_view)
        QTimer.singleShot(400, step5)

    def step5() -> None:
        grab("product-sheet")
        w.confirm_quit = False
        w.close()
        app.quit()

    w.state.jobFinished.connect(finished)
    QTimer.singleShot(500, step1)
    app.exec()
    for k, v in results.items():
        _out(f"{out / k}: {v // 1024} KB")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
