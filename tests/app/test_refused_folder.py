"""Issue 16, problem 9: a folder named 新建文件夹 (Windows' "New folder") is refused with
its characters in order and advice on what to do, in both languages."""

from __future__ import annotations

import json

from helpers import photo_array, save_jpeg

from imgprep.core.messages import translate


def test_new_folder_is_refused_with_advice(tmp_path, run_cli):
    save_jpeg(tmp_path / "新建文件夹" / "IMG_1.jpg", photo_array(900, 700, 7))
    code, out, _ = run_cli("batch", tmp_path / "新建文件夹", "--library", tmp_path / "lib", "--workers", "0", "--json")
    assert code == 1
    reason = json.loads(out)["items"][0]["reason"]
    assert "contains '新建文件夹'" in reason  # in order, not scrambled
    assert "Rename the folder to the product's SKU" in reason and "SKU slate" in reason
    zh = translate(reason, "zh")
    assert "含有 '新建文件夹'" in zh and "请把文件夹改名为商品货号" in zh and "货号牌" in zh
