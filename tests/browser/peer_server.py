"""The tornado reference peer (Benchmarks/peers/tornado) dressed up for the browser suite.

The peer speaks PROTOCOL.md's /push and HTTP API but serves no static files and has no
/metrics. This wrapper adds both (Public/ files, and the two gauges the browser tests read), so
the suite can run against the peer with `--server=tornado` while developing or comparing.

Usage: python peer_server.py PORT ROOT PUBLIC_DIR
"""

import os
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, os.environ.get("WOK_PEER_DIR", str(REPO / "Benchmarks" / "peers" / "tornado")))

import tornado.ioloop  # noqa: E402
import tornado.web  # noqa: E402

import tornado_push as peer  # noqa: E402


class Options:
    history = 100_000
    max_frame = 64 * 1024
    max_body = 1024 * 1024
    max_filters = 256
    queue_frames = 1024
    queue_bytes = 1024 * 1024
    frame_rate = 100.0
    frame_burst = 200
    allowed_origins = []


LONG_POLLS = {"n": 0}


class CountedNotifications(peer.NotificationsHandler):
    async def get(self):
        waiting = float(self.get_argument("wait", "0") or 0) > 0
        LONG_POLLS["n"] += waiting
        try:
            await super().get()
        finally:
            LONG_POLLS["n"] -= waiting


class Metrics(tornado.web.RequestHandler):
    def get(self):
        sockets = self.application.settings["connections"]
        filters = sum(len(s.filters) for s in sockets)
        self.set_header("Content-Type", "text/plain; version=0.0.4")
        self.write(
            f'wok_router_connections{{transport="websocket"}} {len(sockets)}\n'
            f'wok_router_connections{{transport="longpoll"}} {LONG_POLLS["n"]}\n'
            f"wok_router_subscriptions {filters}\n"
        )


def main():
    port, root, public = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    registry = peer.SchemaRegistry(root)
    hub = peer.Hub(registry, Options.history)
    shared = {"hub": hub, "options": Options}
    app = tornado.web.Application(
        [
            (r"/push", peer.PushSocket, shared),
            (r"/notifications", CountedNotifications, shared),
            (r"/topics", peer.TopicsHandler, shared),
            (r"/topics/([^/]+)/schema", peer.TopicSchemaHandler, shared),
            (r"/healthz", peer.HealthHandler, shared),
            (r"/readyz", peer.HealthHandler, shared),
            (r"/metrics", Metrics),
            (r"/(.*)", tornado.web.StaticFileHandler, {"path": public, "default_filename": "index.html"}),
        ],
        websocket_ping_interval=30,
        connections=set(),
    )
    app.listen(port, address="127.0.0.1")
    tornado.ioloop.PeriodicCallback(registry.maybe_reload, 1000).start()
    tornado.ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
