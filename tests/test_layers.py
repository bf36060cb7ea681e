"""The core and the app never import Qt (STYLE.md §1), and `import imgprep.core` stays light."""

import subprocess
import sys

BLOCK_QT = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, Block())
import pkgutil, importlib, imgprep.core, imgprep.app, imgprep.cli
names = []
for pkg in (imgprep.core, imgprep.app):
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):
        importlib.import_module(m.name)
        names.append(m.name)
assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]
print(len(names))
"""


def test_core_and_app_import_with_qt_blocked():
    r = subprocess.run([sys.executable, "-c", BLOCK_QT], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.strip()) >= 10


def test_importing_the_core_is_light():
    code = "import sys, imgprep.core; print(sorted(m for m in ('numpy', 'PIL', 'cv2', 'colour') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stdout + r.stderr
