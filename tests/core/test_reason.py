"""Reasons as values: a message code and its fields; the text made from the catalogue."""

from imgprep.core.messages import MESSAGES, Reason, say


def test_a_reason_is_a_code_and_fields_with_its_text_made_from_the_catalogue():
    r = Reason.of("unchanged", name="A1234-03")
    assert r.code == "unchanged" and dict(r.args) == {"name": "A1234-03"}
    assert str(r) == say("unchanged", name="A1234-03")  # the English of --json and the journal
    assert r.text("zh_CN") == MESSAGES["unchanged"][1].format(name="A1234-03")
    assert r.text("en") == str(r)
    assert r == Reason.of("unchanged", name="A1234-03")  # a value


def test_an_input_error_keeps_its_reason_as_a_value_and_its_text():
    import pickle

    from imgprep.core.errors import InputError

    e = InputError("a.jpg", Reason.of("cannot-read", detail="Permission denied"))
    assert e.reason == "cannot read: Permission denied" and e.why.code == "cannot-read"
    back = pickle.loads(pickle.dumps(e))  # across worker processes
    assert (back.reason, back.why) == (e.reason, e.why)
    assert InputError("a.jpg", "plain text").why is None  # the text alone, as before
