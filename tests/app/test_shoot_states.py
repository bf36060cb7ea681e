"""Issue 16, problem 2: a shoot is "done" in the list only when nothing about it needs a
human. Failed photos (refused ones too), a cancelled run and the rule book's problems
each give their own state, with the reasons in the row's problems (and `check`)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from helpers import photo_array, save_jpeg

from imgprep.app import services
from imgprep.app.batch import BatchOptions, BatchRunner
from imgprep.core.presets import load_preset


def shoot(root, sku, n):
    seed = sum(map(ord, sku)) * 10  # distinct photos in each shoot (no duplicates)
    for i in range(n):
        save_jpeg(root / sku / f"IMG_{i:02d}.jpg", photo_array(900, 700, seed + i), time=datetime(2026, 11, 20, 9, 0, i))
    return root / sku


def run_cancelled(lib, folder) -> None:
    """Process ``folder`` into ``lib``, cancelling the run after its first rendered frame."""
    runner: BatchRunner

    def progress(ev):
        if ev.get("event") == "rendered":
            runner.cancel()

    runner = BatchRunner(BatchOptions(lib, load_preset(None), workers=0), progress)
    runner.run([folder])


def test_failed_cancelled_and_incomplete_shoots_are_not_done(tmp_path, run_cli):
    shoots, lib = tmp_path / "shoots", tmp_path / "lib"
    fail = shoot(shoots, "FAIL1", 1)
    (fail / "IMG_90.jpg").write_bytes((fail / "IMG_00.jpg").read_bytes()[:2000])  # truncated
    (fail / "IMG_91.jpg").write_bytes(b"not a photo" * 50)
    shoot(shoots, "FEW1", 2)
    shoot(shoots, "FULL1", 6)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("货号,商品名称,颜色,面料,尺码,商品说明,长,宽,高,卖点1,卖点2,卖点3,卖点4,卖点5\n" + "".join(
        f"{s},杯子,蓝,陶瓷,均码,说明,1,2,3,甲,乙,丙,丁,戊\n" for s in ("FAIL1", "FEW1", "FULL1")), encoding="utf-8")
    code, out, err = run_cli("batch", shoots, "--library", lib, "--catalogue", sheet, "--workers", "0", "--json")
    assert code == 1, out + err  # the two broken photos

    # A run cancelled after its first rendered frame leaves the rest of CAN1 undone.
    run_cancelled(lib, shoot(tmp_path / "more", "CAN1", 5))

    rows = {r.sku: r for r in services.list_shoots(lib)}
    assert rows["FULL1"].state == "done"
    fail, can, few = rows["FAIL1"], rows["CAN1"], rows["FEW1"]
    assert (fail.state, fail.failed, fail.frames) == ("failed", 2, 1)
    assert sum("IMG_90.jpg failed" in p or "IMG_91.jpg failed" in p for p in fail.problems) == 2
    assert can.state == "cancelled" and can.cancelled is not None
    done, total = map(int, can.cancelled.split("/"))
    assert total == 5 and done < 5
    assert any(p.startswith(f"cancelled: {done} of 5 photos processed") for p in can.problems)
    assert few.state == "attention" and "1 of 5 selling-point pictures (4 missing)" in few.problems
    code, out, _ = run_cli("check", lib, "--sku", "CAN1", "--json")
    assert "cancelled" in {p["rule"] for p in json.loads(out)["skus"][0]["problems"]}

    # Finishing the cancelled shoot clears its state; a broken photo that is removed
    # no longer counts.
    runner = BatchRunner(BatchOptions(lib, load_preset(None), workers=0))
    runner.run([tmp_path / "more" / "CAN1"])
    (shoots / "FAIL1" / "IMG_90.jpg").unlink()
    rows = {r.sku: r for r in services.list_shoots(lib)}
    assert rows["CAN1"].cancelled is None and rows["CAN1"].state != "cancelled"
    assert rows["FAIL1"].failed == 1


def test_the_shoot_list_reads_only_the_sheet_rows_of_its_shoots(tmp_path, run_cli, monkeypatch):
    """The app's shoot list is refreshed after every change during a batch: it checks the
    shoots, not also every row of a large product sheet without one (a 100 000-row sheet
    took 6 s a refresh, 0.06 s so). Its rows say what `check` says of those SKUs, the
    sheet's row found whatever the case of the folder's name."""
    from imgprep.app.check import check_library
    from imgprep.core.journal import Journal

    shoots, lib = tmp_path / "shoots", tmp_path / "lib"
    shoot(shoots, "cup-1", 2)  # the sheet spells it CUP-1
    shoot(shoots, "BARE1", 1)  # not in the sheet
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("货号,商品名称,颜色\nCUP-1,杯子,蓝\n" + "".join(f"R{i},品{i},红\n" for i in range(3000)),
                     encoding="utf-8")
    code, out, err = run_cli("batch", shoots, "--library", lib, "--catalogue", sheet, "--workers", "0", "--json")
    assert code == 0, out + err
    asked = []  # `check` reads the journal's rows once, not once per row of the sheet
    for name in ("sources", "files", "files_for_sku", "meta", "backup_state", "verified_backups"):
        method = getattr(Journal, name)
        monkeypatch.setattr(Journal, name, lambda self, *a, _m=method, _n=name, **k: asked.append(_n) or _m(self, *a, **k))
    full = {c.sku: c.problems for c in check_library(lib, disk=False)}
    assert len(full) == 3002  # `check` still names every row of the sheet
    assert len(asked) < 10, sorted(set(asked))
    for sku in ("cup-1", "BARE1", "R7"):  # one SKU alone: what the whole check says of it
        assert [c.problems for c in check_library(lib, sku, disk=False)] == [full[sku]], sku
    monkeypatch.undo()

    per_sku = []  # the shoot list asks for no SKU's rows one by one either (2000 shoots: 9.6 s -> 1.3 s)
    for name in ("sources", "files", "files_for_sku", "meta", "backup_state", "fits"):
        method = getattr(Journal, name)
        monkeypatch.setattr(Journal, name, lambda self, *a, _m=method, _n=name, **k: (
            per_sku.append(_n) if a and a[0] is not None and _n != "meta" or _n == "meta" and "cancelled" in a[0]
            else None) or _m(self, *a, **k))
    services.list_shoots(lib)
    assert per_sku == [], per_sku
    monkeypatch.undo()
    read = []
    original = Journal.product
    monkeypatch.setattr(Journal, "products", lambda self: pytest.fail("read the whole sheet"))
    monkeypatch.setattr(Journal, "product", lambda self, sku: read.append(sku) or original(self, sku))
    rows = {r.sku.casefold(): r for r in services.list_shoots(lib)}
    assert sorted(rows) == ["bare1", "cup-1"] and sorted(s.casefold() for s in read) == ["bare1", "cup-1"]
    for sku, problems in full.items():
        if sku.casefold() in rows:
            assert rows[sku.casefold()].problems == [p["message"] for p in problems], sku
    assert not any("not in the sheet" in p for p in rows["cup-1"].problems)
    assert any("product sheet" in p for p in rows["bare1"].problems)
