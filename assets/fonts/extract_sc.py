"""Re-extract the bundled fonts (build-time only; imgprep never imports this).

Needs fontTools (``pip install fonttools``) and Debian's ``fonts-noto-cjk`` package
(``apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb x``)::

    python assets/fonts/extract_sc.py [x/usr/share/fonts/opentype/noto]

Writes face 2 (Simplified Chinese) of ``NotoSansCJK-Regular.ttc`` and ``-Bold.ttc``,
unmodified, as ``NotoSansCJKsc-Regular.otf`` and ``NotoSansCJKsc-Bold.otf`` beside this
script: the same fonts upstream publishes as single-face OTFs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
SC_INDEX = 2  # face order in NotoSansCJK-*.ttc: JP, KR, SC, TC, HK, Mono…


def main(src: Path) -> None:
    for weight in ("Regular", "Bold"):
        face = TTCollection(str(src / f"NotoSansCJK-{weight}.ttc")).fonts[SC_INDEX]
        assert face["name"].getDebugName(1) == "Noto Sans CJK SC", face["name"].getDebugName(1)
        face.save(str(HERE / f"NotoSansCJKsc-{weight}.otf"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto"))
