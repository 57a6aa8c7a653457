"""Helpers of the browser suite: a real router process, a TCP gate, Chromium tabs, waiting."""

import base64
import hashlib
import hmac
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]
PUBLIC = REPO / "Public"

# Generous: the machine is small and shared; every wait is on a condition, never a fixed sleep.
TIMEOUT = float(os.environ.get("WOK_BROWSER_TIMEOUT", "45"))


def wait_until(condition, timeout=TIMEOUT, interval=0.1, message="condition"):
    """Polls `condition()` until it returns a truthy value, which it returns; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = condition()
        except Exception as error:  # a tab still loading, a server still starting
            last = error
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}; last value: {last!r}")
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=30, token=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def router_binary():
    configured = os.environ.get("WOK_ROUTER_BIN")
    if configured:
        return pathlib.Path(configured)
    for candidate in (REPO / ".build" / "debug" / "wok-router", REPO / ".build" / "release" / "wok-router"):
        if candidate.exists():
            return candidate
    raise RuntimeError("no wok-router binary: build it (swift build --product wok-router) or set WOK_ROUTER_BIN")


def make_root(path):
    """A router root: a copy of the repo's schemas/ (the core topics) and plugins/."""
    path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "schemas", path / "schemas", dirs_exist_ok=True)
    shutil.copytree(REPO / "plugins", path / "plugins", dirs_exist_ok=True)
    return path


def make_jwt(secret, claims):
    """An HS256 JWT, as PROTOCOL section 6 describes (claims: exp, topics, pub)."""
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


class RouterProcess:
    """`wok-router serve` (or the tornado peer) on loopback, with a SQLite store in a temp root."""

    def __init__(self, kind, root, port=None, store="sqlite", secret=None, settings=()):
        self.kind = kind
        self.settings = list(settings)  # extra `--set key=value` for wok-router
        self.store = store
        self.secret = secret  # HS256 auth secret; publishing then uses a publisher token
        self.publisher = make_jwt(secret, {"exp": int(time.time()) + 86400, "pub": True}) if secret else None
        self.root = make_root(root)
        self.port = port or free_port()
        self.process = None
        self.log_path = self.root / "router.log"
        self.starts = 0

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        if self.kind == "tornado":
            return [os.environ.get("WOK_PEER_PYTHON", sys.executable), str(pathlib.Path(__file__).parent / "peer_server.py"), str(self.port), str(self.root), str(PUBLIC)]
        return [str(router_binary()), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--root", str(self.root),
                "--store", f"sqlite:{self.root / 'store.sqlite'}" if self.store == "sqlite" else "memory:",
                "--public-dir", str(PUBLIC)] + [arg for s in self.settings for arg in ("--set", s)]

    def start(self):
        self.starts += 1
        log = open(self.log_path, "a")
        log.write(f"\n==== start {self.starts}: {' '.join(self.command())}\n")
        log.flush()
        env = dict(os.environ)
        if self.secret:
            env["WOK_ROUTER_AUTH_SECRET"] = self.secret
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.root, env=env)
        log.close()

        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"router exited with {self.process.returncode}; see {self.log_path}")
            return http("GET", self.base + "/readyz", timeout=5)[0] == 200

        wait_until(ready, timeout=max(TIMEOUT, 60), interval=0.2, message="the router to be ready")
        return self

    def kill(self):
        """SIGKILL: no goodbye frames, no clean shutdown."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def publish(self, topic, data):
        status, body = http("POST", self.base + "/notifications", {"topic": topic, "data": data}, token=self.publisher)
        assert status == 202, f"publish refused: {status} {body}"
        return json.loads(body)

    def publish_cli(self, topic, data):
        """Publishes as a person would: `wok-router publish`."""
        if self.kind == "tornado":
            return self.publish(topic, data)
        token = ["--token", self.publisher] if self.publisher else []
        result = subprocess.run([str(router_binary()), "publish", "--topic", topic, "--data", json.dumps(data), "--url", self.base, *token],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"wok-router publish failed ({result.returncode}): {result.stdout} {result.stderr}"
        return json.loads(result.stdout.strip().splitlines()[-1])

    def metrics(self):
        """The /metrics samples: {(name, frozenset(labels)): value}."""
        status, text = http("GET", self.base + "/metrics")
        assert status == 200, f"/metrics answered {status}"
        samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            head, _, value = line.rpartition(" ")
            name, _, labels = head.partition("{")
            pairs = []
            for part in labels.rstrip("}").split(","):
                if "=" in part:
                    key, _, val = part.partition("=")
                    pairs.append((key.strip(), val.strip().strip('"')))
            samples[(name.strip(), frozenset(pairs))] = float(value)
        return samples

    def metric(self, name, **labels):
        """The sum of `name`'s samples carrying `labels` (0 when no sample has them); fails when
        /metrics has no `name` at all, so a missing gauge is never read as a zero."""
        samples = self.metrics()
        if not any(n == name for n, _ in samples):
            raise AssertionError(f"/metrics has no {name}: {sorted({n for n, _ in samples})}")
        want = frozenset(labels.items())
        return sum(v for (n, l), v in samples.items() if n == name and want <= l)


class TcpGate:
    """A TCP relay between the browser and the router that the test can close and reopen.

    The router is really killed and restarted; the gate only decides WHEN the browser may reach
    it again, so "entries published while the tab was away" is certain, not a race.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self.listener = None
        self.links = set()
        self.lock = threading.Lock()
        self.open_gate()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def open_gate(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close_gate(self):
        """Refuses new connections and cuts the open ones."""
        listener, self.listener = self.listener, None
        if listener:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self.lock:
            links, self.links = self.links, set()
        for s in links:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.links.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.lock:
            self.links.discard(source)
            self.links.discard(sink)


# ------------------------------------------------------------------------------------------
# Chromium

DELETE_SHARED_WORKER = "delete window.SharedWorker;"
DELETE_WEB_LOCKS = "Object.defineProperty(Navigator.prototype, 'locks', {get() { return undefined; }, configurable: true});"
DELETE_WEBSOCKET = "delete window.WebSocket;"


def chromium(artifacts_name=None):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--no-first-run", "--no-default-browser-check"):
        options.add_argument(arg)
    options.binary_location = os.environ.get("WOK_CHROMIUM", "/usr/bin/chromium")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("WOK_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_script_timeout(TIMEOUT)
    driver.set_page_load_timeout(max(TIMEOUT, 60))
    return driver


class Tab:
    """One tab of a Chromium window; every call switches to it first."""

    def __init__(self, driver, handle, url):
        self.driver = driver
        self.handle = handle
        self.url = url
        self.closed = False

    def focus(self):
        self.driver.switch_to.window(self.handle)

    def js(self, script, *args):
        self.focus()
        return self.driver.execute_script(script, *args)

    def js_async(self, script, *args):
        self.focus()
        return self.driver.execute_async_script(script, *args)

    def status(self):
        return self.js("return WokPush.status")

    def rows(self):
        """The user-log rows shown: [{id, message, received}] newest first."""
        return self.js("""return Array.from(document.querySelectorAll('#entries tr')).map(tr => ({
            id: Number(tr.dataset.id), message: tr.querySelector('td.message').textContent,
            received: tr.dataset.received ? Number(tr.dataset.received) : null}))""")

    def messages(self):
        return [r["message"] for r in self.rows()]

    def loaded(self):
        return self.js("return document.getElementById('count').textContent") != "Loading…"

    def close(self):
        self.focus()
        self.driver.close()
        self.closed = True
        remaining = self.driver.window_handles
        if remaining:
            self.driver.switch_to.window(remaining[0])


def open_tab(driver, url, inject=None, first=False):
    """Opens `url` in a new tab (or the first one), running `inject` before any page script."""
    if not first:
        driver.switch_to.new_window("tab")
    if inject:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": inject})
    driver.get(url)
    return Tab(driver, driver.current_window_handle, url)


def userlog_entry(message, user="admin", req="POST", status=200):
    now = time.gmtime()
    return {"id": str(int(time.time() * 1000) % 10**9), "app": "kimchi", "user": user, "req": req, "status": status,
            "message": message, "ip": "192.0.2.7", "date": time.strftime("%Y-%m-%d", now),
            "time": time.strftime("%H:%M:%S", now), "zone": "UTC"}
