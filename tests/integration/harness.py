"""The integration suite's tools: a real server process, a WebSocket client, frame checks.

The WebSocket client is the `websockets` library from PyPI (not ours); HTTP goes through
`requests`. Every server frame a test receives is checked against PROTOCOL.md's shapes and,
when the repo has it, `schemas/protocol/server-frame.json`.
"""

import json
import os
import pathlib
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import jsonschema
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
TORNADO_PEER = REPO / "Benchmarks" / "peers" / "tornado" / "tornado_push.py"
# PROTOCOL's four codes, and `unavailable` (the store failed during a resume), an extension.
ERROR_CODES = {"invalid_frame", "unknown_topic", "forbidden", "limit_exceeded", "unavailable"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*){1,7}$")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def toml(config):
    """Renders a dict of tables (values: str, int, float, bool, list of those) as TOML."""

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(v)

    lines = []
    for key, v in config.items():
        if not isinstance(v, dict):
            lines.append(f"{key} = {value(v)}")
    for key, table in config.items():
        if isinstance(table, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def router_config(*, secret=None, origins=None, **settings):
    """wok-router's configuration file for the given settings (flat keys, as `--print-config` shows)."""
    config = dict(settings)
    if secret is not None:
        config["auth_secret"] = secret
    if origins is not None:
        config["allowed_origins"] = list(origins)
    return config


def router_binary():
    return pathlib.Path(os.environ.get("WOK_ROUTER_BIN", REPO / ".build" / "debug" / "wok-router"))


class ServerProcess:
    """One server process on a free loopback port, with its own root and store.

    `config` (wok-router only) is written as TOML and passed with `--config`; `env` is added to
    the environment; `unix_socket` also serves the HTTP API on a UNIX socket in the work dir;
    `descriptor_limit` sets the server's RLIMIT_NOFILE, soft and hard (so that it cannot raise it).
    """

    def __init__(self, kind, workdir, *, config=None, env=None, store=None, unix_socket=False, args=(), peer_args=(),
                 descriptor_limit=None):
        self.kind = kind
        self.workdir = pathlib.Path(workdir)
        self.root = self.workdir / "root"
        self.config = config
        self.env = env or {}
        self.store = store or os.environ.get("WOK_TEST_STORE", "sqlite")
        self.args = list(args)
        self.peer_args = list(peer_args)
        self.unix_socket = str(self.workdir / "router.sock") if unix_socket else None
        self.descriptor_limit = descriptor_limit
        self.host = "127.0.0.1"
        self.port = free_port()
        self.proc = None
        self.log_path = self.workdir / "server.log"
        self._log = None
        self._make_root()

    # -- root and command ------------------------------------------------------------------

    def _make_root(self):
        self.root.mkdir(parents=True, exist_ok=True)
        for name in ("schemas", "plugins"):
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, self.root / name, dirs_exist_ok=True)
        shutil.copytree(FIXTURES / "plugins", self.root / "plugins", dirs_exist_ok=True)

    def command(self):
        if self.kind == "tornado":
            return [sys.executable, str(TORNADO_PEER), "--host", self.host, "--port", str(self.port),
                    "--root", str(self.root), "--log-level", "warning", *self.peer_args]
        binary = router_binary()
        if not binary.exists():
            raise RuntimeError(f"{binary} does not exist: run `swift build` first or set WOK_ROUTER_BIN")
        store = {"sqlite": f"sqlite:{self.workdir / 'store.sqlite'}", "memory": "memory:"}.get(self.store, self.store)
        cmd = [str(binary), "serve", "--host", self.host, "--port", str(self.port), "--root", str(self.root), "--store", store]
        if self.unix_socket:
            cmd += ["--unix-socket", self.unix_socket]
        if self.config is not None:
            path = self.workdir / "router.toml"
            path.write_text(toml(self.config))
            cmd += ["--config", str(path)]
        return cmd + self.args

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout=30):
        env = dict(os.environ, **self.env)
        self._log = open(self.log_path, "ab")
        limit = self.descriptor_limit
        preexec = None if limit is None else (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)))
        self.proc = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir,
                                     preexec_fn=preexec)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} at start:\n{self.log_tail()}")
            try:
                if requests.get(self.url("/healthz"), timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server not healthy after {timeout}s:\n{self.log_tail()}")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends `sig` and waits; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._log.close()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._log is not None and not self._log.closed:
            self._log.close()

    def restart(self):
        code = self.stop()
        assert code == 0, f"server exited with {code} on SIGTERM:\n{self.log_tail()}"
        return self.start()

    def alive(self):
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            return requests.get(self.url("/healthz"), timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- addresses and HTTP ------------------------------------------------------------------

    def url(self, path, **query):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        return f"http://{self.host}:{self.port}{path}{q}"

    def ws_url(self, path="/push", **query):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        return f"ws://{self.host}:{self.port}{path}{q}"

    def http(self, method, path, *, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.url(path), headers=headers, **kwargs)

    def publish(self, topic, data, *, token=None):
        return self.http("POST", "/notifications", json={"topic": topic, "data": data}, token=token)

    def publish_ok(self, topic, data, *, token=None):
        response = self.publish(topic, data, token=token)
        assert response.status_code == 202, (response.status_code, response.text)
        body = response.json()
        assert isinstance(body["id"], int) and body["id"] > 0 and body["topic"] == topic and isinstance(body["epoch"], str)
        return body

    def publish_batch(self, items, *, token=None):
        return self.http("POST", "/notifications", json=[{"topic": t, "data": d} for t, d in items], token=token)

    def head(self):
        """The current (epoch, head) as GET /notifications reports them."""
        body = self.http("GET", "/notifications", params={"topics": "itest.>", "limit": 1}).json()
        return body["epoch"], body["head"]


# -- server frames ---------------------------------------------------------------------------

_SERVER_FRAME_SCHEMA = REPO / "schemas" / "protocol" / "server-frame.json"
_server_frame_validator = None


def _frame_validator():
    global _server_frame_validator
    if _server_frame_validator is None and _SERVER_FRAME_SCHEMA.exists():
        schema = json.loads(_SERVER_FRAME_SCHEMA.read_text())
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        _server_frame_validator = cls(schema)
    return _server_frame_validator


def check_notification(frame):
    assert frame["type"] == "notification", frame
    assert isinstance(frame["id"], int) and not isinstance(frame["id"], bool) and frame["id"] > 0, frame
    assert isinstance(frame["epoch"], str) and frame["epoch"], frame
    assert isinstance(frame["topic"], str) and TOPIC_RE.match(frame["topic"]), frame
    assert frame["plugin"] == frame["topic"].split(".")[0], frame
    assert isinstance(frame["time"], str) and TIME_RE.match(frame["time"]), frame
    assert "data" in frame, frame


def check_server_frame(frame):
    """Asserts that `frame` has one of PROTOCOL section 4's shapes (and server-frame.json's)."""
    assert isinstance(frame, dict), frame
    kind = frame.get("type")
    if kind == "notification":
        check_notification(frame)
    elif kind == "subscribed":
        assert isinstance(frame["topics"], list) and all(isinstance(t, str) for t in frame["topics"]), frame
        assert isinstance(frame["head"], int) and frame["head"] >= 0, frame
        assert isinstance(frame["epoch"], str) and frame["epoch"], frame
        assert isinstance(frame["recovered"], bool), frame
    elif kind == "unsubscribed":
        assert isinstance(frame["topics"], list), frame
    elif kind == "pong":
        pass
    elif kind == "error":
        assert frame["code"] in ERROR_CODES, frame
        assert isinstance(frame["message"], str) and frame["message"], frame
    else:
        raise AssertionError(f"unknown server frame {frame!r}")
    if "ref" in frame:
        assert isinstance(frame["ref"], (str, int)) and not isinstance(frame["ref"], bool), frame
    validator = _frame_validator()
    if validator is not None:
        errors = [e.message for e in validator.iter_errors(frame)]
        assert not errors, (frame, errors)


class RawHTTP:
    """A bare TCP connection with exact control of the bytes sent and when: HTTP answers are read
    from it by hand (status, headers, body by Content-Length), and after an upgrade, server frames."""

    def __init__(self, server, data=b"", timeout=10):
        self.sock = socket.create_connection((server.host, server.port), timeout=timeout)
        self.buffer = b""
        if data:
            self.sock.sendall(data)

    @staticmethod
    def request(method, path, body=b"", headers=None):
        """One HTTP/1.1 request's bytes (Content-Length added unless given, or the body is None)."""
        lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in (headers or {})):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")

    def send(self, data):
        self.sock.sendall(data)

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("closed")
        self.buffer += chunk

    def _take(self, count):
        while len(self.buffer) < count:
            self._more()
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken

    def head(self):
        """(status, headers with lower-case names) of the next answer's head."""
        while b"\r\n\r\n" not in self.buffer:
            try:
                self._more()
            except EOFError:
                raise AssertionError("connection closed before an answer") from None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def response(self):
        """(status, headers with lower-case names, body bytes) of the next answer."""
        status, headers = self.head()
        return status, headers, self._take(int(headers.get("content-length", "0")))

    def rest_until_close(self):
        """Everything the server sends until it closes."""
        try:
            while True:
                self._more()
        except (EOFError, ConnectionResetError):
            return self.buffer

    def frame(self):
        """(opcode, payload) of the next server frame (unmasked, payload under 64 KiB)."""
        header = self._take(2)
        length = header[1] & 0x7F
        if length == 126:
            length = int.from_bytes(self._take(2), "big")
        return header[0] & 0x0F, self._take(length)

    def json_frame(self):
        opcode, payload = self.frame()
        assert opcode == 0x1, (opcode, payload)
        return json.loads(payload)

    def closed_by_peer(self, timeout=5):
        """Whether the server closes the connection, with nothing more sent, within `timeout`."""
        if self.buffer:
            return False
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Closed(Exception):
    """The server closed the socket; `code` is its close code (1006 when no close frame came)."""

    def __init__(self, code, reason):
        super().__init__(f"closed with {code} {reason!r}")
        self.code = code
        self.reason = reason


class WSClient:
    """A `websockets` sync client speaking PROTOCOL section 4.

    Notifications read while waiting for a reply are kept in `backlog`, so nothing is lost.
    """

    def __init__(self, server, path="/push", *, origin=None, token=None, query=None, headers=None, rcvbuf=None, max_queue=16):
        query = dict(query or {})
        if token is not None:
            query["token"] = token
        sock = None
        if rcvbuf is not None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.connect((server.host, server.port))
        self.ws = connect(
            server.ws_url(path, **query), sock=sock, origin=origin, additional_headers=headers,
            compression=None, proxy=None, max_size=None, max_queue=max_queue,
            open_timeout=10, ping_interval=None, close_timeout=5, legacy=True,
        )
        self.backlog = []
        self._ref = 0

    # -- sending --

    def send(self, frame):
        self.ws.send(json.dumps(frame))

    def send_text(self, text):
        self.ws.send(text)

    def send_bytes(self, data, *, text=False):
        """Sends raw bytes as a binary frame, or as a text frame (unchecked UTF-8) when `text`."""
        self.ws.send(data, text=text)

    def next_ref(self):
        self._ref += 1
        return f"r{self._ref}"

    # -- receiving --

    def recv(self, timeout=10):
        """The next frame, checked; raises `Closed` if the server closed the socket."""
        try:
            raw = self.ws.recv(timeout=timeout)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else 1006
            reason = closed.rcvd.reason if closed.rcvd is not None else ""
            raise Closed(code, reason) from None
        assert isinstance(raw, str), f"server sent a binary frame: {raw[:80]!r}"
        frame = json.loads(raw)
        check_server_frame(frame)
        return frame

    def reply(self, timeout=10):
        """The next frame that is not a notification."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            if frame["type"] == "notification":
                self.backlog.append(frame)
            else:
                return frame

    def request(self, frame, timeout=10):
        frame = dict(frame)
        frame.setdefault("ref", self.next_ref())
        self.send(frame)
        answer = self.reply(timeout)
        assert answer.get("ref") == frame["ref"], (frame, answer)
        return answer

    def subscribe(self, topics, since=None, epoch=None, **extra):
        frame = {"type": "subscribe", "topics": list(topics), **extra}
        if since is not None:
            frame["since"] = since
        if epoch is not None:
            frame["epoch"] = epoch
        answer = self.request(frame)
        assert answer["type"] == "subscribed", answer
        return answer

    def notifications(self, count, timeout=15):
        """Exactly the next `count` notifications (earlier ones from the backlog first)."""
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < count and self.backlog:
            out.append(self.backlog.pop(0))
        while len(out) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"got {len(out)} of {count} notifications: {out[-3:]}")
            try:
                frame = self.recv(timeout=remaining)
            except TimeoutError:
                raise AssertionError(f"got {len(out)} of {count} notifications: {out[-3:]}") from None
            assert frame["type"] == "notification", frame
            out.append(frame)
        return out

    def quiet(self, seconds=0.3):
        """Asserts nothing arrives for `seconds` (used after the expected frames were read)."""
        assert not self.backlog, self.backlog
        try:
            frame = self.recv(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected frame {frame}")

    def expect_close(self, timeout=15):
        """Reads until the server closes; returns the close code. Notifications go to the backlog."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                frame = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            except Closed as closed:
                return closed.code
            except TimeoutError:
                raise AssertionError("the server did not close the socket") from None
            self.backlog.append(frame)

    def ping(self):
        answer = self.request({"type": "ping"})
        assert answer["type"] == "pong", answer
        return answer

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


# -- Server-Sent Events ----------------------------------------------------------------------


class SSEClient:
    """Reads `GET /events` as a text/event-stream, one event at a time."""

    def __init__(self, server, topics, *, last_event_id=None, token=None, timeout=15, query=None):
        import http.client

        params = {"topics": ",".join(topics), **(query or {})}
        if token is not None:
            params["token"] = token
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
        self.conn.request("GET", "/events?" + urllib.parse.urlencode(params), headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.comments = 0

    def body_json(self):
        return json.loads(self.response.read().decode())

    def event(self):
        """The next event as a dict of its fields (`id`, `event`, `data`), comments skipped."""
        fields = {}
        while True:
            line = self.response.fp.readline()
            if not line:
                raise Closed(None, "the event stream ended")
            line = line.decode("utf-8").rstrip("\r\n")
            if not line:
                if "data" in fields:
                    return fields
                fields = {}
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data" and "data" in fields:
                fields["data"] += "\n" + value
            else:
                fields[name] = value

    def notifications(self, count):
        out = []
        while len(out) < count:
            event = self.event()
            frame = json.loads(event["data"])
            if frame.get("type") == "notification" or event.get("event") in (None, "notification"):
                check_notification(frame)
                out.append((event, frame))
        return out

    def close(self):
        self.conn.close()


def metric(server, name, **labels):
    """The value of one Prometheus sample on /metrics (0 when absent)."""
    text = requests.get(server.url("/metrics"), timeout=10).text
    total = None
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        sample, _, value = line.rpartition(" ")
        metric_name, _, label_text = sample.partition("{")
        if metric_name != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', label_text))
        if all(found.get(k) == v for k, v in labels.items()):
            total = (total or 0) + float(value)
    return total or 0.0


def eventually(predicate, timeout=10, interval=0.05):
    """Polls `predicate` until it is true (returns True) or `timeout` passes (returns False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
