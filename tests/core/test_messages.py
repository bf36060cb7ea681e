"""Engine messages: one catalogue, both languages, English text translated back."""

import re

import pytest

from imgprep.core.messages import MESSAGES, say, translate


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_round_trips_to_chinese(code):
    en, zh = MESSAGES[code]
    fields = re.findall(r"\{(\w+)\}", en)
    assert sorted(fields) == sorted(re.findall(r"\{(\w+)\}", zh)), code
    args = {f: f"«{f}·值 1.5»" for f in fields}  # values with spaces, dots, Chinese
    text = say(code, **args)
    assert translate(text, "zh_CN") == zh.format(**args)
    assert translate(text, "en") == text
    assert re.search(r"[\u4e00-\u9fff]", zh), f"{code}: no Chinese in the Chinese text"


def test_values_inside_messages_and_unknown_text():
    assert translate(say("colour-result", before="6.1", after="0.8", verdict="FAIL"), "zh") == \
        "颜色：平均 ΔE2000 6.1 → 0.8（不合格）"
    assert translate("something new the catalogue does not know", "zh") == \
        "something new the catalogue does not know"
    assert translate(None, "zh") == ""
    # a specific message is not swallowed by a general one
    assert translate(say("duplicate-of-library", source="a/b.jpg", name="A-01"), "zh") == \
        "与 a/b.jpg 内容相同（已是 A-01）"


def test_a_message_inside_a_message_is_translated_too():
    text = say("stalled", seconds="120", detail=say("incomplete-data", detail="broken data stream"))
    assert translate(text, "zh") == "已 120 秒没有变化，但文件不完整：图像数据不完整或已损坏（broken data stream）"
