"""Retention passes on a schedule (`retention_interval`): the plugins' retention rules are applied
every interval, not only when the router starts."""
import json
import time

import pytest

pytestmark = pytest.mark.wok_router_only("the retention_interval setting")


def _ids(server, since=0):
    body = server.http("GET", "/notifications", params={"topics": "itest.events", "since": since, "limit": 100}).json()
    return [n["id"] for n in body["notifications"]], body


def test_a_short_retention_interval_applies_the_rules_while_the_router_runs(server_factory):
    server = server_factory(args=("--set", "retention_interval=0.5"))
    manifest = server.root / "plugins" / "itest" / "plugin.json"
    settings = json.loads(manifest.read_text())
    settings["topics"] = {"itest.events": {"retention": {"count": 2}}}
    manifest.write_text(json.dumps(settings))
    server.restart()  # the manifest is read at start (and by the schema watcher)

    published = [server.publish_ok("itest.events", {"seq": seq})["id"] for seq in range(1, 8)]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ids, body = _ids(server)
        if ids == published[-2:]:
            break
        time.sleep(0.1)
    assert ids == published[-2:], f"a pass within 20 s keeps the newest 2 of 7 (SQLite store), kept {ids}"
    assert body["recovered"] is False, "the reader is told that older notifications were trimmed"


@pytest.mark.parametrize("value", ["0", "-1", "nan", "1e12"])
def test_an_unusable_retention_interval_is_refused_at_start_with_its_name(server_factory, value):
    with pytest.raises(RuntimeError, match="retention_interval"):
        server_factory(args=("--set", f"retention_interval={value}"))
