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


def test_cli_batch_in_its_own_process_matches_in_process_output(tmp_path):
    """The console command (forked workers on Linux, no Qt loaded) renders exactly what
    the in-process engine renders."""
    from helpers import photo_array, save_jpeg, tree_hashes

    from imgprep.cli import main

    shoot = tmp_path / "P1"
    for i in range(3):
        save_jpeg(shoot / f"{i}.jpg", photo_array(1600, 1200, seed=i))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "imgprep.cli", "batch", str(shoot), "--library", str(tmp_path / "a"),
                        "--workers", "2"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert main(["batch", str(shoot), "--library", str(tmp_path / "b"), "--workers", "0"]) == 0
    a, b = tree_hashes(tmp_path / "a"), tree_hashes(tmp_path / "b")
    assert len(a) == 6 and a == b
