"""Can Qt open a window on this Linux desktop? Checks the system libraries the xcb
platform plugin loads, installs the missing ones with apt-get when run as root, else
prints the exact command. Qt-free (it must run before Qt can be imported)::

    python -m imgprep.gui.preflight            # check, install if root
    python -m imgprep.gui.preflight --check    # check only; exit 1 when something is missing
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

# library soname stem → Debian/Ubuntu package (Qt 6.5+ xcb plugin; libEGL for QtGui)
LIBS: dict[str, str] = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon": "libxkbcommon0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "EGL": "libegl1",
    "GL": "libgl1",
    "fontconfig": "libfontconfig1",
    "dbus-1": "libdbus-1-3",
}


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _ldconfig() -> str:
    for exe in ("ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        path = shutil.which(exe) or (exe if os.path.exists(exe) else None)
        if path:
            try:
                return subprocess.run([path, "-p"], capture_output=True, text=True, timeout=20).stdout
            except (OSError, subprocess.SubprocessError):
                pass
    return ""


def missing_libraries() -> list[str]:
    """Packages whose library is not found (empty on non-Linux systems)."""
    if not sys.platform.startswith("linux"):
        return []
    cache = _ldconfig()
    out = []
    for stem, pkg in LIBS.items():
        if ctypes.util.find_library(stem):
            continue
        if f"lib{stem}.so" in cache:
            continue
        out.append(pkg)
    return out


def install_command(pkgs: list[str]) -> list[str]:
    return ["apt-get", "install", "-y", "--no-install-recommends", *pkgs]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pkgs = missing_libraries()
    if not pkgs:
        _out("preflight: the libraries Qt needs are installed")
        return 0
    cmd = install_command(pkgs)
    _out("preflight: Qt needs these system packages: " + " ".join(pkgs))
    if "--check" in argv or not shutil.which("apt-get"):
        _out("install them with:\n  sudo " + " ".join(cmd))
        return 1
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
        r = subprocess.run(cmd, check=False, env=env)
        left = missing_libraries()
        if r.returncode == 0 and not left:
            _out("preflight: installed")
            return 0
        _out("preflight: still missing: " + " ".join(left or pkgs))
        return 1
    _out("run this once (needs administrator rights):\n  sudo " + " ".join(cmd))
    return 1


if __name__ == "__main__":
    sys.exit(main())
