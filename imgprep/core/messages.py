"""Engine messages, each defined once in both languages of the UI.

The engine speaks English: the log, the journal, ``--json`` and the CLI keep the English
text, which scripts may rely on. :func:`say` formats a message; :func:`translate` turns
an English message read back from a journal into the user's language by matching it
against the same templates; new code passes a :class:`Reason` (a code and its fields)
and makes the text from the catalogue. A message not in the catalogue is
shown as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ERROR_TEXT", "MESSAGES", "NUMBER_FIELDS", "Reason", "error_reason", "is_code", "printable", "say", "translate"]

# code: (English, 简体中文). Fields in braces are filled by say(); in translate() each
# field matches any text, and a field's value is carried over unchanged.
MESSAGES: dict[str, tuple[str, str]] = {
    # reading a photo (core.imaging.load)
    "cannot-read": ("cannot read: {detail}", "无法读取：{detail}"),
    "empty": ("empty file (0 bytes)", "空文件（0 字节）"),
    "over-limit": ("{size}, over the {limit} MP limit (refused before decoding)",
                   "{size}，超过 {limit} MP 上限（解码前已拒绝）"),
    "not-an-image": ("not a JPEG, PNG, TIFF, WebP, HEIC/HEIF or AVIF image (content not recognised)",
                     "不是 JPEG、PNG、TIFF、WebP、HEIC/HEIF 或 AVIF 图片（无法识别内容）"),
    "no-pixels": ("image has no pixels", "图片没有像素"),
    "raw-needs-rawpy": ("camera RAW needs the optional 'rawpy' package (pip install rawpy)",
                        "读取相机 RAW 需要安装可选的 rawpy 包（pip install rawpy）"),
    "raw-undecodable": ("cannot decode RAW: {detail}", "无法解码 RAW：{detail}"),
    "truncated": ("file is truncated or damaged (incomplete image data)",
                  "文件被截断或已损坏（图像数据不完整）"),
    "undecodable": ("cannot decode: {detail}", "无法解码：{detail}"),
    "out-of-memory": ("not enough memory to decode", "内存不足，无法解码"),
    "too-small": ("{size} px: too small for a product photo (at least {minimum} px on each side)",
                  "{size} 像素：作为商品照片太小（每边至少 {minimum} 像素）"),
    "too-thin": ("{size} px: a strip, not a photo (sides at most {limit}:1)",
                 "{size} 像素：是细长条，不是照片（长宽比最多 {limit}:1）"),
    "changed-while-reading": ("changed while reading — try again once it is complete",
                              "读取过程中文件发生了变化——请在文件完整后重试"),
    # where a source file is (app.batch discovery): links, names
    "link-loop": ("a symbolic link that loops: not followed", "循环的符号链接：未跟随"),
    "link-dangling": ("a symbolic link to something that does not exist: {target}",
                      "指向不存在目标的符号链接：{target}"),
    "not-regular-file": ("not a regular file (a device, pipe or socket): not read",
                         "不是普通文件（设备、管道或套接字）：未读取"),
    "name-not-utf8": ("the file name is not valid UTF-8: rename it", "文件名不是有效的 UTF-8 编码：请重命名"),
    "callouts-error": ("{file}: {detail}; callouts from the product sheet are used",
                       "{file}：{detail}；改用商品信息表中的卖点"),
    "callouts-not-toml": ("not readable as TOML ({detail})", "无法按 TOML 读取（{detail}）"),
    "callouts-entry": ("{file}: entry [{key}] {detail}", "{file}：条目 [{key}] {detail}"),
    "callouts-not-table": ("must be a table with text and/or anchor", "应为含 text 和/或 anchor 的表"),
    "callouts-no-such-file": ("names no file of this folder and no library name (SKU-NN): ignored",
                              "既不是本文件夹中的文件，也不是图库名称（货号-编号）：已忽略"),
    "callouts-unknown-keys": ("unknown key(s) {keys}", "未知的键 {keys}"),
    "callouts-text-type": ("text must be text in quotes, not {kind}", "text 应为带引号的文字，而不是 {kind}"),
    "callouts-text-long": ("text is {length} characters; at most {limit} are allowed",
                           "text 有 {length} 个字符；最多允许 {limit} 个"),
    "callouts-anchor": ("anchor must be [x, y] with fractions 0–1", "anchor 应为 [x, y]，取值为 0–1 的比例"),
    "side-file-too-big": ("{size} bytes, over the {limit}-byte limit for this kind of file",
                          "{size} 字节，超过此类文件 {limit} 字节的上限"),
    "side-file-too-deep": ("nested too deeply to be read", "嵌套层数过多，无法读取"),
    # the library itself failing (app.batch): the run ends, the rest is reported
    "library-failed": ("the library {library} cannot be written ({detail}); the run stopped: "
                       "free space or fix the folder's permissions and run again",
                       "图库 {library} 无法写入（{detail}）；本次运行已停止：请腾出空间或修正文件夹权限后重新运行"),
    "library-link": ("{path} is a symbolic link inside the library or backup: nothing is written through it",
                     "{path} 是图库或备份中的符号链接：不会通过它写入任何文件"),
    # the batch (app.batch, app.pool)
    "decoder-crashed": ("the decoder crashed on this file (worker process died)",
                        "解码器处理此文件时崩溃（工作进程已退出）"),
    "exists-other-content": ("{path} exists with other content; not overwritten",
                             "{path} 已存在且内容不同；未覆盖"),
    "cancelled": ("cancelled", "已取消"),
    "unchanged": ("unchanged: already in the library as {name}", "未改变：图库中已有 {name}"),
    "image-step-failed": ("an image processing step failed on this file (OpenCV: {detail})",
                          "处理此文件的某个图像步骤失败（OpenCV：{detail}）"),
    "render-failed": ("rendering failed: {detail}", "渲染失败：{detail}"),
    "duplicate-of-library": ("same content as {source} (already {name})",
                             "与 {source} 内容相同（已是 {name}）"),
    "duplicate-in-batch": ("same content as {source}", "与 {source} 内容相同"),
    "not-corrected": ("colour: not corrected (no reference card before this frame)",
                      "颜色：未校正（此帧之前没有色卡）"),
    "colour-result": ("colour: ΔE2000 mean {before} → {after}, {loo} on colours not on the card ({verdict})",
                      "颜色：平均 ΔE2000 {before} → {after}，色卡以外颜色 {loo}（{verdict}）"),
    "colour-card-found": ("colour: card found", "颜色：找到色卡"),
    "colour-report-failed": ("colour report not written: {detail}", "未能写入色差报告：{detail}"),
    "card-lost-on-resume": ("reference card not found again on resume; no fit",
                            "恢复时未能再次找到色卡；未拟合"),
    "not-in-sheet": ("SKU {sku} is not in the product sheet: no spec panel",
                     "货号 {sku} 不在商品信息表中：无参数面板"),
    "not-in-sheet-cut": ("SKU {sku} is not in the first {limit} rows of the product sheet {sheet} (the rest "
                         "was not read: split the sheet): rendered without a spec panel",
                         "货号 {sku} 不在商品信息表 {sheet} 的前 {limit} 行中（其余行未读取：请拆分该表）：已生成，但没有参数面板"),
    "not-in-sheet-file": ("SKU {sku} is not in the product sheet {sheet}: rendered without a spec panel",
                          "货号 {sku} 不在商品信息表 {sheet} 中：已生成，但没有参数面板"),
    # the hot folder (app.watch)
    "stalled": ("stopped changing {seconds} s ago but is incomplete: {detail}",
                "已 {seconds} 秒没有变化，但文件不完整：{detail}"),
    "incomplete-empty": ("empty file", "空文件"),
    "incomplete-data": ("incomplete or damaged image data ({detail})", "图像数据不完整或已损坏（{detail}）"),
    "loose-file": ("a loose file in the drop folder: put it in a folder named by its SKU",
                   "投放文件夹中的散落文件：请放入以货号命名的文件夹"),
    "folder-refused": ("shoot folder '{folder}' refused: {detail}. Rename the folder to the product's SKU "
                       "(e.g. A1234), or shoot its SKU slate as the first frame (File › Print SKU slates)",
                       "拍摄文件夹“{folder}”被拒绝：{detail}。请把文件夹改名为商品货号（如 A1234），"
                       "或第一张先拍该商品的货号牌（文件 › 打印货号牌）"),
    "companion-orphan": ("its RAW {raw} was not taken (see its reason), so this camera JPEG was not either: "
                         "remove or replace the RAW and run again to use the JPEG",
                         "对应的 RAW {raw} 未能处理（见其原因），因此相机 JPEG 也未处理：删除或替换该 RAW 后重新运行即可使用此 JPEG"),
    "companion-promoted": ("its RAW {raw} failed, so this camera JPEG is the frame",
                           "对应的 RAW {raw} 处理失败，改用这张相机 JPEG 作为该帧"),
    "slate": ("SKU slate of {sku}: names the shoot, not a product photo",
              "{sku} 的货号牌：用于命名本次拍摄，不是商品照片"),
    "slate-renames": ("SKU slate of {sku} in folder '{folder}': the frames go to {sku}",
                      "文件夹“{folder}”中有 {sku} 的货号牌：照片归入 {sku}"),
    "not-a-photo-type": ("not a photo type imgprep reads ({ext})", "不是 imgprep 能读取的照片类型（{ext}）"),
    "video-not-photo": ("a video ({ext}), not a photo: left in place", "视频（{ext}），不是照片：留在原处"),
    "video-still-not-taken": ("the Live Photo video of {still}, which was not taken (see its reason): left in "
                              "place until that photo is in the library",
                              "{still} 的实况照片视频：该照片未能处理（见其原因），视频留在原处，待照片入库后再处理"),
    "not-moved": ("not moved: no verified copy in the library", "未移动：图库中没有经过校验的副本"),
    "move-failed": ("processed, but could not move it to done/: {detail}", "已处理，但无法移到 done/：{detail}"),
    "missing-from-library": ("in the journal but missing from the library", "日志中有记录，但图库中缺失"),
    "library-copy-changed": ("its library copy {path} no longer matches the source (changed or damaged): "
                             "kept aside as {aside}, taken again from the source",
                             "图库副本 {path} 与源文件不再一致（被修改或损坏）：已移至 {aside} 保留，从源文件重新导入"),
    "library-copy-unreadable": ("its library copy {path} cannot be read ({detail})",
                                "无法读取图库副本 {path}（{detail}）"),
    "library-copy-not-moved": ("its library copy {path} no longer matches the source and could not be put aside "
                               "({detail}): left as it is, move it away and run again",
                               "图库副本 {path} 与源文件不再一致，且无法移开（{detail}）：保持原样，请将其移走后重新运行"),
    # finding the reference card (core.colour.detect)
    "no-card": ("no colour card found", "未找到色卡"),
    "light-across-card": ("the light changes across the card: {rows} % from the top row to the grey row, "
                          "{cols} % from the white patch's side to the black's; evened out before the fit",
                          "色卡上光照不均匀：从第一行到灰阶行 {rows}%，从白色块一侧到黑色块一侧 {cols}%；拟合前已校平"),
    "frame-brightened": ("the frame reaches only {level} % of its 16-bit range (10-14 bits written unscaled?): "
                         "the card was searched and measured {gain}× brighter in linear light, and the correction "
                         "brightens this camera's frames as much",
                         "画面只用到 16 位范围的 {level}%（10–14 位数据未缩放写入？）：色卡在线性光下提亮 {gain} 倍后查找和测量，"
                         "校正会把该相机的画面同样提亮"),
    "card-greyscale": ("the image has no colour (greyscale): a colour card cannot be measured in it",
                       "图片没有颜色（灰度图）：无法在其中测量色卡"),
    "card-clipped-patches": ("{n} patches clipped (over/under-exposed or outside)",
                             "{n} 个色块过曝、欠曝或在画面之外"),
    "card-neutral-not-monotonic": ("neutral row is not a monotonic grey scale", "中性灰一行不是由亮到暗的灰阶"),
    "card-neutral-coloured": ("neutral patches differ in colour", "中性灰色块之间颜色不一致"),
    "card-hues": ("patch hues do not follow the reference card", "色块色相与标准色卡不符"),
    "card-inconsistent": ("patch colours inconsistent with the reference (fit ΔE mean {mean}, {bad} patches > {limit}); "
                          "covered card or another layout?",
                          "色块颜色与标准值不一致（拟合平均 ΔE {mean}，{bad} 个色块 > {limit}）；色卡被遮挡，或是其他版式？"),
    "card-no-ordering": ("no ordering fits", "没有相符的色块排列"),
    "card-too-few-agree": ("only {n} of {total} patches agree with the reference card (a fit needs {need}, "
                           "of most hues; {more} more when fewer than {greys} greys agree)",
                           "只有 {n}/{total} 个色块与标准色卡相符（拟合至少需要 {need} 个，覆盖多数色相；"
                           "相符的灰阶色块少于 {greys} 个时需多 {more} 个）"),
    "card-larger-chart": ("the patch grid continues beyond 4x6: part of a larger chart (e.g. a Digital SG), not a Classic 24",
                          "色块网格超出 4x6：这是更大色卡（如 Digital SG）的一部分，不是 Classic 24"),
    "card-ambiguous": ("card orientation is ambiguous", "无法确定色卡方向"),
    "card-image-too-small": ("image of {width}x{height} px is too small or too thin to hold a card (at least {side} px a side, at most 30:1)",
                             "图片 {width}x{height} 像素，太小或太窄，放不下色卡（每边至少 {side} 像素，长宽比不超过 30:1）"),
    # correction models (imgprep.core.colour.models.CORRECTION_MODELS) by name, for people
    "model-white-balance": ("white balance", "白平衡"),
    "model-matrix3x3": ("3×3 matrix", "3×3 矩阵"),
    "model-curve+matrix": ("tone curve + matrix", "色调曲线 + 矩阵"),
    "model-root-polynomial": ("root-polynomial", "根多项式"),
    "model-curve+root-polynomial": ("tone curve + root-polynomial", "色调曲线 + 根多项式"),
    "model-blend": ("blend of tone curve + matrix and tone curve + root-polynomial",
                    "色调曲线 + 矩阵与色调曲线 + 根多项式的混合"),
    "card-unverified": ("the patch colours do not confirm a card at the clicked corners: the fit uses them as "
                        "clicked (patch 1 first, clockwise) — check the figures and the preview before applying it",
                        "所点位置的色块颜色无法确认是色卡：按所点的四角（先 1 号色块，再顺时针）拟合——"
                        "应用前请核对数据和预览"),
    "card-few-greys": ("fewer than 3 grey patches are usable (covered?): the correction is fitted on the colour "
                       "patches, with one tone curve for all three channels; light and dark tones are less exact — "
                       "uncover the grey row for the best result",
                       "可用的灰阶色块少于 3 个（被遮挡？）：校正仅由彩色色块拟合，三个通道共用一条影调曲线，"
                       "亮部和暗部不够准确——露出灰阶一行可得到最佳结果"),
    "card-white-balance-only": ("too few clean colour patches for a colour correction: white balance only",
                                "可用的彩色色块太少，无法做颜色校正：仅做白平衡"),
    "card-white-balance-hues": ("the clean colour patches lie on one side of grey or along one line (too few kinds "
                                "of colour for a colour correction): white balance only",
                                "可用的彩色色块色相都在灰轴一侧或同一直线上（颜色种类不足，无法做颜色校正）：仅做白平衡"),
    "patch-outside": ("outside the frame", "在画面之外"),
    "patch-clipped": ("clipped (over- or under-exposed)", "过曝或欠曝"),
    "patch-gamut": ("a channel at 0: a colour outside sRGB, or crushed", "有通道为 0：超出 sRGB 色域或暗部被压死"),
    "patch-gamut-partial": ("a channel at 0: the fit takes its other two channels only",
                            "有通道为 0：仅其余两个通道参与拟合"),
    "patch-uneven": ("uneven (covered in part, glare or an edge across it)", "不均匀（部分遮挡、反光或有边缘穿过）"),
    "patch-outlier": ("does not fit the rest of the card (covered, stained or glare)",
                      "与色卡其余色块不符（被遮挡、污损或反光）"),
    "card-in-shadow-unconfirmed": ("patches agree only as a card partly in shadow, and the patches' centres do not "
                                   "confirm the grid", "仅在按部分阴影判断时色块才相符，且色块中心与网格不符"),
    "patch-shadow": ("in another light than the patches used (a shadow across the card)",
                     "与所用色块不在同一光照下（色卡上有阴影）"),
    "card-in-shadow": ("the card lies partly in a shadow: the correction is for the light on the brighter part; "
                       "the patches in the shadow ({stops} stops darker) are left out",
                       "色卡有一部分在阴影中：按较亮部分的光照校正，阴影中的色块（暗 {stops} 档）未参与"),
    "card-in-shadow-dark": ("the card lies partly in a shadow, and its grey row in the shadow: the correction is for "
                            "the shadow's light, {stops} stops darker than on the rest of the card; if the product "
                            "was lit like the rest, shoot the card again evenly lit",
                            "色卡有一部分在阴影中，且灰阶在阴影里：按阴影处的光照校正（比色卡其余部分暗 {stops} 档）；"
                            "若商品的光照与色卡其余部分相同，请在均匀光照下重拍色卡"),
    "card-veiled": ("a veil of light lies over the card (lens flare, haze or a reflection: about {pct} % of its white); "
                    "it was taken out of the patches before the fit, and the product frames are corrected as they are; "
                    "shade the lens or move the light and shoot the card again for the best result",
                    "色卡上覆盖着一层杂光（镜头眩光、雾气或反光：约为白色块的 {pct}%）；拟合前已从色块中扣除，商品照片按原样校正；"
                    "遮挡镜头或调整灯光后重拍色卡效果最佳"),
    "patches-excluded": ("{n} patch(es) left out of the fit and the summary: {which}",
                         "{n} 个色块未参与拟合与统计：{which}"),
    "patches-partial": ("{n} patch(es) with a channel at 0 count in the fit by their other two channels only, "
                        "and not in the summary: {which}",
                        "{n} 个色块有通道为 0：仅以其余两个通道参与拟合，不计入统计：{which}"),
    "patches-weighed-less": ("{n} patch(es) close to a limit (bright, dark, uneven or hardly fitting the rest of"
                             " the card) count for less than half in the fit: {which}",
                             "{n} 个色块接近极限（过亮、过暗、不均匀或与色卡其余色块勉强相符），在拟合中的权重不到一半：{which}"),
    "grey-not-found": ("no uniform low-chroma region (grey card) found", "未找到均匀的低彩度区域（灰卡）"),
    "grey-clipped": ("grey card is clipped", "灰卡过曝或欠曝"),
    # the description page (core.imaging.page, app.page): each names the SKU
    "page-not-in-sheet": ("{sku}: not in the product sheet: the page has no name, spec table, dimensions "
                          "or size chart", "{sku}：不在商品信息表中：详情页没有商品名称、参数表、尺寸和尺码表"),
    "page-no-hero": ("{sku}: no hero image: the page has no hero photo", "{sku}：没有主图：详情页缺少主图"),
    "page-few-details": ("{sku}: {have} selling-point pictures, the template asks for {need}",
                         "{sku}：卖点图 {have} 张，模板要求 {need} 张"),
    "page-no-dimensions": ("{sku}: the product sheet gives no 长/宽/高: no dimensions section",
                           "{sku}：商品信息表没有长/宽/高：详情页无尺寸说明"),
    "page-dimension-lines": ("{sku}: no dimension lines on {frame} ({reason}): the figures are given as text",
                             "{sku}：无法在 {frame} 上画尺寸线（{reason}）：尺寸以文字给出"),
    "page-no-sizes": ("{sku}: the product sheet gives no sizes in column '{column}': no size chart",
                      "{sku}：商品信息表“{column}”列没有尺码：详情页无尺码表"),
    "page-no-column": ("{sku}: the product sheet has no value in the column(s) {columns} the template's size "
                       "chart names", "{sku}：商品信息表中没有模板尺码表所需的列 {columns} 的数据"),
    "page-size-count": ("{sku}: column '{column}' has {have} values for {sizes} sizes",
                        "{sku}：“{column}”列有 {have} 个数值，但有 {sizes} 个尺码"),
    "page-banner": ("{sku}: the template's image {file} cannot be read ({detail}): left out",
                    "{sku}：无法读取模板图片 {file}（{detail}）：已略去"),
    "page-too-long": ("{sku}: the page is {height} px long, over the {limit}-px limit of a JPEG: cut short",
                      "{sku}：详情页长 {height} 像素，超过 JPEG 的 {limit} 像素上限：已截断"),
    "page-no-shoot": ("{sku}: no such SKU in this library", "{sku}：图库中没有此货号"),
    "page-glyphs": ("{sku}: the bundled font lacks {chars}: drawn as '?'", "{sku}：内置字体缺少 {chars}：以“?”代替"),
    "page-missing": ("no description page yet (run imgprep page)", "还没有详情页（运行 imgprep page）"),
    "page-stale": ("{path} is out of date: the {what} changed since it was built (run imgprep page)",
                   "{path} 已过期：生成后{what}有变化（运行 imgprep page）"),
    # rule checks (app.check): `imgprep check`, the shoot list's tooltips
    "check-no-photos": ("no photos in the library yet", "图库中还没有照片"),
    "check-failed": ("{file} failed: {detail}", "{file} 处理失败：{detail}"),
    "check-uncorrected": ("colour not corrected (shot before any card): {files}, {count} in all",
                          "颜色未校正（在色卡之前拍摄）：{files}，共 {count} 张"),
    "check-cancelled": ("cancelled: {done} of {total} photos processed; add the folder again to finish",
                        "已取消：{total} 张照片只处理了 {done} 张；请重新添加该文件夹以完成"),
    "check-file-missing": ("{path} is in the journal but missing from the library",
                           "{path} 在日志中有记录，但图库中缺失"),
    "check-file-changed": ("{path} no longer matches the journal's hash (changed or damaged)",
                           "{path} 与日志记录的哈希不一致（被修改或损坏）"),
    "check-no-hero": ("no rendered hero image", "没有已生成的主图"),
    "check-hero-missing": ("hero rendition '{name}' missing", "缺少主图版本“{name}”"),
    "check-width": ("{path} is {width} px wide; the preset wants {want}",
                    "{path} 宽 {width} px；预设要求 {want}"),
    "glyphs-left-out": ("{path}: no font can draw {chars}: left out of the picture (change the text or install a font that has it)",
                        "{path}：没有字体能显示 {chars}，已从图片中省略（请修改文字或安装含有该字符的字体）"),
    "check-no-panel": ("{path} has no spec panel (SKU not in the product sheet?)",
                       "{path} 没有参数面板（货号不在商品信息表中？）"),
    "check-details": ("{have} of {need} selling-point pictures ({missing} missing)",
                      "卖点细节图 {have}/{need} 张（缺 {missing} 张）"),
    "check-no-callout": ("{path} has no selling-point callout", "{path} 没有卖点标注"),
    "check-no-watermark": ("{path} has no watermark", "{path} 没有水印"),
    "check-no-backup": ("no backup configured (choose a backup folder in Settings, or run batch with --backup)",
                        "未设置备份（请在“设置”中选择备份文件夹；命令行加 --backup）"),
    "check-backlog": ("{count} file(s) not backed up yet, e.g. {path}", "{count} 个文件尚未备份，例如 {path}"),
    "check-no-fit": ("a card was shot but no colour fit was made", "拍了色卡，但没有做颜色拟合"),
    "check-colour-fails": ("colour report fails: ΔE2000 on colours not on the card mean {mean}, max {max}"
                           " (pass: mean ≤ {limit_mean}, max ≤ {limit_max})",
                           "色差报告不合格：色卡以外颜色的 ΔE2000 平均 {mean}，最大 {max}（合格：平均 ≤ {limit_mean}，最大 ≤ {limit_max}）"),
    "check-not-in-sheet": ("not in the product sheet", "不在商品信息表中"),
    "check-spec-missing": ("missing in the product sheet: {fields}", "商品信息表中缺少：{fields}"),
    "check-overdue": ("overdue by {days} day(s) (arrived {arrival})", "已超期 {days} 天（到货 {arrival}）"),
    # SKU rules (core.naming.validate_sku): shoot folders, product-sheet rows
    "sku-empty": ("SKU is empty", "货号为空"),
    "sku-separator": ("SKU {sku} contains a path separator", "货号 {sku} 含有路径分隔符"),
    "sku-control": ("SKU {sku} contains control characters", "货号 {sku} 含有控制字符"),
    "sku-dot-dot": ("SKU {sku} contains '..'", "货号 {sku} 含有“..”"),
    "sku-too-long": ("SKU {sku} is {length} characters long; at most {limit} are allowed",
                     "货号 {sku} 有 {length} 个字符；最多允许 {limit} 个"),
    "sku-characters": ("SKU {sku} contains {bad}; only letters A–Z, digits and - _ . are allowed",
                       "货号 {sku} 含有 {bad}；只能使用字母 A–Z、数字和 - _ . 这几个符号"),
    "sku-start": ("SKU {sku} must not start with '{char}'", "货号 {sku} 不能以“{char}”开头"),
    "sku-end-dot": ("SKU {sku} must not end with '.' (Windows drops it)",
                    "货号 {sku} 不能以“.”结尾（Windows 会把它去掉）"),
    "sku-reserved": ("SKU {sku} is a name Windows reserves for devices", "货号 {sku} 是 Windows 保留给设备的名称"),
    "sku-imgprep": ("SKU {sku} is a name imgprep uses for its own files in the library",
                    "货号 {sku} 是本程序在图库中自用的文件名"),
    # the product sheet (core.catalogue): the file as a whole (ConfigError message and hint)
    "sheet-cannot-open": ("cannot open the product sheet: {detail}", "无法打开商品信息表：{detail}"),
    "sheet-cannot-open-hint": ("check the path and that the file is not open elsewhere",
                               "请检查路径，并确认文件没有在其他程序中打开"),
    "sheet-too-big": ("the sheet is {size} MiB; at most {limit} MiB are read",
                      "商品信息表有 {size} MiB；最多只读取 {limit} MiB"),
    "sheet-too-big-hint": ("split it into smaller sheets", "请把它拆分成几个较小的表"),
    "sheet-part-too-big": ("the workbook's part {part} unpacks to {size} MiB; at most {limit} MiB are read",
                           "工作簿中的 {part} 解压后有 {size} MiB；最多只读取 {limit} MiB"),
    "sheet-too-many-cells": ("the sheet holds more than {limit} cells (rows × columns, empty ones too); "
                             "at most {limit} are read",
                             "商品信息表的单元格超过 {limit} 个（行 × 列，含空单元格）；最多只读取 {limit} 个"),
    "sheet-part-too-many-cells": ("the workbook's part {part} holds more than {limit} cells (empty ones too); "
                                  "at most {limit} are read",
                                  "工作簿中的 {part} 有超过 {limit} 个单元格（含空单元格）；最多只读取 {limit} 个"),
    "sheet-encoding-mixed": ("the sheet mixes encodings: UTF-8 up to byte {byte} (line {line}), then not "
                             "({reason})",
                             "商品信息表混用了多种编码：第 {byte} 字节（第 {line} 行）之前是 UTF-8，之后不是（{reason}）"),
    "sheet-xls": ("old Excel 97-2003 (.xls) workbooks are not read",
                  "不能读取旧版 Excel 97-2003 工作簿（.xls）"),
    "sheet-xls-hint": ("save it as .xlsx or CSV UTF-8", "请另存为 .xlsx 或 CSV UTF-8 格式"),
    "sheet-encoding": ("the sheet is neither UTF-8 nor GBK/GB18030 text ({reason} at byte {byte})",
                       "商品信息表既不是 UTF-8 也不是 GBK/GB18030 编码的文本（第 {byte} 字节：{reason}）"),
    "sheet-encoding-hint": ("save it from Excel as 'CSV UTF-8' or as .xlsx",
                            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx"),
    "sheet-workbook": ("cannot read the workbook: {detail}", "无法读取工作簿：{detail}"),
    "sheet-workbook-hint": ("open it in Excel and save it again as .xlsx", "请用 Excel 打开，再另存为 .xlsx"),
    "sheet-not-csv": ("not a readable CSV file: {detail}", "不是可读取的 CSV 文件：{detail}"),
    "sheet-not-csv-hint": ("save it from Excel as 'CSV UTF-8'", "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"),
    "sheet-no-sku-column": ("no SKU column in the first {rows} rows", "前 {rows} 行中没有货号列"),
    "sheet-no-sku-column-any": ("no SKU column in the first {rows} rows of any sheet (last: {sheet})",
                                "所有工作表的前 {rows} 行中都没有货号列（最后一个工作表：{sheet}）"),
    "sheet-no-sku-column-hint": ("add a header row with a column named 货号 or SKU",
                                 "请加一行表头，其中一列命名为“货号”或“SKU”"),
    # the product sheet: rows and cells (catalogue.SheetProblem, shown as "row 7, column '长(cm)': …")
    "sheet-at-row-column": ("row {row}, column '{column}': {message}", "第 {row} 行“{column}”列：{message}"),
    "sheet-at-row": ("row {row}: {message}", "第 {row} 行：{message}"),
    "sheet-at-column": ("sheet, column '{column}': {message}", "表中“{column}”列：{message}"),
    "sheet-at-sheet": ("sheet: {message}", "表中：{message}"),
    "sheet-selling-point-twice": ("selling point {n} appears twice; the first is used",
                                  "卖点 {n} 出现了两次；使用第一列"),
    "sheet-second-column": ("a second '{field}' column (first: '{first}'); it is ignored",
                            "又一个“{field}”列（第一个是“{first}”）；此列已忽略"),
    "sheet-columns-capped": ("only the first {limit} columns are read", "只读取前 {limit} 列"),
    "sheet-selling-points-capped": ("only {limit} selling-point columns are read", "只读取 {limit} 个卖点列"),
    "sheet-rows-capped": ("only {limit} rows are read; the rest is ignored", "只读取 {limit} 行；其余的已忽略"),
    "sheet-row-too-wide": ("the row has cells past column {limit}; they are ignored",
                           "此行第 {limit} 列之后还有单元格；已忽略"),
    "sheet-duplicate-pair": ("duplicate SKU {sku} in rows {first} and {second} with different facts; "
                             "neither row is used",
                             "货号 {sku} 在第 {first} 行和第 {second} 行重复，且信息不同；两行都未采用"),
    "sheet-duplicate": ("duplicate SKU {sku} in rows {rows} with different facts; neither row is used",
                        "货号 {sku} 在第 {rows} 行重复，且信息不同；这些行都未采用"),
    "sheet-repeat-pair": ("SKU {sku} repeats row {row} identically (rows {first} and {second}); the first is used",
                          "货号 {sku} 与第 {row} 行完全相同（第 {first} 行和第 {second} 行）；采用第一行"),
    "sheet-repeat": ("SKU {sku} repeats row {row} identically (rows {rows}); the first is used",
                     "货号 {sku} 与第 {row} 行完全相同（第 {rows} 行）；采用第一行"),
    "sheet-text-capped": ("{length} characters; the first {limit} are kept", "共 {length} 个字符；只保留前 {limit} 个"),
    "sheet-missing-sku": ("missing SKU; row skipped", "缺少货号；此行已跳过"),
    "sheet-bad-sku": ("{detail}; row skipped", "{detail}；此行已跳过"),
    "sheet-not-a-number": ("{value} is not a number", "{value} 不是数字"),
    "sheet-not-positive": ("{value} must be a positive number", "{value} 必须是正数"),
    "sheet-implausible": ("{value} cm is implausibly large", "{value} 厘米，大得不合理"),
    "sheet-not-dimensions": ("{value} is not length×width×height", "{value} 不是“长×宽×高”的格式"),
    "sheet-not-a-date": ("{value} is not a date (use 2026-11-20)", "{value} 不是日期（请写成 2026-11-20）"),
    # a preset or product sheet that is wrong (core.errors.ConfigError)
    "config-error": ("{file}: {message} (hint: {hint})", "{file}：{message}（提示：{hint}）"),
    "config-error-key": ("{file}, key '{key}': {message} (hint: {hint})", "{file}，“{key}”：{message}（提示：{hint}）"),
    # the journal (core.journal, core.journal_pg, app.watch, cli)
    "journal-on-network": ("the library {library} is on a network filesystem ({fstype}): its SQLite journal "
                           "would be corrupted or hand out a number twice when several computers use it; keep "
                           "a one-station library on a local disk, or use a server journal "
                           "(--journal postgresql://…, or the app's settings)",
                           "图库 {library} 位于网络文件系统（{fstype}）上：多台电脑同时使用时，其 SQLite 日志会损坏"
                           "或重复分配编号；单机图库请放在本地磁盘，多台电脑请使用服务器日志"
                           "（--journal postgresql://…，或在程序设置中填写）"),
    "journal-has-sqlite": ("the library {library} has a one-station journal (imgprep.sqlite); move it to the "
                           "server first", "图库 {library} 已有单机日志（imgprep.sqlite）；请先将其迁移到服务器"),
    "journal-unreachable": ("the journal server {server} cannot be reached ({detail}); start it or check the "
                            "address, then run again",
                            "无法连接日志服务器 {server}（{detail}）；请启动服务器或检查地址后重新运行"),
    "journal-lost": ("the connection to the journal server {server} was lost ({detail})",
                     "与日志服务器 {server} 的连接已断开（{detail}）"),
    "journal-other-library": ("the journal server {server} keeps the journal of another library (id {id}); "
                              "this library's id is {mine}",
                              "日志服务器 {server} 保存的是另一个图库的日志（编号 {id}）；本图库的编号是 {mine}"),
    "journal-migrated": ("{rows} rows copied to {server} and verified; the SQLite journal was kept as {kept}",
                         "已将 {rows} 行复制到 {server} 并核对无误；SQLite 日志已保留为 {kept}"),
    "journal-migrate-differs": ("table {table}: {detail} after the copy; nothing was changed in the library",
                                "表 {table}：复制后{detail}；图库未作任何更改"),
    "journal-nothing-to-move": ("the library {library} has no one-station journal ({name}) to move",
                                "图库 {library} 没有可迁移的单机日志（{name}）"),
    "journal-server-not-empty": ("the journal server {server} already holds a journal ({rows} rows); "
                                 "migrate into an empty database",
                                 "日志服务器 {server} 已有日志（{rows} 行）；请迁移到空数据库"),
    "journal-failed": ("{detail}; the run stopped: what was done is kept, run again when the server is back",
                       "{detail}；本次运行已停止：已完成的部分均已保留，服务器恢复后请重新运行"),
    "watch-standby": ("another station watches this drop folder ({holder}); standing by to take over",
                      "另一台电脑正在监视此投放文件夹（{holder}）；本机待命，随时接替"),
    "watch-taking-over": ("this station now watches the drop folder", "本机现在接管监视投放文件夹"),
    "being-processed-elsewhere": ("being processed by another station", "另一台电脑正在处理"),
    # the backup (app.backup, app.batch, app.watch, app.services)
    "backup-unreachable": ("backup folder {root} is not reachable (share not mounted?)",
                           "无法访问备份文件夹 {root}（共享盘没有挂载？）"),
    "backup-other-library": ("backup folder {root} belongs to another library (marker {marker} has id {id})",
                             "备份文件夹 {root} 属于另一个图库（标记文件 {marker} 中的编号为 {id}）"),
    "backup-marker-lost": ("backup folder {root} has lost its marker file {marker}: an empty mount point? "
                           "(copies are queued)",
                           "备份文件夹 {root} 中的标记文件 {marker} 不见了：是空的挂载点吗？（待备份的文件已排队）"),
    "backup-not-empty": ("backup folder {root} is not empty and has no {marker} marker; "
                         "choose an empty folder for a new backup",
                         "备份文件夹 {root} 不是空的，也没有 {marker} 标记文件；新建备份请选择一个空文件夹"),
    "backup-marker-unreadable": ("backup folder {root}: its marker file {marker} is damaged (not imgprep's); "
                                 "copies wait: restore the marker or choose an empty folder",
                                 "备份文件夹 {root}：标记文件 {marker} 已损坏（不是本程序写入的）；待备份的文件在排队："
                                 "请恢复标记文件或选择一个空文件夹"),
    "backup-copy-changed": ("the backup copy changed since it was verified (not overwritten)",
                            "备份副本在校验后被改动过（未覆盖）"),
    "backup-copy-missing": ("the backup copy is gone since it was verified", "备份副本在校验后不见了"),
    "backup-folder-error": ("backup folder {root}: {detail}", "备份文件夹 {root}：{detail}"),
    "backup-unavailable": ("backup unavailable", "备份不可用"),
    "backup-share-gone": ("backup share not reachable", "无法访问备份共享盘"),
    "backup-conflict": ("a different file is already there (hash {hash}); not overwritten",
                        "该位置已有一个不同的文件（哈希 {hash}）；未覆盖"),
    "backup-failures": ("{count} file(s) not backed up; first: {file}: {detail}",
                        "{count} 个文件未能备份；第一个：{file}：{detail}"),
    "backup-file-failed": ("backup {file}: {detail}", "备份 {file}：{detail}"),
    "backup-not-in-library": ("not in the library", "不在图库中"),
    "backup-thread-stopped": ("backup thread stopped: {detail}", "备份线程已停止：{detail}"),
    # copying files (core.fsutil, via core.errors.FileOpError); the backup reports them
    "while-backing-up": ("while backing up {src} to {dst}: {detail}", "备份 {src} 到 {dst} 时出错：{detail}"),
    "while-copying": ("while copying {src} to {dst}: {detail}", "复制 {src} 到 {dst} 时出错：{detail}"),
    "while-naming": ("while naming {src} to {dst}: {detail}", "将 {src} 重命名为 {dst} 时出错：{detail}"),
    "while-writing": ("while writing to {dst}: {detail}", "写入 {dst} 时出错：{detail}"),
    "copy-source-changed": ("source changed while copying (hash {got} ≠ {want})",
                            "复制过程中源文件发生了变化（哈希 {got} ≠ {want}）"),
    "copy-read-back": ("copy does not read back equal (hash {got} ≠ {want})",
                       "副本读回校验不一致（哈希 {got} ≠ {want}）"),
    # an operating-system error as Python words it (str(OSError(errno, text)))
    "os-error": ("[Errno {errno}] {detail}", "{detail}（错误代码 {errno}）"),
    # designers' PSDs (app.batch)
    "psd-not-photoshop": ("{name} is not a Photoshop document ({detail})", "{name} 不是 Photoshop 文档（{detail}）"),
    "psd-signature": ("starts with {head}, not 8BPS", "开头是 {head}，不是 8BPS"),
    "psd-version": ("version {version}; 1 (PSD) or 2 (PSB) expected", "版本为 {version}；应为 1（PSD）或 2（PSB）"),
    "psd-header-short": ("header truncated: {size} of 26 bytes", "文件头不完整：只有 {size}/26 字节"),
    "psd-no-frame": ("no frame of {sku} is named {stem}: filed as {name}", "{sku} 中没有名为 {stem} 的图片：存为 {name}"),
    "psd-revision": ("{name} already holds another PSD: kept as {revision}", "{name} 已有另一个 PSD：存为 {revision}"),
    # white-background image and listing export (core.imaging.cutout, app.export)
    "cutout-busy": ("the background is not a plain studio backdrop (noise ΔE {noise}): no white-background image; shoot on a sweep or brush a correction",
                    "背景不是纯色影棚背景（噪声 ΔE {noise}）：不生成白底图；请用背景纸拍摄或手工刷选修正"),
    "cutout-edge": ("the product touches the frame's edge: no white-background image; leave a margin around it or brush a correction",
                    "商品碰到了画面边缘：不生成白底图；拍摄时四周留出空白，或手工刷选修正"),
    "cutout-no-product": ("no product stands out from the backdrop: no white-background image",
                          "没有从背景中分离出商品：不生成白底图"),
    "cutout-too-big": ("the product fills almost the whole frame: no backdrop to remove",
                       "商品几乎占满整个画面：没有可去除的背景"),
    "export-no-journal": ("{library}: no library journal here (process shoots first)",
                          "{library}：这里没有图库日志（请先处理拍摄）"),
    "export-unknown-sku": ("{sku}: not in the library", "{sku}：图库中没有这个货号"),
    "export-nothing-rendered": ("{sku}: no rendered product photos to export", "{sku}：没有可导出的已生成商品图"),
    "export-white-refused": ("{frame}: no white-background image: {reason}", "{frame}：未生成白底图：{reason}"),
    "export-over-cap": ("{frame}: {size} bytes at quality {quality}, over the platform's {cap}-byte cap: left out",
                        "{frame}：质量 {quality} 时仍有 {size} 字节，超过平台 {cap} 字节上限：未导出"),
    "export-title-cut": ("{sku}: the title is cut to the platform's {units} units: {title}",
                         "{sku}：标题已按平台上限截为 {units} 个字符单位：{title}"),
    "export-page-width": ("{sku}: the description page is {width} px wide; {platform} wants {wanted}: rebuild it with a template of that width",
                          "{sku}：详情页宽 {width} 像素，{platform} 需要 {wanted} 像素：请用该宽度的模板重新生成"),
    "export-detail-limits": ("{file}: {width}×{height} px, {size} bytes, beyond the platform's limits (height {max_height} px, {cap} bytes): left out",
                             "{file}：{width}×{height} 像素，{size} 字节，超出平台限制（高 {max_height} 像素，{cap} 字节）：未导出"),
    "cutout-low-contrast": ("the product's edge barely differs from the backdrop (ΔE {contrast}): no white-background image; shoot it on a backdrop of another colour",
                            "商品边缘与背景几乎同色（ΔE {contrast}）：不生成白底图；请换一种颜色的背景拍摄"),
}

# Words inside messages that are values rather than text.
_VALUES_ZH = {"pass": "合格", "FAIL": "不合格"}
# Values of one field only: product-sheet field names (catalogue keys), Python's codec
# reasons, ConfigError's stand-in for a missing file name.
_FIELD_VALUES_ZH: dict[str, dict[str, str]] = {
    "field": {"sku": "货号", "name": "商品名称", "colour": "颜色", "fabric": "面料", "size": "尺码",
              "description": "商品说明", "length": "长", "width": "宽", "height": "高",
              "dimensions": "长宽高", "arrival": "到货日期"},
    "reason": {"illegal multibyte sequence": "非法的多字节序列",
               "incomplete multibyte sequence": "不完整的多字节序列",
               "invalid start byte": "无效的起始字节", "invalid continuation byte": "无效的后续字节",
               "unexpected end of data": "数据意外结束"},
    "file": {"configuration": "配置"},
    "what": {"template": "模板", "product sheet": "商品信息", "photos or callouts": "图片或卖点标注",
             "section toggles": "栏目开关", "page layout": "版式"},
}


# Any other error, by its own text (error_reason): shown as it is in every language, so
# not in MESSAGES (whose texts all have Chinese) and never read back.
ERROR_TEXT = "error-text"
_TEMPLATES: dict[str, tuple[str, str]] = {**MESSAGES, ERROR_TEXT: ("{detail}", "{detail}")}


def is_code(code: object) -> bool:
    """Whether ``code`` names a message a :class:`Reason` can carry."""
    return code in _TEMPLATES


def say(code: str, **args: object) -> str:
    """The English text of message ``code`` with ``args`` filled in."""
    return _TEMPLATES[code][0].format(**args)


@dataclass(frozen=True)
class Reason:
    """A message as a value: its code in :data:`MESSAGES` and its fields. Code decides
    by ``code``; the text is made at the edges: ``str(reason)`` is the English of the
    journal, the log and ``--json``, :meth:`text` the UI's language."""

    code: str
    args: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **args: object) -> Reason:
        assert code in _TEMPLATES, code
        return cls(code, tuple(args.items()))

    def __str__(self) -> str:
        return say(self.code, **dict(self.args))

    def text(self, language: str) -> str:
        """The message in ``language`` ("zh…", else English), from the catalogue. A field
        that is a reason itself is given in ``language`` too."""
        if not language.startswith("zh"):
            return str(self)
        return _TEMPLATES[self.code][1].format(**{k: _zh_value(k, v) for k, v in self.args})

    def to_json(self) -> str:
        """The fields as JSON (the journal's ``args``); a field that is a reason is kept
        as ``{"code": …, "args": {…}}``."""
        return json.dumps(_plain(self)["args"], ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, code: str, args: str | None) -> Reason:
        """The reason the journal kept as ``code`` and :meth:`to_json`'s ``args``."""
        return _rebuilt(code, json.loads(args or "{}"))


def _zh_value(name: str, value: object) -> object:
    if isinstance(value, Reason):
        return value.text("zh")
    return _FIELD_VALUES_ZH.get(name, {}).get(str(value)) or _VALUES_ZH.get(str(value)) or value


def _plain(r: Reason) -> dict[str, object]:
    return {"code": r.code, "args": {k: _plain(v) if isinstance(v, Reason) else v for k, v in r.args}}


def _rebuilt(code: str, args: dict[str, object]) -> Reason:
    return Reason(code, tuple((k, _rebuilt(str(v["code"]), v.get("args") or {})
                               if isinstance(v, dict) and "code" in v else v) for k, v in args.items()))


def error_reason(e: BaseException) -> Reason:
    """An error that is not one of ours as a reason: an operating-system error by its
    number and words, any other by its text (or its type's name when it has none)."""
    text = str(e).strip()
    if isinstance(e, OSError) and e.errno is not None:
        rest = text.removeprefix(f"[Errno {e.errno}] ")
        if rest != text:
            return Reason.of("os-error", errno=e.errno, detail=rest)
    return Reason.of(ERROR_TEXT, detail=text or type(e).__name__)


# Fields that always hold a whole number match digits only, so a file named "row 2.jpg"
# opening "{file} failed: …" is not read as a product-sheet row.
NUMBER_FIELDS = frozenset({"row", "errno"})


def _field(name: str) -> str:
    return f"(?P<{name}>\\d+)" if name in NUMBER_FIELDS else f"(?P<{name}>.+?)"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    out = []
    # Templates that open with text before those that open with a field, then longest
    # first: a specific message wins over a general one, and a wrapper ("row 5, column
    # 'x': {message}") is not taken apart by a template that ends like its inner message
    # ("{length} characters; the first {limit} are kept").
    for en, zh in sorted(MESSAGES.values(), key=lambda m: (m[0].startswith("{"), -len(m[0]))):
        parts = re.split(r"\{(\w+)\}", en)
        seen: set[str] = set()
        rx = ""
        for i, p in enumerate(parts):
            if i % 2 == 0:
                rx += re.escape(p)
            else:  # a field used twice matches the same text twice
                rx += f"(?P={p})" if p in seen else _field(p)
                seen.add(p)
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
            args = {k: _FIELD_VALUES_ZH.get(k, {}).get(v) or _VALUES_ZH.get(v) or translate(v, language)
                    for k, v in m.groupdict().items()}
            return zh.format(**args)
    return text


# Control characters (C0, DEL, C1) and the bidirectional overrides that reorder a line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: object) -> str:
    """``text`` safe for one line of a terminal: control characters of a file name (an
    escape sequence, a newline) and undecodable bytes shown as ``\\xNN`` / ``\\uNNNN``, so
    they are seen, never obeyed."""
    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (Python's surrogate escape)
            return f"\\x{c - 0xDC00:02x}"
        return f"\\x{c:02x}" if c <= 0xFF else f"\\u{c:04x}"

    return _UNPRINTABLE.sub(esc, str(text))

