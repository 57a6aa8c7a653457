"""RFC 6455 framing rules on /push, over a bare socket with hand-built frames: each violation
fails that connection with the RFC's close code (1002 protocol error, 1007 not UTF-8), a close
frame is answered by the rules of section 7.4, and no other socket is disturbed."""

import base64
import os
import struct

import pytest

from harness import RawHTTP, WSClient


def frame(opcode, payload, *, fin=True, masked=True, rsv=0):
    """One client frame's bytes: masked (as RFC 6455 5.1 requires) unless `masked` is false."""
    first = (0x80 if fin else 0) | rsv | opcode
    mask_bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head = bytes([first, mask_bit | n])
    elif n < 65536:
        head = bytes([first, mask_bit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def close_frame(code, reason=b""):
    return frame(0x8, struct.pack(">H", code) + reason)


def upgraded(server):
    raw = RawHTTP(server, timeout=10)
    raw.send(RawHTTP.request("GET", "/push", body=None, headers={
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
    }))
    status, _ = raw.head()
    assert status == 101
    return raw


def close_code(raw):
    """The code of the server's close frame (frames before it skipped), or None for an empty one."""
    while True:
        opcode, payload = raw.frame()
        if opcode == 0x8:
            return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None


def answer_to(server, data):
    """Sends `data` on a fresh connection and returns the close code it gets, checking on the way
    that a bystander socket opened before keeps working."""
    bystander = WSClient(server)
    with upgraded(server) as raw:
        raw.send(data)
        code = close_code(raw)
    assert bystander.ping()["type"] == "pong"
    bystander.close()
    return code


PING = b'{"type":"ping"}'


@pytest.mark.tornado_bug("the tornado peer does not apply this RFC 6455 rule")
@pytest.mark.parametrize("name, data", [
    ("unmasked text frame (5.1)", frame(0x1, PING, masked=False)),
    ("RSV1 without an extension (5.2)", frame(0x1, PING, rsv=0x40)),
    ("RSV3 on a ping (5.2)", frame(0x9, b"", rsv=0x10)),
    ("reserved data opcode 3 (5.2)", frame(0x3, b"x")),
    ("reserved control opcode 0xB (5.2)", frame(0xB, b"")),
    ("ping of 126 bytes (5.5)", frame(0x9, b"x" * 126)),
    ("fragmented ping (5.5)", frame(0x9, b"ab", fin=False)),
])
def test_framing_violation_closes_1002(server, name, data):
    assert answer_to(server, data) == 1002, name


@pytest.mark.tornado_bug("the tornado peer does not apply this RFC 6455 rule")
@pytest.mark.parametrize("name, payload", [
    ("byte 0xFF", b'{"type":"ping","ref":"\xff"}'),
    ("overlong encoding of /", b'{"type":"ping","ref":"\xc0\xaf"}'),
    ("encoded surrogate", b'{"type":"ping","ref":"\xed\xa0\x80"}'),
    ("truncated sequence", b'{"type":"ping","ref":"\xc3"}'),
])
def test_text_frame_that_is_not_utf8_closes_1007(server, name, payload):
    assert answer_to(server, frame(0x1, payload)) == 1007, name


def test_utf8_split_across_fragments_is_one_valid_message(server):
    with upgraded(server) as raw:
        raw.send(frame(0x1, b'{"type":"ping","ref":"\xc3', fin=False) + frame(0x0, b'\xa9"}'))
        assert raw.json_frame() == {"type": "pong", "ref": "é"}


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1011, 3000, 4999])
def test_close_with_a_valid_code_is_echoed(server, code):
    assert answer_to(server, close_frame(code)) == code


@pytest.mark.tornado_bug("the tornado peer does not apply this RFC 6455 rule")
def test_close_without_a_code_is_answered_1000(server):
    assert answer_to(server, frame(0x8, b"")) == 1000


@pytest.mark.tornado_bug("the tornado peer does not apply this RFC 6455 rule")
@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
def test_close_with_a_code_no_endpoint_may_send_is_answered_1002(server, code):
    assert answer_to(server, close_frame(code)) == 1002


@pytest.mark.tornado_bug("the tornado peer does not apply this RFC 6455 rule")
def test_close_with_a_one_byte_payload_is_answered_1002(server):
    assert answer_to(server, frame(0x8, b"\x03")) == 1002


@pytest.mark.tornado_bug("the tornado peer does not apply this RFC 6455 rule")
def test_close_with_a_reason_that_is_not_utf8_is_answered_1007(server):
    assert answer_to(server, close_frame(1000, b"bye \xff")) == 1007
