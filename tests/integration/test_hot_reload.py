"""Plugins and schemas change under a running router (PROTOCOL section 2)."""

import json
import os

import pytest

from harness import WSClient, eventually


@pytest.fixture
def fresh(server_factory):
    return server_factory()


def topic_entry(server, name):
    for entry in server.http("GET", "/topics").json()["topics"]:
        if entry["topic"] == name:
            return entry
    return None


def write_plugin(folder, topic):
    """A plugin folder named as its manifest says, with one topic (its schema: any object)."""
    (folder / "schemas").mkdir(parents=True)
    (folder / "plugin.json").write_text(json.dumps({"name": folder.name, "version": "1.0", "description": "test"}))
    (folder / "schemas" / f"{topic}.json").write_text(json.dumps({"type": "object"}))


def test_a_new_schema_file_makes_a_topic_without_restart(fresh):
    assert fresh.publish("itest.hot", {"x": 1}).status_code == 404
    path = fresh.root / "plugins" / "itest" / "schemas" / "itest.hot.json"
    path.write_text(json.dumps({"type": "object", "required": ["x"]}))
    assert eventually(lambda: fresh.publish("itest.hot", {"x": 1}).status_code == 202, timeout=15), fresh.log_tail()
    assert fresh.publish("itest.hot", {}).status_code == 422
    path.unlink()
    assert eventually(lambda: fresh.publish("itest.hot", {"x": 1}).status_code == 404, timeout=15)


def test_a_schema_that_does_not_compile_is_refused_and_the_old_one_stays(fresh):
    path = fresh.root / "plugins" / "itest" / "schemas" / "itest.events.json"
    path.write_text(json.dumps({"type": "object", "properties": {"seq": {"type": "no-such-type"}}}))
    assert eventually(lambda: (topic_entry(fresh, "itest.events") or {}).get("status") == "refused", timeout=15)
    entry = topic_entry(fresh, "itest.events")
    assert entry["reason"], entry
    # The previous version is still in force.
    assert fresh.publish("itest.events", {"seq": "x"}).status_code == 422
    fresh.publish_ok("itest.events", {"seq": 1})


@pytest.mark.wok_router_only("wok.router.plugins notifications")
def test_plugin_changes_are_published_on_wok_router_plugins(fresh):
    ws = WSClient(fresh)
    try:
        ws.subscribe(["wok.router.plugins"])
        write_plugin(fresh.root / "plugins" / "hotplug", "hotplug.thing")
        frame = ws.notifications(1, timeout=20)[0]
        assert frame["topic"] == "wok.router.plugins" and frame["plugin"] == "wok"
        assert frame["data"]["plugin"] == "hotplug" and frame["data"]["event"] == "loaded"
        assert "hotplug.thing" in frame["data"]["topics"]
        fresh.publish_ok("hotplug.thing", {})
    finally:
        ws.close()


@pytest.mark.wok_router_only("wok.router.plugins notifications")
def test_a_plugin_folder_with_an_invalid_name_is_refused_to_subscribers(fresh):
    """A folder under plugins/ whose name is not a plugin name is refused by that name; the
    `refused` event failed wok.router.plugins' own schema (its `plugin` pattern) and was only
    logged, so subscribers never saw it (nor its `removed`)."""
    ws = WSClient(fresh)
    try:
        ws.subscribe(["wok.router.plugins"])
        # Built aside and renamed in, so that the watcher sees it whole, once.
        aside = fresh.workdir / "aside" / "Kimchi Old"
        write_plugin(aside, "kimchi.old")
        folder = fresh.root / "plugins" / "Kimchi Old"
        os.rename(aside, folder)
        frame = ws.notifications(1, timeout=20)[0]
        assert frame["topic"] == "wok.router.plugins" and frame["plugin"] == "wok"
        data = frame["data"]
        assert (data["plugin"], data["event"], data["topics"]) == ("Kimchi Old", "refused", []), data
        assert "Kimchi Old" in data["reason"] and "not a valid" in data["reason"], data
        assert fresh.publish("kimchi.old", {}).status_code == 404

        os.rename(folder, aside)
        frame = ws.notifications(1, timeout=20)[0]
        assert frame["data"] == {"plugin": "Kimchi Old", "event": "removed", "topics": []}
    finally:
        ws.close()


USERLOG = {"id": 1, "app": "kimchi", "user": "root", "req": "GET", "status": 200, "message": "m",
           "ip": "127.0.0.1", "date": "2026-11-29", "time": "14:00:00", "zone": "UTC"}


def assert_the_core_intact(server):
    entry = topic_entry(server, "wok.userlog")
    assert entry and (entry["plugin"], entry["status"]) == ("wok", "ok"), entry
    server.publish_ok("wok.userlog", USERLOG)
    assert topic_entry(server, "wok.extra") is None
    assert server.publish("wok.extra", {}).status_code == 404


@pytest.mark.wok_router_only("wok.router.plugins notifications")
def test_a_plugins_wok_folder_is_refused_as_itself_and_leaves_the_core_alone(fresh):
    """A folder plugins/wok/ (the core's name) took the core's place in the plugin list: its
    wok.userlog.json refused the core's as defined twice (unknown after a restart), its wok.extra
    was listed as a core topic, and its events said "wok refused" and, once removed, "wok changed"."""
    aside = fresh.workdir / "aside" / "wok"
    write_plugin(aside, "wok.extra")
    (aside / "schemas" / "wok.userlog.json").write_text("false")  # would refuse every record
    folder = fresh.root / "plugins" / "wok"
    ws = WSClient(fresh)
    try:
        ws.subscribe(["wok.router.plugins"])
        os.rename(aside, folder)
        data = ws.notifications(1, timeout=20)[0]["data"]
        assert (data["plugin"], data["event"], data["topics"]) == ("plugins/wok", "refused", []), data
        assert "reserved for the core" in data["reason"], data
        assert_the_core_intact(fresh)
    finally:
        ws.close()

    fresh.restart()  # no previous version to keep in force at start
    assert_the_core_intact(fresh)
    ws = WSClient(fresh)
    try:
        ws.subscribe(["wok.router.plugins"])
        os.rename(folder, aside)
        data = ws.notifications(1, timeout=20)[0]["data"]
        assert data == {"plugin": "plugins/wok", "event": "removed", "topics": []}
        assert_the_core_intact(fresh)
    finally:
        ws.close()
