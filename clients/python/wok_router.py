"""Publish notifications to wok-router from WoK and its plugins.

Standard library only, Python 3.8+. Talks to the router's HTTP API, either over its UNIX socket
(whose file permissions are the local publisher's credential) or over TCP with an optional
bearer token:

    import wok_router

    router = wok_router.Router(unix_socket="/run/wok-router/wok-router.sock")
    router.publish("kimchi.vms.state", {"name": "vm1", "state": "running"})

    # or, as a drop-in for WoK's wok.model.notifications.add_notification:
    from wok_router import add_notification
    add_notification("KCHVM0001I", {"name": "vm1"}, plugin_name="kimchi")

Without an explicit Router, the module-level functions use the one `configure()` set up, else
one built from the environment: `WOK_ROUTER_SOCKET` (a UNIX socket path), `WOK_ROUTER_URL`
(e.g. `http://127.0.0.1:8080`) and `WOK_ROUTER_TOKEN` (a publisher JWT).
"""

import http.client
import json
import logging
import os
import socket
import threading
import urllib.parse

__all__ = [
    "Router", "RouterError", "configure", "publish", "publish_batch", "add_notification",
    "NOTIFICATIONS_TOPIC", "DEFAULT_SOCKET",
]

log = logging.getLogger("wok_router")

#: The core topic that carries WoK's notifications.
NOTIFICATIONS_TOPIC = "wok.notifications"
#: Where `Router()` looks for the router's UNIX socket when nothing else is configured.
DEFAULT_SOCKET = "/run/wok-router/wok-router.sock"


class RouterError(Exception):
    """The router refused a request, or could not be reached.

    Attributes:
        status: the HTTP status (None when the router could not be reached at all).
        error: the router's error code (`unknown_topic`, `invalid`, ...), or `unreachable`.
        body: the router's whole JSON error body (a dict; empty when there was none).
    """

    def __init__(self, status, error, body=None, message=None):
        self.status = status
        self.error = error
        self.body = body if body is not None else {}
        detail = message or self.body.get("message") or ""
        errors = self.body.get("errors")
        if errors and isinstance(errors[0], dict):
            first = errors[0]
            where = "{} at {}".format(first.get("message", ""), first.get("instanceLocation", ""))
            detail = "{} ({})".format(detail, where) if detail else where
        suggestions = self.body.get("suggestions")
        if suggestions:
            detail = (detail + "; " if detail else "") + "did you mean " + ", ".join(map(str, suggestions)) + "?"
        super().__init__("{}{}: {}".format(error, " (HTTP {})".format(status) if status else "", detail or "refused"))


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over a UNIX stream socket."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class Router:
    """A connection to one wok-router, over its UNIX socket or over HTTP.

    Args:
        url: the router's base URL (`http://host:port`); used when `unix_socket` is not given.
        unix_socket: path of the router's UNIX socket.
        token: a publisher bearer token (a JWT with `"pub": true`), sent over HTTP.
        timeout: seconds to wait for the router, per request.

    One keep-alive connection is reused between calls (guarded by a lock, so a Router may be
    shared between threads); it is reopened once if the router closed it.
    """

    def __init__(self, url=None, unix_socket=None, token=None, timeout=5.0):
        if url is None and unix_socket is None:
            raise ValueError("give the router's url or its unix_socket")
        self.url = url
        self.unix_socket = unix_socket
        self.token = token
        self.timeout = timeout
        self._conn = None
        self._lock = threading.Lock()
        if unix_socket is None:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("url must look like http://host:port, not {!r}".format(url))
            self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
            self._prefix = parts.path.rstrip("/")
        else:
            self._prefix = ""

    def __repr__(self):
        return "Router({})".format(repr(self.unix_socket) if self.unix_socket else repr(self.url))

    # -- public API ----------------------------------------------------------------------------

    def publish(self, topic, data):
        """Publishes one notification; returns `{"id", "topic", "epoch"}` once it is stored.

        Raises:
            RouterError: the router refused it (`unknown_topic`, `invalid`, too large,
                not allowed...) or could not be reached.
        """
        status, body = self._request("POST", "/notifications", {"topic": topic, "data": data})
        if status != 202:
            raise _error(status, body)
        return body

    def publish_batch(self, items):
        """Publishes several notifications in one request.

        Args:
            items: an iterable of `(topic, data)` pairs or of `{"topic", "data"}` dicts.
        Returns:
            one result dict per item, in order: `{"id", "topic", "epoch", ...}` for an
            accepted one, `{"error", ...}` for a refused one (a batch is not all-or-nothing).
        Raises:
            RouterError: the whole request was refused (too large, not allowed...).
        """
        payload = [item if isinstance(item, dict) else {"topic": item[0], "data": item[1]} for item in items]
        status, body = self._request("POST", "/notifications", payload)
        if status != 207:
            raise _error(status, body)
        results = body.get("results") if isinstance(body, dict) else body
        if not isinstance(results, list) or len(results) != len(payload):
            raise RouterError(status, "bad_response", {"error": "bad_response"}, "unexpected batch answer: {!r}".format(body))
        return results

    def close(self):
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _connection(self):
        if self._conn is None:
            if self.unix_socket is not None:
                self._conn = _UnixHTTPConnection(self.unix_socket, self.timeout)
            elif self._scheme == "https":
                self._conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout)
            else:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        return self._conn

    def _request(self, method, path, payload):
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token and self.unix_socket is None:
            headers["Authorization"] = "Bearer " + self.token
        with self._lock:
            for attempt in (1, 2):
                conn = self._connection()
                try:
                    try:
                        conn.request(method, self._prefix + path, body=body, headers=headers)
                    except (BrokenPipeError, ConnectionResetError):
                        # The router may answer early (413) and stop reading: read its answer.
                        if conn.sock is None:
                            raise
                    response = conn.getresponse()
                    raw = response.read()
                    status = response.status
                    if response.will_close:
                        conn.close()
                        self._conn = None
                    break
                except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine) as error:
                    # A kept-alive connection the router closed meanwhile: retry once on a new one.
                    conn.close()
                    self._conn = None
                    if attempt == 2 or isinstance(error, ConnectionRefusedError):
                        raise RouterError(None, "unreachable", None, "{}: {}".format(self, error)) from error
                except OSError as error:
                    conn.close()
                    self._conn = None
                    raise RouterError(None, "unreachable", None, "{}: {}".format(self, error)) from error
        try:
            decoded = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            decoded = {"error": "http_{}".format(status), "message": raw[:200].decode("utf-8", "replace")}
        return status, decoded


def _error(status, body):
    if not isinstance(body, dict):
        body = {"error": "http_{}".format(status), "body": body}
    return RouterError(status, body.get("error") or "http_{}".format(status), body)


# -- module-level convenience ------------------------------------------------------------------

_default = None
_default_lock = threading.Lock()


def configure(url=None, unix_socket=None, token=None, timeout=5.0):
    """Sets the Router the module-level functions use; returns it."""
    global _default
    router = Router(url=url, unix_socket=unix_socket, token=token, timeout=timeout)
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = router
    return router


def default_router():
    """The configured Router, else one from WOK_ROUTER_SOCKET / WOK_ROUTER_URL / WOK_ROUTER_TOKEN."""
    global _default
    with _default_lock:
        if _default is None:
            socket_path = os.environ.get("WOK_ROUTER_SOCKET")
            url = os.environ.get("WOK_ROUTER_URL")
            if not socket_path and not url:
                socket_path = DEFAULT_SOCKET
            _default = Router(url=url if not socket_path else None, unix_socket=socket_path or None,
                              token=os.environ.get("WOK_ROUTER_TOKEN"))
        return _default


def publish(topic, data, router=None):
    """`Router.publish` on `router` or the default one."""
    return (router or default_router()).publish(topic, data)


def publish_batch(items, router=None):
    """`Router.publish_batch` on `router` or the default one."""
    return (router or default_router()).publish_batch(items)


def _render_message(code, args, plugin_name):
    """WoK's own text for `code` when WoK is importable, else the code itself."""
    try:
        from wok.message import WokMessage  # only inside a WoK process
    except ImportError:
        return code
    try:
        return WokMessage(code, args, plugin_name).get_text(prepend_code=False, translate=False)
    except Exception:  # WoK could not render it: fall back to the code, as WoK's UI does
        return code


def add_notification(code, args=None, plugin_name=None, message=None, router=None, raise_errors=False):
    """Drop-in for WoK's `add_notification(code, args, plugin_name)`: publishes `wok.notifications`.

    The notification's data is WoK's format: `code`, `message` (WoK's rendered text when WoK is
    importable and `message` is not given, else the code), `args` and `plugin` (`plugin_name`,
    or "wok").

    Like WoK's function, it logs and returns None when the notification cannot be sent, unless
    `raise_errors` is true (then it raises `RouterError`). Returns the router's answer
    (`{"id", "topic", "epoch"}`) on success.
    """
    if not code:
        log.error("Unable to add notification: invalid code %r", code)
        if raise_errors:
            raise ValueError("invalid notification code {!r}".format(code))
        return None
    args = dict(args or {})
    plugin = plugin_name or "wok"
    data = {
        "code": str(code),
        "message": message if message is not None else _render_message(code, args, plugin_name),
        "args": args,
        "plugin": plugin,
    }
    try:
        return publish(NOTIFICATIONS_TOPIC, data, router=router)
    except (RouterError, TypeError, ValueError) as error:
        if raise_errors:
            raise
        log.error("Unable to add notification %s: %s", code, error)
        return None
