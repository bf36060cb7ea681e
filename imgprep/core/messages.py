"""Engine messages, each defined once in both languages of the UI.

The engine speaks English: the log, the journal, ``--json`` and the CLI keep the English
text, which scripts may rely on. :func:`say` formats a message; :func:`translate` turns
an English message (fresh from the engine, or read back from a journal) into the user's
language by matching it against the same templates. A message not in the catalogue is
shown as it is.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["MESSAGES", "say", "translate"]

# code: (English, 简体中文). Fields in braces are filled by say(); in translate() each
# field matches any text, and a field's value is carried over unchanged.
MESSAGES: dict[str, tuple[str, str]] = {
    # reading a photo (core.imaging.load)
    "cannot-read": ("cannot read: {detail}", "无法读取：{detail}"),
    "empty": ("empty file (0 bytes)", "空文件（0 字节）"),
    "over-limit": ("{size}, over the {limit} MP limit (refused before decoding)",
                   "{size}，超过 {limit} MP 上限（解码前已拒绝）"),
    "not-an-image": ("not a JPEG, PNG, TIFF or WebP image (content not recognised)",
                     "不是 JPEG、PNG、TIFF 或 WebP 图片（无法识别内容）"),
    "no-pixels": ("image has no pixels", "图片没有像素"),
    "raw-needs-rawpy": ("camera RAW needs the optional 'rawpy' package (pip install rawpy)",
                        "读取相机 RAW 需要安装可选的 rawpy 包（pip install rawpy）"),
    "raw-undecodable": ("cannot decode RAW: {detail}", "无法解码 RAW：{detail}"),
    "truncated": ("file is truncated or damaged (incomplete image data)",
                  "文件被截断或已损坏（图像数据不完整）"),
    "undecodable": ("cannot decode: {detail}", "无法解码：{detail}"),
    "out-of-memory": ("not enough memory to decode", "内存不足，无法解码"),
    # the batch (app.batch, app.pool)
    "decoder-crashed": ("the decoder crashed on this file (worker process died)",
                        "解码器处理此文件时崩溃（工作进程已退出）"),
    "exists-other-content": ("{path} exists with other content; not overwritten",
                             "{path} 已存在且内容不同；未覆盖"),
    "cancelled": ("cancelled", "已取消"),
    "unchanged": ("unchanged: already in the library as {name}", "未改变：图库中已有 {name}"),
    "render-failed": ("rendering failed: {detail}", "渲染失败：{detail}"),
    "duplicate-of-library": ("same content as {source} (already {name})",
                             "与 {source} 内容相同（已是 {name}）"),
    "duplicate-in-batch": ("same content as {source}", "与 {source} 内容相同"),
    "not-corrected": ("colour: not corrected (no reference card before this frame)",
                      "颜色：未校正（此帧之前没有色卡）"),
    "colour-result": ("colour: ΔE2000 mean {before} → {after} ({verdict})",
                      "颜色：平均 ΔE2000 {before} → {after}（{verdict}）"),
    "colour-card-found": ("colour: card found", "颜色：找到色卡"),
    "colour-report-failed": ("colour report not written: {detail}", "未能写入色差报告：{detail}"),
    "card-lost-on-resume": ("reference card not found again on resume; no fit",
                            "恢复时未能再次找到色卡；未拟合"),
    "not-in-sheet": ("SKU {sku} is not in the product sheet: no spec panel",
                     "货号 {sku} 不在商品信息表中：无参数面板"),
    "not-in-sheet-file": ("SKU {sku} is not in the product sheet {sheet}: rendered without a spec panel",
                          "货号 {sku} 不在商品信息表 {sheet} 中：已生成，但没有参数面板"),
    # the hot folder (app.watch)
    "stalled": ("stopped changing {seconds} s ago but is incomplete: {detail}",
                "已 {seconds} 秒没有变化，但文件不完整：{detail}"),
    "incomplete-empty": ("empty file", "空文件"),
    "incomplete-data": ("incomplete or damaged image data ({detail})", "图像数据不完整或已损坏（{detail}）"),
    "loose-file": ("a loose file in the drop folder: put it in a folder named by its SKU",
                   "投放文件夹中的散落文件：请放入以货号命名的文件夹"),
    "folder-refused": ("shoot folder '{folder}' refused: {detail}", "拍摄文件夹“{folder}”被拒绝：{detail}"),
    "not-a-photo-type": ("not a photo type imgprep reads ({ext})", "不是 imgprep 能读取的照片类型（{ext}）"),
    "not-moved": ("not moved: no verified copy in the library", "未移动：图库中没有经过校验的副本"),
    "move-failed": ("processed, but could not move it to done/: {detail}", "已处理，但无法移到 done/：{detail}"),
    "missing-from-library": ("in the journal but missing from the library", "日志中有记录，但图库中缺失"),
    # finding the reference card (core.colour.detect)
    "no-card": ("no colour card found", "未找到色卡"),
    "card-clipped-patches": ("{n} patches clipped (over/under-exposed or outside)",
                             "{n} 个色块过曝、欠曝或在画面之外"),
    "card-neutral-not-monotonic": ("neutral row is not a monotonic grey scale", "中性灰一行不是由亮到暗的灰阶"),
    "card-neutral-coloured": ("neutral patches differ in colour", "中性灰色块之间颜色不一致"),
    "card-hues": ("patch hues do not follow the reference card", "色块色相与标准色卡不符"),
    "card-inconsistent": ("patch colours inconsistent with the reference (fit ΔE mean {mean}, {bad} patches > {limit}); "
                          "covered card or another layout?",
                          "色块颜色与标准值不一致（拟合平均 ΔE {mean}，{bad} 个色块 > {limit}）；色卡被遮挡，或是其他版式？"),
    "card-no-ordering": ("no ordering fits", "没有相符的色块排列"),
    "card-ambiguous": ("card orientation is ambiguous", "无法确定色卡方向"),
    "grey-not-found": ("no uniform low-chroma region (grey card) found", "未找到均匀的低彩度区域（灰卡）"),
    "grey-clipped": ("grey card is clipped", "灰卡过曝或欠曝"),
    # rule checks (app.check): `imgprep check`, the shoot list's tooltips
    "check-no-photos": ("no photos in the library yet", "图库中还没有照片"),
    "check-failed": ("{file} failed: {detail}", "{file} 处理失败：{detail}"),
    "check-no-hero": ("no rendered hero image", "没有已生成的主图"),
    "check-hero-missing": ("hero rendition '{name}' missing", "缺少主图版本“{name}”"),
    "check-width": ("{path} is {width} px wide; the preset wants {want}",
                    "{path} 宽 {width} px；预设要求 {want}"),
    "check-no-panel": ("{path} has no spec panel (SKU not in the product sheet?)",
                       "{path} 没有参数面板（货号不在商品信息表中？）"),
    "check-details": ("{have} of {need} selling-point pictures ({missing} missing)",
                      "卖点细节图 {have}/{need} 张（缺 {missing} 张）"),
    "check-no-callout": ("{path} has no selling-point callout", "{path} 没有卖点标注"),
    "check-no-watermark": ("{path} has no watermark", "{path} 没有水印"),
    "check-no-backup": ("no backup configured (run batch with --backup)", "未设置备份（运行 batch 时加 --backup）"),
    "check-backlog": ("{count} file(s) not backed up yet, e.g. {path}", "{count} 个文件尚未备份，例如 {path}"),
    "check-no-fit": ("a card was shot but no colour fit was made", "拍了色卡，但没有做颜色拟合"),
    "check-colour-fails": ("colour report fails: mean ΔE2000 after correction {mean}",
                           "色差报告不合格：校正后平均 ΔE2000 {mean}"),
    "check-not-in-sheet": ("not in the product sheet", "不在商品信息表中"),
    "check-spec-missing": ("missing in the product sheet: {fields}", "商品信息表中缺少：{fields}"),
    "check-overdue": ("overdue by {days} day(s) (arrived {arrival})", "已超期 {days} 天（到货 {arrival}）"),
}

# Words inside messages that are values rather than text.
_VALUES_ZH = {"pass": "合格", "FAIL": "不合格"}


def say(code: str, **args: object) -> str:
    """The English text of message ``code`` with ``args`` filled in."""
    return MESSAGES[code][0].format(**args)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    # longest templates first: a specific message wins over a general one
    for en, zh in sorted(MESSAGES.values(), key=lambda m: -len(m[0])):
        parts = re.split(r"\{(\w+)\}", en)
        rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((re.compile(rx + r"\Z", re.DOTALL), zh))
    return out


def translate(text: str | None, language: str) -> str:
    """``text`` (an engine message in English) in ``language`` ("zh…" or anything else
    for English). Unknown messages come back unchanged."""
    if not text or not language.startswith("zh"):
        return text or ""
    for rx, zh in _patterns():
        m = rx.match(text)
        if m:
            # a value may be a message itself ("… incomplete: empty file"): translate it too
            args = {k: _VALUES_ZH.get(v) or translate(v, language) for k, v in m.groupdict().items()}
            return zh.format(**args)
    return text
