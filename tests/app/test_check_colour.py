"""`imgprep check` and the batch say a colour fit fails in the figures it is judged on."""

import json

from imgprep.app.check import _colour_fails
from imgprep.core.messages import translate


def _fit(doc):
    return {"report": json.dumps(doc), "de_after_mean": 2.01, "de_after_max": 4.54}


def test_a_failing_fit_is_explained_by_its_leave_one_out_figures():
    """A card fitted closely in sample (mean 2.01) fails on leave-one-out (max 7.25):
    the message gives the leave-one-out figures and the limits, not the in-sample mean
    that would read as a pass."""
    doc = {"summary": {"after": {"mean": 2.01, "max": 4.54}, "pass": False},
           "loo": {"mean": 2.70, "max": 7.25}, "thresholds": {"mean": 3.0, "max": 6.0}}
    text = str(_colour_fails(_fit(doc)))
    assert text == ("colour report fails: ΔE2000 on colours not on the card mean 2.70, max 7.25"
                    " (pass: mean ≤ 3, max ≤ 6)")
    assert translate(text, "zh") == "色差报告不合格：色卡以外颜色的 ΔE2000 平均 2.70，最大 7.25（合格：平均 ≤ 3，最大 ≤ 6）"


def test_a_grey_card_is_judged_in_sample_and_said_so():
    """A grey card has no leave-one-out: its in-sample figures and the preset's limits."""
    doc = {"summary": {"after": {"mean": 3.5, "max": 3.5}, "pass": False}, "thresholds": {"mean": 2.5, "max": 5.0}}
    assert "mean 3.50, max 3.50 (pass: mean ≤ 2.5, max ≤ 5)" in str(_colour_fails(_fit(doc)))
