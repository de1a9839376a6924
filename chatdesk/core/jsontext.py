"""JSON from the outside (socket frames, JSON request bodies), parsed strictly.

``json.loads`` accepts two things the rest of the desk cannot use:

- a lone surrogate (``"\\ud800"``): a valid JSON escape, but no UTF-8 text; it fails later, far
  from the input, when the string is written to the database or sent back on a socket (where the
  server raises while encoding the frame);
- deep nesting: thousands of ``[`` raise ``RecursionError`` inside the parser, and a depth it
  does accept is still no frame or form the desk knows.

``loads`` refuses both with ``Refused`` (a ``ValueError``, like any other text that is not JSON,
with a Persian ``message``), so callers answer them as bad input (``bad_frame``, a 400) and store
nothing.
"""

import json

try:  # the C encoder for socket frames (docs/performance.md, #22)
    import orjson
except ImportError:  # pragma: no cover - a deployment without it falls back to json
    orjson = None

#: deeper than any frame or request body of docs/protocol.md (they nest two or three levels)
MAX_DEPTH = 32


class Refused(ValueError):
    """Parsed JSON the desk cannot take; ``message`` says why in Persian."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


SURROGATE_MESSAGE = "متن نویسهٔ نامعتبری دارد."
TOO_DEEP_MESSAGE = "ساختار پیام بیش از حد تودرتو است."


def has_lone_surrogate(text):
    """True when ``text`` holds a UTF-16 surrogate code point (no UTF-8 text can carry one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check(value, *, max_depth=MAX_DEPTH):
    """Raise ``Refused`` if a parsed JSON value nests deeper than ``max_depth`` or holds a string
    (a value or a key) with a lone surrogate.  Iterative: no recursion on hostile input."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise Refused(SURROGATE_MESSAGE)
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise Refused(TOO_DEEP_MESSAGE)
            if isinstance(item, dict):
                for key, inner in item.items():
                    if has_lone_surrogate(key):
                        raise Refused(SURROGATE_MESSAGE)
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)


def loads(text, *, max_depth=MAX_DEPTH):
    """``json.loads`` that raises ValueError for anything the desk cannot take (see above):
    ``Refused`` for a surrogate or depth, the parser's own error for text that is no JSON."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise Refused(TOO_DEEP_MESSAGE) from None
    check(value, max_depth=max_depth)
    return value


def frame_dumps(frame):
    """A frame as compact JSON text without ASCII escapes, as
    ``json.dumps(frame, ensure_ascii=False, separators=(",", ":"))`` writes it; orjson writes
    it when it can (a frame it refuses, e.g. with a lone surrogate or an integer beyond 64 bits,
    goes through json).  Frames are written once per receiving socket, so this is on the event
    loop's hot path.  Frames are still *read* with ``json.loads``: orjson reads an integer beyond
    64 bits as a float, and a frame is read only once."""
    if orjson is not None:
        try:
            return orjson.dumps(frame).decode()
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
