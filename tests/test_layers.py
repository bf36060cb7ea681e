"""The core and the app never import Qt (the import-linter contracts in pyproject.toml), and `import imgprep.core` stays light."""

import subprocess
import sys
from pathlib import Path

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


LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    r = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_broken_contract_fails_the_check(tmp_path):
    # The main window imports the shoot view (inside a method): forbidding it must fail.
    config = tmp_path / "broken.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "imgprep"\n\n[[tool.importlinter.contracts]]\n'
        'name = "known broken"\ntype = "forbidden"\nsource_modules = ["imgprep.gui.window"]\n'
        'forbidden_modules = ["imgprep.gui.shoot_view"]\n')
    r = subprocess.run([LINT_IMPORTS, "--no-cache", "--config", str(config)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "known broken BROKEN" in r.stdout, r.stdout
