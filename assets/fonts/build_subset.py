"""Rebuild the bundled CJK font subsets (build-time only; imgprep never imports this).

Needs fontTools (``pip install fonttools``) and Debian's ``fonts-noto-cjk`` package::

    apt-get install fonts-noto-cjk
    python assets/fonts/build_subset.py [/usr/share/fonts/opentype/noto]

The character set is written to ``charset.txt`` beside this script, so a rebuild is
reproducible and a reviewer can see what is covered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILY = "Imgprep Sans SC"  # renamed so the subset never shadows a full system Noto
SC_INDEX = 2  # face order in NotoSansCJK-*.ttc: JP, KR, SC, TC, HK, Mono…

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ° ± · × ÷ © ® µ …
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x2030, 0x203B),  # ‰ ′ ″ ‹ › ※
    (0x2103, 0x2103), (0x2109, 0x2109), (0x2116, 0x2116), (0x2122, 0x2122),  # ℃ ℉ № ™
    (0x2160, 0x216B),  # Roman numerals
    (0x2190, 0x2199),  # arrows
    (0x2212, 0x2212), (0x221E, 0x221E), (0x2248, 0x2248), (0x2260, 0x2265),  # − ∞ ≈ ≠ ≤ ≥
    (0x2460, 0x2473),  # ① … ⑳ (numbered selling points)
    (0x25A0, 0x25CF),  # ■ □ ▲ △ ◆ ◇ ○ ● …
    (0x2605, 0x2606), (0x2713, 0x2714),  # ★ ☆ ✓ ✔
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x338E, 0x338F), (0x339C, 0x33A1), (0x33C4, 0x33C4),  # ㎎ ㎏ ㎜ ㎝ ㎞ ㎡ ㏄
    (0xFF01, 0xFF5E),  # full-width forms
    (0xFFE0, 0xFFE6),  # ￠ ￡ ￢ ￣ ￤ ￥ ￦
]
# A few characters common in product copy and names that GB2312 lacks.
EXTRA = "啰喆堃彧旸昊昕晟钰铖玥珺瑄镕缐锂琇犇淼"


def gb2312_chars() -> set[str]:
    """Every character GB2312 encodes: 6763 hanzi plus its 682 symbols."""
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def charset() -> str:
    chars = gb2312_chars() | set(EXTRA)
    for a, b in RANGES:
        chars.update(chr(c) for c in range(a, b + 1))
    return "".join(sorted(chars))


def build(src_dir: Path) -> None:
    from fontTools.ttLib import TTFont

    # Keep only what the source really has, so charset.txt is exactly the coverage.
    have = TTFont(src_dir / "NotoSansCJK-Regular.ttc", fontNumber=SC_INDEX).getBestCmap()
    text = "".join(ch for ch in charset() if ord(ch) in have)
    (HERE / "charset.txt").write_text(text, encoding="utf-8")
    for weight, src in (("Regular", "NotoSansCJK-Regular.ttc"), ("Bold", "NotoSansCJK-Bold.ttc")):
        out = HERE / f"ImgprepSansSC-{weight}.otf"
        subprocess.run(
            [
                sys.executable, "-m", "fontTools.subset", str(src_dir / src),
                f"--font-number={SC_INDEX}", f"--text-file={HERE / 'charset.txt'}",
                "--layout-features=kern,palt,halt", "--notdef-outline",
                "--name-IDs=*", "--name-languages=*", "--drop-tables+=vhea,vmtx,VORG", f"--output-file={out}",
            ],
            check=True,
        )
        font = TTFont(out)
        names = font["name"]
        for rec in list(names.names):
            if rec.nameID in (1, 16):
                rec.string = FAMILY
            elif rec.nameID in (4,):
                rec.string = f"{FAMILY} {weight}" if weight != "Regular" else FAMILY
            elif rec.nameID in (3, 6, 20):
                rec.string = f"ImgprepSansSC-{weight}"
            elif rec.nameID in (2, 17):
                rec.string = weight
        if "CFF " in font:
            cff = font["CFF "].cff
            cff.fontNames = [f"ImgprepSansSC-{weight}"]
        font.save(out)
        print(out.name, out.stat().st_size, "bytes")  # noqa: T201 (build script)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/fonts/opentype/noto"))
