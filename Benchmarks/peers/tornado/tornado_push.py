#!/usr/bin/env python3
"""A push server for wok-router's PROTOCOL.md, written with tornado.

This is the benchmark peer that stands for the design WoK's proposal sketched: one tornado
process, one WebSocket per browser, schemas checked with python ``jsonschema``, history kept in
memory. It implements the push socket ``/push`` (subscribe, unsubscribe, ping, ``ref`` echo,
``since``/``epoch`` resume, error frames, exact, ``*`` and ``>`` filters), ``POST
/notifications`` (single and batch), ``GET /notifications`` (with ``wait`` long-poll), ``GET
/topics``, ``GET /topics/{topic}/schema`` and ``GET /healthz``. It has no authentication, no
SSE and no persistent store: those are wok-router's.

    python3 tornado_push.py --root /path/with/schemas-and-plugins --port 8090
"""

import argparse
import collections
import datetime
import difflib
import json
import logging
import pathlib
import re
import secrets
import signal
import time

import jsonschema
import jsonschema_specifications
import referencing
import referencing.exceptions
import referencing.jsonschema
import tornado.concurrent
import tornado.gen
import tornado.httpserver
import tornado.ioloop
import tornado.web
import tornado.websocket

log = logging.getLogger("tornado_push")

TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*){1,7}$")
SEGMENT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_TOPIC_BYTES = 255


# ---------------------------------------------------------------------------------------------
# JSON


class BadJSON(ValueError):
    """The bytes are not JSON this server accepts."""


def _no_constant(name):
    raise BadJSON(f"{name} is not JSON")


def _float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadJSON(f"number {text[:40]} is out of range")
    return value


def parse_json(text):
    """Parses JSON strictly: no NaN/Infinity, no numbers out of double range, bounded depth."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_float)
    except RecursionError:
        raise BadJSON("nested too deeply") from None
    except (ValueError, TypeError) as error:
        raise BadJSON(str(error)) from None


def dump_json(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------------
# Topics and filters


def valid_topic(name):
    return isinstance(name, str) and len(name.encode()) <= MAX_TOPIC_BYTES and bool(TOPIC_RE.match(name))


def valid_filter(text):
    """An exact topic, or one with `*` segments and/or a trailing `>`."""
    if not isinstance(text, str) or len(text.encode()) > MAX_TOPIC_BYTES:
        return False
    segments = text.split(".")
    if not 2 <= len(segments) <= 8:
        return False
    for index, segment in enumerate(segments):
        if segment == "*" or (segment == ">" and index == len(segments) - 1):
            continue
        if not SEGMENT_RE.match(segment):
            return False
    return True


def is_exact(text):
    return "*" not in text.split(".") and ">" not in text.split(".")


def filter_matches(pattern, topic):
    want = pattern.split(".")
    have = topic.split(".")
    for index, segment in enumerate(want):
        if segment == ">":
            return len(have) > index
        if index >= len(have):
            return False
        if segment != "*" and segment != have[index]:
            return False
    return len(want) == len(have)


# ---------------------------------------------------------------------------------------------
# Schemas on disk (PROTOCOL section 2)


class SchemaRegistry:
    """Topic schemas from ``<root>/schemas/topics`` and ``<root>/plugins/*/schemas``.

    Every schema file of the tree is put in one ``referencing`` registry under its file URI and
    its ``$id``, so ``$ref`` resolves offline; anything else is refused by ``_retrieve``.
    The tree is re-read when a file's mtime changes (checked every second).
    """

    def __init__(self, root):
        self.root = pathlib.Path(root).resolve()
        self.topics = {}  # topic -> {"plugin", "schema", "validator", "file", "status", ...}
        self.refused = {}  # topic -> reason, for files that failed to compile
        self.protocol = {}  # "client-frame" -> validator
        self._stamp = None
        self.reload()

    def _files(self):
        out = []
        core = self.root / "schemas"
        for path in sorted((core / "topics").glob("*.json")):
            out.append(("wok", path))
        for path in sorted((core / "protocol").glob("*.json")):
            out.append(("wok/protocol", path))
        for plugin_dir in sorted((self.root / "plugins").glob("*")):
            for path in sorted((plugin_dir / "schemas").glob("*.json")):
                out.append((plugin_dir.name, path))
        return out

    def _retrieve(self, uri):
        raise referencing.exceptions.NoSuchResource(ref=uri)

    def stamp(self):
        files = self._files()
        stamp = []
        for _, path in files:
            try:
                stamp.append((str(path), path.stat().st_mtime_ns))
            except OSError:
                pass
        return tuple(stamp)

    def maybe_reload(self):
        if self.stamp() != self._stamp:
            self.reload()

    def reload(self):
        self._stamp = self.stamp()
        documents = []
        for plugin, path in self._files():
            try:
                documents.append((plugin, path, parse_json(path.read_text())))
            except (OSError, BadJSON, UnicodeDecodeError) as error:
                documents.append((plugin, path, error))
        resources = []
        for _, path, document in documents:
            if isinstance(document, Exception):
                continue
            resource = self._resource(document)
            resources.append((path.as_uri(), resource))
            if resource.id():
                resources.append((resource.id(), resource))
        registry = jsonschema_specifications.REGISTRY.combine(
            referencing.Registry(retrieve=self._retrieve).with_resources(resources)
        )

        topics, refused, protocol = {}, {}, {}
        for plugin, path, document in documents:
            name = path.stem
            if plugin == "wok/protocol":
                try:
                    if isinstance(document, Exception):
                        raise document
                    protocol[name] = self._compile(document, path, registry)
                except Exception as error:
                    log.error("protocol schema %s refused: %s", path, error)
                continue
            if "." not in name:
                continue  # shared definitions such as defs.json
            if not valid_topic(name) or name.split(".")[0] != plugin:
                refused[name] = f"{path}: topic name does not belong to plugin {plugin}"
                continue
            if isinstance(document, Exception):
                refused[name] = f"{path}: {document}"
                continue
            try:
                validator = self._compile(document, path, registry)
            except Exception as error:  # a schema that does not compile
                refused[name] = f"{path}: {error}"
                old = self.topics.get(name)
                if old:
                    topics[name] = dict(old, status="refused", reason=refused[name])
                continue
            topics[name] = {
                "plugin": plugin,
                "schema": document,
                "validator": validator,
                "draft": self._draft_name(validator),
                "id": document.get("$id") if isinstance(document, dict) else None,
                "description": document.get("description") if isinstance(document, dict) else None,
                "status": "ok",
            }
        self.topics, self.refused, self.protocol = topics, refused, protocol
        log.info("loaded %d topics (%d refused)", len(topics), len(refused))

    @staticmethod
    def _draft_name(validator):
        return {
            "Draft3Validator": "draft-03",
            "Draft4Validator": "draft-04",
            "Draft6Validator": "draft-06",
            "Draft7Validator": "draft-07",
            "Draft201909Validator": "2019-09",
            "Draft202012Validator": "2020-12",
        }.get(type(validator).__name__, "2020-12")

    @staticmethod
    def _resource(document):
        dialect = document.get("$schema") if isinstance(document, dict) else None
        specification = referencing.jsonschema.specification_with(
            dialect or "https://json-schema.org/draft/2020-12/schema", default=referencing.jsonschema.DRAFT202012
        )
        return specification.create_resource(document)

    @classmethod
    def _compile(cls_, document, path, registry):
        cls = jsonschema.validators.validator_for(document, default=jsonschema.Draft202012Validator)
        cls.check_schema(document)
        # Relative $refs resolve against the schema's $id, or else the file's own place.
        base = cls_._resource(document).id() or path.as_uri()
        resolver = registry.resolver(base_uri=base)
        validator = cls(document, registry=registry, _resolver=resolver)
        # Resolve every $ref now, so a dangling one is a refusal and not a 500 later.
        for ref in _refs(document):
            resolver.lookup(ref)
        return validator

    def suggestions(self, name):
        return difflib.get_close_matches(name, list(self.topics), n=3, cutoff=0.6)

    def listing(self):
        out = []
        for name in sorted(set(self.topics) | set(self.refused)):
            entry = self.topics.get(name)
            item = {"topic": name, "plugin": name.split(".")[0]}
            if entry:
                item.update({"draft": entry["draft"], "$id": entry["id"], "description": entry["description"], "status": entry["status"]})
                if entry["status"] != "ok":
                    item["reason"] = entry["reason"]
            else:
                item.update({"status": "refused", "reason": self.refused[name]})
            out.append(item)
        return out


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _pointer(parts):
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def schema_errors(validator, instance, prefix=""):
    errors = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        errors.append({
            "instanceLocation": prefix + _pointer(error.absolute_path),
            "keywordLocation": _pointer(error.absolute_schema_path),
            "message": error.message,
        })
        if len(errors) >= 100:
            break
    return errors


# ---------------------------------------------------------------------------------------------
# The hub: history and fan-out


class Hub:
    def __init__(self, registry, history_size):
        self.registry = registry
        self.epoch = secrets.token_hex(4)
        self.history = collections.deque(maxlen=history_size)
        self.head = 0
        self.exact = collections.defaultdict(set)  # topic -> connections
        self.wildcards = collections.defaultdict(set)  # filter -> connections
        self.waiters = set()  # long-poll callbacks

    def publish(self, topic, data):
        """Validates and stores one notification, then sends its frame to every match."""
        entry = self.registry.topics.get(topic)
        if entry is None:
            raise PublishError(404, {"error": "unknown_topic", "topic": topic, "suggestions": self.registry.suggestions(topic)})
        errors = schema_errors(entry["validator"], data, "/data")
        if errors:
            raise PublishError(422, {"error": "invalid", "errors": errors})
        self.head += 1
        notification = {
            "type": "notification", "id": self.head, "epoch": self.epoch, "topic": topic,
            "plugin": entry["plugin"], "time": now_iso(), "data": data,
        }
        frame = dump_json(notification)
        self.history.append((notification, frame))
        targets = set(self.exact.get(topic, ()))
        for pattern, connections in self.wildcards.items():
            if filter_matches(pattern, topic):
                targets |= connections
        for connection in targets:
            connection.deliver(frame)
        for waiter in list(self.waiters):
            waiter(notification)
        return notification

    def add(self, connection, pattern):
        (self.exact if is_exact(pattern) else self.wildcards)[pattern].add(connection)

    def remove(self, connection, pattern):
        table = self.exact if is_exact(pattern) else self.wildcards
        holders = table.get(pattern)
        if holders is not None:
            holders.discard(connection)
            if not holders:
                del table[pattern]

    def replay(self, since, epoch, patterns, skip_patterns=()):
        """Notifications of ``patterns`` after ``since``, and whether that is all of them."""
        if epoch is not None and epoch != self.epoch:
            return [], False
        oldest = self.history[0][0]["id"] if self.history else self.head + 1
        if since + 1 < oldest and since < self.head:
            return [], False
        missed = []
        for notification, frame in self.history:
            if notification["id"] <= since:
                continue
            topic = notification["topic"]
            if any(filter_matches(p, topic) for p in patterns) and not any(filter_matches(p, topic) for p in skip_patterns):
                missed.append((notification, frame))
        return missed, True


class PublishError(Exception):
    def __init__(self, status, body):
        super().__init__(body.get("error"))
        self.status = status
        self.body = body


# ---------------------------------------------------------------------------------------------
# The push socket


class PushSocket(tornado.websocket.WebSocketHandler):
    def initialize(self, hub, options):
        self.hub = hub
        self.options = options
        self.filters = set()
        self.pending_frames = 0
        self.pending_bytes = 0
        self.tokens = float(options.frame_burst)
        self.last_refill = time.monotonic()
        self.closing = False

    def check_origin(self, origin):
        return True  # checked in open() so a refusal is a 1008 close, as PROTOCOL says

    def get_compression_options(self):
        return None

    def open(self):
        origin = self.request.headers.get("Origin")
        if self.options.allowed_origins and origin is not None and origin not in self.options.allowed_origins:
            self.close(1008, "origin not allowed")
            self.closing = True
            return
        self.application.settings["connections"].add(self)

    def on_close(self):
        self.application.settings["connections"].discard(self)
        for pattern in self.filters:
            self.hub.remove(self, pattern)
        self.filters.clear()

    def deliver(self, frame, replay=False):
        """Queues one encoded notification; a socket whose queue is full is closed with 1013.

        A replay is bounded by the history, not by the queue: it is written whole.
        """
        if self.closing:
            return
        if replay:
            self.write_message(frame)
            return
        if self.pending_frames >= self.options.queue_frames or self.pending_bytes >= self.options.queue_bytes:
            self.closing = True
            self.close(1013, "client could not keep up")
            return
        self.pending_frames += 1
        self.pending_bytes += len(frame)
        size = len(frame)
        try:
            future = self.write_message(frame)
        except tornado.websocket.WebSocketClosedError:
            return
        future.add_done_callback(lambda _f: self._flushed(size))

    def _flushed(self, size):
        self.pending_frames -= 1
        self.pending_bytes -= size

    def send(self, frame):
        try:
            self.write_message(dump_json(frame))
        except tornado.websocket.WebSocketClosedError:
            pass

    def error(self, code, message, ref=None, details=None):
        frame = {"type": "error", "code": code, "message": message}
        if details is not None:
            frame["details"] = details
        if ref is not None:
            frame["ref"] = ref
        self.send(frame)

    def _rate_ok(self):
        now = time.monotonic()
        self.tokens = min(float(self.options.frame_burst), self.tokens + (now - self.last_refill) * self.options.frame_rate)
        self.last_refill = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def on_message(self, message):
        if self.closing:
            return
        if not self._rate_ok():
            self.error("limit_exceeded", "too many frames; slow down")
            return
        if isinstance(message, bytes):
            self.error("invalid_frame", "frames must be JSON text frames")
            return
        try:
            frame = parse_json(message)
        except BadJSON as error:
            self.error("invalid_frame", f"not JSON: {error}")
            return
        if not isinstance(frame, dict):
            self.error("invalid_frame", "a frame is a JSON object")
            return
        ref = frame.get("ref")
        if ref is not None and (not isinstance(ref, (str, int)) or isinstance(ref, bool)):
            self.error("invalid_frame", "ref must be a string or an integer")
            return
        schema = self.hub.registry.protocol.get("client-frame")
        if schema is not None:
            errors = schema_errors(schema, frame)
            if errors:
                self.error("invalid_frame", errors[0]["message"], ref, {"errors": errors})
                return
        kind = frame.get("type")
        handlers = {"subscribe": self.subscribe, "unsubscribe": self.unsubscribe, "ping": self.ping_frame}
        handler = handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            self.error("invalid_frame", "unknown frame type", ref)
            return
        handler(frame, ref)

    def ping_frame(self, frame, ref):
        reply = {"type": "pong"}
        if ref is not None:
            reply["ref"] = ref
        self.send(reply)

    def _topics(self, frame, ref):
        topics = frame.get("topics")
        if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
            self.error("invalid_frame", "topics must be a non-empty list of filters", ref)
            return None
        bad = [t for t in topics if not valid_filter(t)]
        if bad:
            self.error("invalid_frame", f"not a topic filter: {bad[0][:300]}", ref, {"filters": bad[:10]})
            return None
        return list(dict.fromkeys(topics))

    def subscribe(self, frame, ref):
        topics = self._topics(frame, ref)
        if topics is None:
            return
        since, epoch = frame.get("since"), frame.get("epoch")
        if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0 or since >= 2**63):
            self.error("invalid_frame", "since must be a non-negative integer", ref)
            return
        if epoch is not None and not isinstance(epoch, str):
            self.error("invalid_frame", "epoch must be a string", ref)
            return
        unknown = [t for t in topics if is_exact(t) and t not in self.hub.registry.topics]
        if unknown:
            self.error(
                "unknown_topic", f"no such topic: {unknown[0]}", ref,
                {"topic": unknown[0], "suggestions": self.hub.registry.suggestions(unknown[0])},
            )
            return
        new = [t for t in topics if t not in self.filters]
        if len(self.filters) + len(new) > self.options.max_filters:
            self.error("limit_exceeded", f"at most {self.options.max_filters} filters per connection", ref)
            return
        missed, recovered = [], True
        if since is not None:
            missed, recovered = self.hub.replay(since, epoch, new, skip_patterns=self.filters)
        reply = {"type": "subscribed", "topics": topics, "head": self.hub.head, "epoch": self.hub.epoch, "recovered": recovered}
        if ref is not None:
            reply["ref"] = ref
        self.send(reply)
        # Replay and registration happen in this one callback: nothing is published in between.
        for _, encoded in missed:
            self.deliver(encoded, replay=True)
        for pattern in new:
            self.filters.add(pattern)
            self.hub.add(self, pattern)

    def unsubscribe(self, frame, ref):
        topics = self._topics(frame, ref)
        if topics is None:
            return
        for pattern in topics:
            if pattern in self.filters:
                self.filters.discard(pattern)
                self.hub.remove(self, pattern)
        reply = {"type": "unsubscribed", "topics": topics}
        if ref is not None:
            reply["ref"] = ref
        self.send(reply)


# ---------------------------------------------------------------------------------------------
# HTTP API


class JSONHandler(tornado.web.RequestHandler):
    def initialize(self, hub, options):
        self.hub = hub
        self.options = options

    def reply(self, status, body):
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(dump_json(body))

    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "application/json")
        self.finish(dump_json({"error": self._reason.lower().replace(" ", "_") if self._reason else "error"}))


@tornado.web.stream_request_body
class NotificationsHandler(JSONHandler):
    def prepare(self):
        self.chunks = []
        self.size = 0
        self.too_large = False
        if self.request.method == "POST":
            length = self.request.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > self.options.max_body:
                self.too_large = True
                self.reply(413, {"error": "too_large", "limit": self.options.max_body})

    def data_received(self, chunk):
        if self.too_large or self.request.method != "POST":
            return
        self.size += len(chunk)
        if self.size > self.options.max_body:
            self.too_large = True
            self.chunks = []
            return
        self.chunks.append(chunk)

    def post(self):
        if self.too_large:
            if not self._finished:
                self.reply(413, {"error": "too_large", "limit": self.options.max_body})
            return
        body = b"".join(self.chunks)
        try:
            payload = parse_json(body.decode("utf-8"))
        except (BadJSON, UnicodeDecodeError) as error:
            self.reply(400, {"error": "invalid_json", "message": str(error)})
            return
        if isinstance(payload, list):
            if not payload:
                self.reply(400, {"error": "invalid_request", "message": "a batch holds at least one notification"})
                return
            results = []
            for item in payload:
                status, result = self._publish_one(item)
                results.append(dict(result, status=status))
            self.set_status(207)
            self.set_header("Content-Type", "application/json")
            self.finish(dump_json(results))
            return
        status, result = self._publish_one(payload)
        self.reply(status, result)

    def _publish_one(self, item):
        problem = self._shape_problem(item)
        if problem:
            return 400, {"error": "invalid_request", "message": problem}
        try:
            notification = self.hub.publish(item["topic"], item["data"])
        except PublishError as error:
            return error.status, error.body
        return 202, {"id": notification["id"], "topic": notification["topic"], "epoch": notification["epoch"]}

    def _shape_problem(self, item):
        schema = self.hub.registry.protocol.get("publish")
        if schema is not None:
            errors = [e for e in schema_errors(schema, item)]
            if errors and isinstance(item, dict):
                return errors[0]["message"]
        if not isinstance(item, dict) or "topic" not in item or "data" not in item:
            return "a notification is an object with topic and data"
        if not isinstance(item["topic"], str):
            return "topic must be a string"
        return None

    async def get(self):
        topics = [t for t in self.get_argument("topics", "").split(",") if t]
        if not topics:
            self.reply(400, {"error": "invalid_request", "message": "topics is required"})
            return
        bad = [t for t in topics if not valid_filter(t)]
        if bad:
            self.reply(400, {"error": "invalid_request", "message": f"not a topic filter: {bad[0]}"})
            return
        unknown = [t for t in topics if is_exact(t) and t not in self.hub.registry.topics]
        if unknown:
            self.reply(404, {"error": "unknown_topic", "topic": unknown[0], "suggestions": self.hub.registry.suggestions(unknown[0])})
            return
        try:
            since = int(self.get_argument("since", "0"))
            limit = int(self.get_argument("limit", "100"))
            wait = float(self.get_argument("wait", "0"))
        except ValueError:
            self.reply(400, {"error": "invalid_request", "message": "since, limit and wait are numbers"})
            return
        if since < 0 or not 1 <= limit <= 1000 or not 0 <= wait <= 60:
            self.reply(400, {"error": "invalid_request", "message": "since >= 0, 1 <= limit <= 1000, 0 <= wait <= 60"})
            return
        epoch = self.get_argument("epoch", None)
        missed, recovered = self.hub.replay(since, epoch, topics)
        if not missed and wait > 0 and recovered:
            future = tornado.concurrent.Future()

            def waiter(notification):
                if any(filter_matches(p, notification["topic"]) for p in topics) and not future.done():
                    future.set_result(None)

            self.hub.waiters.add(waiter)
            try:
                await tornado.gen.with_timeout(datetime.timedelta(seconds=wait), future)
            except tornado.gen.TimeoutError:
                pass
            finally:
                self.hub.waiters.discard(waiter)
            missed, recovered = self.hub.replay(since, epoch, topics)
        self.reply(200, {
            "epoch": self.hub.epoch, "head": self.hub.head, "recovered": recovered,
            "notifications": [n for n, _ in missed[:limit]],
        })


class TopicsHandler(JSONHandler):
    def get(self):
        self.reply(200, {"topics": self.hub.registry.listing()})


class TopicSchemaHandler(JSONHandler):
    def get(self, topic):
        entry = self.hub.registry.topics.get(topic)
        if entry is None:
            self.reply(404, {"error": "unknown_topic", "topic": topic, "suggestions": self.hub.registry.suggestions(topic)})
            return
        self.reply(200, entry["schema"])


class HealthHandler(JSONHandler):
    def get(self):
        self.reply(200, {"status": "ok"})


class NotFoundHandler(JSONHandler):
    def prepare(self):
        self.reply(404, {"error": "not_found"})


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--root", default=".", help="folder holding schemas/ and plugins/")
    parser.add_argument("--history", type=int, default=100_000, help="notifications kept in memory")
    parser.add_argument("--max-frame", type=int, default=64 * 1024, help="largest client frame, bytes")
    parser.add_argument("--max-body", type=int, default=1024 * 1024, help="largest request body, bytes")
    parser.add_argument("--max-filters", type=int, default=256, help="filters per connection")
    parser.add_argument("--queue-frames", type=int, default=1024, help="outbound frames per connection")
    parser.add_argument("--queue-bytes", type=int, default=1024 * 1024, help="outbound bytes per connection")
    parser.add_argument("--frame-rate", type=float, default=100.0, help="client frames per second")
    parser.add_argument("--frame-burst", type=int, default=200, help="client frames allowed at once")
    parser.add_argument("--allowed-origin", action="append", dest="allowed_origins", default=[], help="repeatable; none allows all")
    parser.add_argument("--log-level", default="info")
    options = parser.parse_args()
    logging.basicConfig(level=options.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")

    registry = SchemaRegistry(options.root)
    hub = Hub(registry, options.history)
    shared = {"hub": hub, "options": options}
    app = tornado.web.Application(
        [
            (r"/push", PushSocket, shared),
            (r"/notifications", NotificationsHandler, shared),
            (r"/topics", TopicsHandler, shared),
            (r"/topics/([^/]+)/schema", TopicSchemaHandler, shared),
            (r"/healthz", HealthHandler, shared),
            (r"/readyz", HealthHandler, shared),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=shared,
        websocket_max_message_size=options.max_frame,
        websocket_ping_interval=30,
        websocket_ping_timeout=30,
        connections=set(),
    )
    server = tornado.httpserver.HTTPServer(app, max_body_size=64 * options.max_body, idle_connection_timeout=60, body_timeout=30)
    server.listen(options.port, address=options.host, backlog=4096)
    tornado.ioloop.PeriodicCallback(registry.maybe_reload, 1000).start()
    log.warning("tornado push peer on http://%s:%d/ (no authentication), epoch %s, root %s", options.host, options.port, hub.epoch, registry.root)
    loop = tornado.ioloop.IOLoop.current()

    def shutdown():
        log.warning("shutting down: closing %d sockets with 1001", len(app.settings["connections"]))
        server.stop()
        for connection in list(app.settings["connections"]):
            connection.close(1001, "server shutting down")
        loop.call_later(0.5, loop.stop)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: loop.add_callback_from_signal(shutdown))
    loop.start()


if __name__ == "__main__":
    main()
