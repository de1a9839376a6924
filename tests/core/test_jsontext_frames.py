"""Socket frames are written by orjson (#22), as the same text json writes."""

import json

import orjson
import pytest
from hypothesis import given, strategies as st

from chatdesk.core import jsontext

assert jsontext.orjson is orjson  # the fast path is the one tested below

SAFE_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
FRAMES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | SAFE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SAFE_TEXT, inner, max_size=4),
    max_leaves=12,
)


def reference(frame):
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


@given(FRAMES)
def test_a_frame_is_written_as_json_writes_it(frame):
    text = jsontext.frame_dumps(frame)
    assert text == reference(frame)
    assert json.loads(text) == frame


def test_persian_text_is_sent_unescaped():
    frame = {"type": "message", "message": {"body": "سلام ۱۴۰۵", "seq": 3, "author": None}}
    assert jsontext.frame_dumps(frame) == '{"type":"message","message":{"body":"سلام ۱۴۰۵","seq":3,"author":null}}'


@pytest.mark.parametrize(
    "frame",
    [
        {"body": "\ud800"},  # a lone surrogate: orjson refuses, json writes it (the server then refuses the frame)
        {"n": 2**70},  # beyond 64 bits
        {1: "a"},  # a key that is no string: json writes "1"
    ],
)
def test_what_orjson_refuses_to_write_is_written_by_json(frame):
    with pytest.raises(TypeError):
        orjson.dumps(frame)
    assert jsontext.frame_dumps(frame) == reference(frame)
