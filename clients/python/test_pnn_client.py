"""Tests of pnn_client's framing and encoding against the byte layout of docs/protocol.md.

No daemon needed: the hex below is derived by hand from the documented layout (and the same bytes are
asserted on the Swift side in Tests/PNNProtocolTests/FrameTests.swift); the client loop runs against a
scripted peer on a socketpair.
"""
import math
import socket
import struct
import threading

import pytest

import pnn_client
from pnn_client import CANCEL, EVENT, REQUEST, RESPONSE, FrameError, PNNError

# docs/protocol.md, "Worked example": listDevices, request id 1.
LIST_DEVICES_HEX = (
    "2c000000"                                  # length prefix: 44 = 24 + 20
    "504e4e31" "01" "01" "0000"                 # magic "PNN1", version 1, kind request, reserved
    "0100000000000000"                          # request id 1
    "14000000"                                  # metadata length 20
    "00000000"                                  # payload length 0
    + b'{"op":"listDevices"}'.hex()
)

# docs/protocol.md, second example: run on "sim0", x = [[1, 2]], theta = [0.5], request id 2.
RUN_META = b'{"device":"sim0","op":"run","tensors":[{"name":"x","shape":[1,2]},{"name":"theta","shape":[1]}]}'
RUN_HEX = (
    "84000000"                                  # 132 = 24 + 96 + 12
    "504e4e31" "01" "01" "0000"
    "0200000000000000"
    "60000000"                                  # 96
    "0c000000"                                  # 12
    + RUN_META.hex()
    + "0000803f" "00000040" "0000003f"          # 1.0, 2.0, 0.5 as Float32 LE
)


def header(kind=RESPONSE, request_id=7, m=0, p=0, magic=b"PNN1", version=1):
    return magic + bytes([version, kind, 0, 0]) + request_id.to_bytes(8, "little") + m.to_bytes(4, "little") \
        + p.to_bytes(4, "little")


@pytest.fixture(params=["numpy", "pure"])
def mode(request, monkeypatch):
    if request.param == "pure":
        monkeypatch.setattr(pnn_client, "np", None)
    elif pnn_client.np is None:
        pytest.skip("numpy not installed")
    return request.param


def flat(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return [x for v in value for x in flat(v)]
    return [value]


def bits(values):
    return [struct.unpack("<I", struct.pack("<f", v))[0] for v in values]


def test_header_is_24_bytes():
    assert pnn_client.HEADER.size == 24
    assert header() == bytes.fromhex("504e4e3101020000" "0700000000000000" "00000000" "00000000")


def test_list_devices_frame_matches_documented_hex():
    assert pnn_client.encode_frame(REQUEST, 1, {"op": "listDevices"}).hex() == LIST_DEVICES_HEX


def test_run_frame_matches_documented_hex(mode):
    descriptors, payload = pnn_client.pack_tensors([("x", [[1, 2]]), ("theta", [0.5])])
    meta = {"op": "run", "device": "sim0", "tensors": descriptors}
    assert pnn_client.encode_frame(REQUEST, 2, meta, payload).hex() == RUN_HEX


def test_decode_documented_frames(mode):
    kind, rid, meta, payload = pnn_client.decode_frame(bytes.fromhex(LIST_DEVICES_HEX)[4:])
    assert (kind, rid, meta, payload) == (REQUEST, 1, {"op": "listDevices"}, b"")
    kind, rid, meta, payload = pnn_client.decode_frame(bytes.fromhex(RUN_HEX)[4:])
    assert (kind, rid, meta["op"], meta["device"]) == (REQUEST, 2, "run", "sim0")
    tensors = pnn_client.unpack_tensors(meta["tensors"], payload)
    assert flat(tensors["x"]) == [1.0, 2.0] and flat(tensors["theta"]) == [0.5]
    if mode == "numpy":
        assert tensors["x"].shape == (1, 2) and tensors["x"].dtype == pnn_client.np.float32
    else:
        assert tensors["x"] == [[1.0, 2.0]]


def test_cancel_frame_has_no_metadata_or_payload():
    assert pnn_client.encode_frame(CANCEL, 41).hex() == "18000000" + "504e4e3101040000" "2900000000000000" + "00" * 8


def test_error_reply_decodes_from_hand_built_bytes():
    meta = b'{"error":{"code":"notFound","message":"no device named \'sim9\'; devices: sim0"},"ok":false,"op":"describe"}'
    kind, rid, decoded, payload = pnn_client.decode_frame(header(RESPONSE, 7, len(meta)) + meta)
    assert (kind, rid, payload) == (RESPONSE, 7, b"")
    assert decoded["error"] == {"code": "notFound", "message": "no device named 'sim9'; devices: sim0"}


AWKWARD = [0.0, -0.0, 1.0, -1.0, math.pi, 1e-45, -1e-45, 1.1754942e-38 / 3, 3.4028235e38, -3.4028235e38,
           65504.0, float("inf"), float("-inf")]


def test_tensors_round_trip_bit_exact(mode):
    f32 = [struct.unpack("<f", struct.pack("<f", v))[0] for v in AWKWARD]  # values as float32 holds them
    x = [f32[:6] + f32[6:12], list(reversed(f32[:12]))]
    descriptors, payload = pnn_client.pack_tensors([("x", x), ("theta", f32), ("empty", [])])
    assert descriptors == [{"name": "x", "shape": [2, 12]}, {"name": "theta", "shape": [len(f32)]},
                           {"name": "empty", "shape": [0]}]
    assert len(payload) == 4 * (24 + len(f32))
    assert payload[:8] == bytes.fromhex("00000000 00000080".replace(" ", ""))  # +0.0, -0.0
    out = pnn_client.unpack_tensors(descriptors, payload)
    assert bits(flat(out["x"])) == bits(flat(x))
    assert bits(flat(out["theta"])) == bits(f32)
    assert flat(out["empty"]) == []


def test_nan_survives(mode):
    _, payload = pnn_client.pack_tensors([("y", [float("nan")])])
    assert payload[3] & 0x7F == 0x7F and payload[2] & 0x80
    assert math.isnan(flat(pnn_client.unpack_tensors([{"name": "y", "shape": [1]}], payload)["y"])[0])


def test_numpy_arrays_are_sent_as_float32_little_endian():
    np = pytest.importorskip("numpy")
    x = np.arange(6, dtype=np.float64).reshape(2, 3)[:, ::2]  # non-contiguous, float64, big values fine
    descriptors, payload = pnn_client.pack_tensors([("x", x), ("theta", np.array([0.5], dtype=">f4"))])
    assert descriptors == [{"name": "x", "shape": [2, 2]}, {"name": "theta", "shape": [1]}]
    assert payload == struct.pack("<5f", 0, 2, 3, 5, 0.5)


def test_ragged_lists_are_refused(mode):
    if mode == "numpy":
        pytest.skip("numpy raises its own error")
    with pytest.raises(ValueError):
        pnn_client.pack_tensors([("x", [[1, 2], [3]])])


@pytest.mark.parametrize("body, message", [
    (b"", "shorter than the 24-byte header"),
    (header()[:23], "shorter than the 24-byte header"),
    (header(magic=b"PNN2"), "bad magic"),
    (header(version=2), "unsupported protocol version 2"),
    (header(kind=5), "unknown frame kind 5"),
    (header(m=2) + b"{}{", "frame lengths disagree"),
    (header(m=2, p=8) + b"{}", "frame lengths disagree"),
])
def test_decode_errors(body, message):
    with pytest.raises(FrameError, match=message):
        pnn_client.decode_frame(body)


def test_payload_size_mismatch():
    with pytest.raises(FrameError, match="needs 24 bytes, payload has 20 left"):
        pnn_client.unpack_tensors([{"name": "x", "shape": [2, 3]}], bytes(20))
    with pytest.raises(FrameError, match="payload has 4 bytes beyond the 24"):
        pnn_client.unpack_tensors([{"name": "x", "shape": [2, 3]}], bytes(28))


def test_metadata_refuses_non_finite_json():
    with pytest.raises(ValueError):
        pnn_client.encode_frame(REQUEST, 1, {"op": "lease", "device": "d", "idleSeconds": float("inf")})


def test_error_codes_match_the_swift_enum():
    assert pnn_client.ERROR_CODES == (
        "invalidArgument", "outOfRange", "notFound", "resourceExhausted", "deadlineExceeded", "unavailable",
        "permissionDenied", "failedPrecondition", "cancelled", "internal")


# The client loop against a scripted peer (the daemon's side of a socketpair).

def reply(request_id, meta, payload=b"", kind=RESPONSE):
    return pnn_client.encode_frame(kind, request_id, meta, payload)


class Peer:
    """Reads request frames and answers them with `script(kind, id, meta, payload) -> bytes`."""

    def __init__(self, script):
        self.ours, theirs = socket.socketpair()
        self.client = pnn_client.Client("<socketpair>", sock=theirs)
        self.seen = []
        self.thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self.thread.start()

    def _serve(self, script):
        f = self.ours.makefile("rb")
        while True:
            prefix = f.read(4)
            if len(prefix) < 4:
                break
            frame = pnn_client.decode_frame(f.read(struct.unpack("<I", prefix)[0]))
            self.seen.append(frame)
            out = script(*frame)
            if out:
                self.ours.sendall(out)
        self.ours.close()


def test_client_run_against_scripted_peer(mode):
    def script(kind, rid, meta, payload):
        assert kind == REQUEST and meta["op"] == "run" and meta["device"] == "sim0" and meta["deadlineMs"] == 500
        x = pnn_client.unpack_tensors(meta["tensors"], payload)["x"]
        y = [[2 * v for v in row] for row in (x.tolist() if hasattr(x, "tolist") else x)]
        desc, data = pnn_client.pack_tensors([("y", y)])
        event = reply(rid, {"event": {"device": "sim0", "kind": "up", "message": "", "time": 1.5}}, kind=EVENT)
        return event + reply(rid, {"ok": True, "op": "run", "tensors": desc, "run": {"sequence": 4}}, data)

    peer = Peer(script)
    y, info = peer.client.run("sim0", [[1, 2], [3, 4]], [0.5], deadline_ms=500)
    assert flat(y) == [2, 4, 6, 8] and info == {"sequence": 4}
    assert peer.client.events == [{"device": "sim0", "kind": "up", "message": "", "time": 1.5}]
    assert peer.seen[0][1] == 1  # ids start at 1
    peer.client.close()


def test_client_asks_for_acquisitions_only_when_offered(mode):
    def script(kind, rid, meta, payload):
        if meta["op"] == "hello":
            return reply(rid, {"ok": True, "op": "hello", "hello": {"version": 1, "server": "fake", "maxFrameBytes": 1000,
                                                                     "capabilities": ["run", "acquisitions"]}})
        assert meta["acquisitions"] == 4
        desc, data = pnn_client.pack_tensors([("y", [[1.0]])])
        return reply(rid, {"ok": True, "op": "run", "tensors": desc, "run": {"sequence": 1}}, data)

    peer = Peer(script)
    with pytest.raises(ValueError, match="did not offer 'acquisitions'"):
        peer.client.run("sim0", [[1]], acquisitions=4)
    peer.client.hello()
    y, info = peer.client.run("sim0", [[1]], acquisitions=4)
    assert flat(y) == [1.0] and info == {"sequence": 1}
    peer.client.close()


def test_client_matches_out_of_order_replies_and_raises_pnn_error():
    held = []

    def script(kind, rid, meta, payload):
        if kind == CANCEL:
            return reply(rid, {"ok": False, "op": "run", "error": {"code": "cancelled", "message": "cancelled"}})
        if meta["op"] == "status":
            held.append(rid)
            return b""
        out = reply(rid, {"ok": False, "op": meta["op"], "error": {"code": "notFound", "message": "no device 'x'"}})
        return out + reply(held.pop(), {"ok": True, "op": "status", "status": {"server": "fake"}})

    peer = Peer(script)
    status_id = peer.client.send("status")
    with pytest.raises(PNNError) as error:
        peer.client.describe("x")
    assert (error.value.code, error.value.message) == ("notFound", "no device 'x'")
    assert peer.client.wait(status_id)[0]["status"] == {"server": "fake"}
    peer.client.cancel(status_id + 5)
    with pytest.raises(PNNError, match="cancelled"):
        peer.client.wait(status_id + 5)
    peer.client.close()


def test_connection_error_with_id_zero_closes_the_client():
    def script(kind, rid, meta, payload):
        return reply(0, {"ok": False, "op": "frame", "error": {"code": "invalidArgument", "message": "frame too large"}})

    peer = Peer(script)
    with pytest.raises(PNNError, match="frame too large"):
        peer.client.status()
    assert peer.client.sock.fileno() == -1


def test_connect_uses_pnn_socket_env(tmp_path, monkeypatch):
    path = str(tmp_path / "pnnd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    monkeypatch.setenv("PNN_SOCKET", path)
    with pnn_client.connect() as client:
        assert client.path == path
        conn, _ = server.accept()
        conn.sendall(reply(1, {"ok": True, "op": "metrics", "metrics": "pnn_up 1\n"}))
        assert client.metrics() == "pnn_up 1\n"
        assert pnn_client.decode_frame(conn.recv(4096)[4:]) == (REQUEST, 1, {"op": "metrics"}, b"")
        conn.close()
    server.close()
