"""`wok-router validate --topic T` (PROTOCOL section 7) on the tree a running router serves: it
calls T refused exactly when the router refuses it (section 2), and validates as before when the
router accepts it."""

import json
import subprocess

import pytest

from harness import ServerProcess, router_binary

pytestmark = pytest.mark.wok_router_only("the wok-router command line")


def run_validate(root, topic, instance):
    command = [str(router_binary()), "validate", "--root", str(root), "--topic", topic, str(instance)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_validate_topic_refuses_what_the_running_router_refuses(tmp_path):
    router = ServerProcess("wok-router", tmp_path / "router", store="memory")
    schemas = router.root / "plugins" / "itest" / "schemas"
    (schemas / "v2").mkdir()
    (schemas / "v2" / "itest.any.json").write_text(json.dumps({"type": "object"}))  # a second itest.any
    nomani = router.root / "plugins" / "nomani" / "schemas"  # a plugin without plugin.json
    nomani.mkdir(parents=True)
    (nomani / "nomani.things.json").write_text(json.dumps({"type": "object"}))
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"type": "object"}))
    (schemas / "itest.linked.json").symlink_to(outside)  # leaves the root
    instance = tmp_path / "instance.json"
    instance.write_text('{"user": "admin"}')
    try:
        router.start()
        topics = {entry["topic"]: entry for entry in router.http("GET", "/topics").json()["topics"]}
        assert topics["itest.any"]["status"] == "refused" and topics["nomani.things"]["status"] == "refused", topics
        assert "itest.linked" not in topics
        assert router.publish("itest.linked", {}).status_code == 404
        assert router.publish("nomani.things", {}).status_code == 404
        for topic in ("itest.any", "nomani.things", "itest.linked"):
            done = run_validate(router.root, topic, instance)
            assert done.returncode == 1, (topic, done.stdout, done.stderr)
            assert f'topic "{topic}" (' in done.stderr and "is refused by the router: " in done.stderr, done.stderr
            assert done.stdout == ""
        accepted = run_validate(router.root, "itest.user", instance)
        assert accepted.returncode == 0, accepted.stderr
        router.publish_ok("itest.user", {"user": "admin"})
    finally:
        router.kill()
