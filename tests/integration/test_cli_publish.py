"""`wok-router publish` (PROTOCOL section 7) against a running router, over TCP and the UNIX socket."""

import json
import subprocess

import pytest

from harness import free_port, router_binary

pytestmark = pytest.mark.wok_router_only("the wok-router command line")


def run_publish(*args):
    return subprocess.run([str(router_binary()), "publish", *args], capture_output=True, text=True, timeout=30)


def test_publish_over_tcp_is_delivered_and_exits_0(server, client):
    ws = client()
    ws.subscribe(["itest.events"])
    done = run_publish("--url", server.url(""), "--topic", "itest.events", "--data", '{"seq": 41}')
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    frame = ws.notifications(1)[0]
    assert frame["id"] == answer["id"] and frame["data"] == {"seq": 41}


def test_refused_publish_exits_1_with_the_routers_error(server):
    done = run_publish("--url", server.url(""), "--topic", "itest.evnets", "--data", '{"seq": 1}')
    assert done.returncode == 1
    assert "unknown_topic" in done.stdout + done.stderr


def test_unreachable_router_exits_2():
    done = run_publish("--url", f"http://127.0.0.1:{free_port()}", "--topic", "itest.events", "--data", "{}")
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def unix_router(server_factory):
    return server_factory(unix_socket=True)


def test_publish_over_the_unix_socket(unix_router):
    done = run_publish("--unix-socket", unix_router.unix_socket, "--topic", "itest.events", "--data", '{"seq": 2}')
    assert done.returncode == 0, done.stderr
    page = unix_router.http("GET", "/notifications", params={"topics": "itest.events", "since": 0}).json()
    assert page["notifications"][-1]["data"] == {"seq": 2}
