"""Issue 15: the app makes a reason's text from its code; the English is read back only
for texts that came without one (journals written before codes were kept)."""

from __future__ import annotations

import re
from pathlib import Path

from imgprep.core.journal import Journal
from imgprep.core.messages import Reason, translate

GUI = Path(__file__).resolve().parents[2] / "imgprep" / "gui"


def _failed_frame(lib: Path, why: Reason, english: str) -> None:
    """A shoot with one failed frame whose journal row keeps ``why`` and, as its English
    text, ``english``."""
    with Journal(lib) as j, j.tx():
        j.ensure_shoot("A1")
        sid = j.reserve(sku="A1", kind="product", seq=1, source_path="/s/IMG_1.jpg", size=1, mtime_ns=1,
                        sha256="a" * 64, capture_time=None, role="hero", raw_path="A1/raw/A1-01.jpg")
        j.set_state(sid, "failed", why)
        j.db.execute("UPDATE sources SET reason = ? WHERE id = ?", (english, sid))


def test_the_chinese_ui_shows_a_failure_from_its_code(qtbot, make_window, tmp_path):
    from imgprep.gui.i18n import install_language

    lib = tmp_path / "lib"
    why = Reason.of("render-failed", detail=Reason.of("os-error", errno=13, detail="Permission denied"))
    # an English wording no template reads back (an older or reworded text): only the
    # code can say it in Chinese
    english = "render step gave up: permission denied (errno 13)"
    assert translate(english, "zh_CN") == english
    _failed_frame(lib, why, english)
    install_language("zh_CN")
    w = make_window(lib, catalogue=False)
    w.show_shoot("A1")
    [item] = [w.shoot_view.list.item(i) for i in range(w.shoot_view.list.count())]
    assert "渲染失败：Permission denied（错误代码 13）" in item.toolTip()
    assert english not in item.toolTip()
    m = w.state.model
    qtbot.waitUntil(lambda: m.rowCount() == 1)
    tip = m.data(m.index(0, 0), 3)  # ToolTipRole: check's problems, the failure among them
    assert "IMG_1.jpg 处理失败：渲染失败：Permission denied（错误代码 13）" in tip


def test_a_row_of_an_old_journal_is_still_read_back(qtbot, make_window, tmp_path):
    from imgprep.gui.i18n import install_language

    lib = tmp_path / "lib"
    _failed_frame(lib, Reason.of("empty"), "empty file (0 bytes)")
    with Journal(lib) as j, j.tx():  # as an older imgprep wrote it: the text alone
        j.db.execute("UPDATE sources SET code = NULL, args = NULL")
    install_language("zh_CN")
    w = make_window(lib, catalogue=False)
    w.show_shoot("A1")
    assert "空文件（0 字节）" in w.shoot_view.list.item(0).toolTip()


def test_the_app_reads_no_english_back_outside_the_old_journal_fallback():
    calls = []
    for py in sorted(GUI.rglob("*.py")):
        for n, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            # messages.translate, not Qt's QCoreApplication.translate / QApplication.translate
            if re.search(r"(?<![\w.])translate\(", line) and "def " not in line:
                calls.append((py.name, n, line.strip()))
    assert [(name, line) for name, _, line in calls] == [("i18n.py", "return translate(text, language)")]
    i18n = (GUI / "i18n.py").read_text(encoding="utf-8")
    assert "def old_journal_text(" in i18n
    body = i18n.split("def old_journal_text(")[1].split("\ndef ")[0]
    assert "translate(" in body  # the one call is the fallback for texts without a code
