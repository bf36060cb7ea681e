import os
import subprocess
import sys


def test_no_display_says_so_and_exits_2():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "imgprep.cli"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert "no display" in r.stderr


def test_presets_lists_renditions(run_cli):
    code, out, _ = run_cli("presets")
    assert code == 0
    assert "taobao-710" in out and "710 px wide" in out and "800×800" in out


def test_usage_errors_exit_2(run_cli, tmp_path):
    import pytest

    with pytest.raises(SystemExit) as e:
        run_cli("batch", tmp_path)  # --library missing
    assert e.value.code == 2
    code, _, err = run_cli("batch", tmp_path, "--library", tmp_path / "l", "--preset", "nope")
    assert code == 2 and "no preset named 'nope'" in err
