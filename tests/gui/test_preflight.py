from imgprep.gui import preflight


def test_preflight_reports_and_never_installs_in_check_mode(monkeypatch, capsys):
    monkeypatch.setattr(preflight, "missing_libraries", lambda: ["libxcb-cursor0"])
    monkeypatch.setattr(preflight.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran")))
    assert preflight.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "apt-get install -y --no-install-recommends libxcb-cursor0" in out


def test_preflight_ok_when_nothing_missing(monkeypatch, capsys):
    monkeypatch.setattr(preflight, "missing_libraries", lambda: [])
    assert preflight.main([]) == 0
    assert "installed" in capsys.readouterr().out


def test_preflight_is_qt_free():
    import subprocess
    import sys

    code = "import sys, imgprep.gui.preflight as p; p.missing_libraries(); print(any(m.startswith('PySide6') for m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "False", r.stderr
