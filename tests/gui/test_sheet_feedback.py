"""Issue 16, problem 8: loading a product sheet says what it gave — products, the columns
read and not read, the library's shoots it lacks — and an .xls can be chosen and says
why it is not read."""

from __future__ import annotations

from helpers import photo_array, save_jpeg
from PySide6.QtWidgets import QFileDialog


def test_loading_a_sheet_reports_what_it_gave(qtbot, make_window, tmp_path, run_cli, monkeypatch):
    for sku in ("IN1", "OUT1"):
        save_jpeg(tmp_path / "shoots" / sku / "IMG_1.jpg", photo_array(900, 700, sum(map(ord, sku))))
    lib = tmp_path / "lib"
    run_cli("batch", tmp_path / "shoots", "--library", lib, "--workers", "0")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("货号,商品名称,进价\nIN1,杯子,12\nX9,盘子,8\n", encoding="utf-8")
    w = make_window(lib, catalogue=False)
    qtbot.waitUntil(lambda: w.state.model.rowCount() == 2)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(sheet), ""))
    w.sheet_view.choose()
    log = w.log.toPlainText()
    assert "sheet.csv: products: 2; columns read: 货号、商品名称; columns not read: 进价" in log
    assert "shoots not in the sheet: OUT1" in log

    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(xls), ""))
    w.sheet_view.choose()
    assert ".xls" in w.log.toPlainText().splitlines()[-1]
