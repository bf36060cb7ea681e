import pytest

from imgprep.core.errors import ConfigError
from imgprep.core.presets import list_presets, load_preset


def test_default_preset_is_the_shop_rule():
    p = load_preset(None)
    assert p.name == "taobao-710"
    assert [r.width for r in p.for_role("hero")] == [710]
    assert [r.width for r in p.for_role("detail")] == [710]
    assert p.watermark.enabled and p.min_details == 5 and p.sla_days == 3


def test_all_builtin_presets_load():
    assert {p.name for p in list_presets()} >= {"taobao-710", "square-800"}


def _write(tmp_path, text):
    f = tmp_path / "p.toml"
    f.write_text(text, encoding="utf-8")
    return f


BASE = 'name = "x"\n[[rendition]]\nname = "hero"\nwidth = 710\n[watermark]\ntext = "店"\n'


@pytest.mark.parametrize(("extra", "key", "hint"), [
    ("[watermark]\nopactiy = 0.3\n", "watermark.opactiy", "did you mean 'opacity'"),
    ('[colour]\ncard = "spyder"\n', "colour.card", "classic24"),
    ("[[rendition]]\nname = 'd'\nwidth = 0\n", "rendition[1].width", "16–10000"),
    ("[[rendition]]\nname = 'd'\nwidth = 710\nquality = 101\n", "rendition[1].quality", "30–100"),
    ('[backup]\nmirror = "x"\n', "backup.mirror", "known keys"),
    ('colr = 1\n', "colr", "did you mean 'colour'"),
])
def test_bad_presets_name_file_key_and_hint(tmp_path, extra, key, hint):
    text = BASE + extra if not extra.startswith("[watermark]") else BASE.replace('[watermark]\ntext = "店"\n', "") + extra.replace("\n", '\ntext = "店"\n', 1)
    if extra.startswith("colr"):
        text = extra + BASE
    f = _write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_preset(f)
    assert e.value.file == str(f)
    assert e.value.key == key
    assert hint in str(e.value)


def test_not_toml_and_unknown_name(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_preset(_write(tmp_path, "name = "))
    with pytest.raises(ConfigError, match="built-in presets: .*taobao-710"):
        load_preset("no-such-preset")


def test_cli_refuses_a_bad_preset_with_exit_2_and_writes_nothing(tmp_path, run_cli):
    f = _write(tmp_path, BASE + "[colour]\npass_mean = -1\n")
    shoot = tmp_path / "A1"
    shoot.mkdir()
    code, out, err = run_cli("batch", shoot, "--library", tmp_path / "lib", "--preset", f)
    assert code == 2
    assert "colour.pass_mean" in err and str(f) in err
    assert not (tmp_path / "lib").exists()
