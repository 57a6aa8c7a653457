"""The User Log demo and the browser client in real headless Chromium, against a real router."""

import time
import uuid

import pytest

from harness import (DELETE_SHARED_WORKER, DELETE_WEB_LOCKS, DELETE_WEBSOCKET, RouterProcess, TcpGate, free_port,
                     make_jwt, open_tab, userlog_entry, wait_until)

QUICK = "?reconnect=2000"  # reconnect backoff capped at 2 s, so a restart is noticed soon


def open_demo(driver, base, count, query=QUICK, inject=None):
    tabs = [open_tab(driver, f"{base}/demo/userlog.html{query}", inject=inject, first=(i == 0)) for i in range(count)]
    for tab in tabs:
        wait_until(tab.loaded, message=f"the user log to load in {tab.handle}")
    return tabs


def wait_state(tab, state):
    return wait_until(lambda: tab.status()["state"] == state and tab.status(), message=f"status {state!r} in {tab.handle}")


def wait_shows(tab, message):
    def find():
        return next((r for r in tab.rows() if r["message"] == message), None)
    return wait_until(find, message=f"{message!r} to appear in {tab.handle}")


def unique(text):
    return f"{text} {uuid.uuid4().hex[:8]}"


def test_three_tabs_share_one_socket_and_each_shows_a_new_entry(router, browser):
    driver = browser()
    tabs = open_demo(driver, router.base, 3)
    for tab in tabs:
        assert wait_state(tab, "connected")["mode"] == "shared-worker"
    wait_until(lambda: router.metric("wok_router_connections", transport="websocket") == 1,
               message="one WebSocket for the three tabs")
    # The three tabs' wok.userlog is one filter at the router.
    wait_until(lambda: router.metric("wok_router_subscriptions") == 1, message="one filter at the router")

    # As a person would: `wok-router publish`.
    first = unique("Created VM by CLI")
    router.publish_cli("wok.userlog", userlog_entry(first))
    for tab in tabs:
        wait_shows(tab, first)

    # Timed from the moment the router accepted it to the moment each page inserted the row.
    second = unique("Changed VM state")
    sent_ms = time.time() * 1000
    router.publish("wok.userlog", userlog_entry(second, req="PUT", status=200))
    for tab in tabs:
        row = wait_shows(tab, second)
        assert row["received"] - sent_ms <= 1000, f"{tab.handle} showed it {row['received'] - sent_ms:.0f} ms after publishing"
    assert router.metric("wok_router_connections", transport="websocket") == 1
    for tab in tabs:
        assert tab.messages().count(first) == 1 and tab.messages().count(second) == 1


SUBSCRIBE_EXTRA = """
window.__got = window.__got || [];
WokPush.subscribe(arguments[0], (n) => window.__got.push(n.topic + ' ' + n.id));
"""


def test_closing_tabs_releases_only_the_filters_they_alone_held(router, browser):
    driver = browser()
    keep, second, third = open_demo(driver, router.base, 3)
    keep.js(SUBSCRIBE_EXTRA, ["wok.notifications"])
    second.js(SUBSCRIBE_EXTRA, ["wok.notifications", "wok.tasks"])
    third.js(SUBSCRIBE_EXTRA, ["wok.*"])
    # wok.userlog, wok.notifications, wok.tasks, wok.*: each once at the router.
    wait_until(lambda: router.metric("wok_router_subscriptions") == 4, message="4 filters at the router")
    assert router.metric("wok_router_connections", transport="websocket") == 1

    second.close()
    third.close()
    # Only wok.userlog and wok.notifications are still held (by the remaining tab).
    wait_until(lambda: router.metric("wok_router_subscriptions") == 2, message="the closed tabs' own filters released")
    assert router.metric("wok_router_connections", transport="websocket") == 1

    # The remaining tab still gets what it holds, and nothing of what it does not.
    task = router.publish("wok.tasks", {"id": "t1", "status": "running", "message": "copying", "target": "/vms/a"})
    note = router.publish("wok.notifications", {"code": "KCHVM0001I", "message": "hello", "args": {}, "plugin": "kimchi"})
    wait_until(lambda: f"wok.notifications {note['id']}" in keep.js("return window.__got"), message="wok.notifications delivered")
    assert f"wok.tasks {task['id']}" not in keep.js("return window.__got")
    entry = unique("After the others closed")
    router.publish("wok.userlog", userlog_entry(entry))
    wait_shows(keep, entry)


def test_a_restarted_router_is_resumed_without_gaps_or_duplicates(router, browser):
    driver = browser()
    gate = TcpGate(router.port)
    try:
        (tab,) = open_demo(driver, gate.base, 1)
        wait_state(tab, "connected")
        before = unique("Before the restart")
        router.publish("wok.userlog", userlog_entry(before))
        wait_shows(tab, before)

        router.kill()
        gate.close_gate()
        wait_state(tab, "reconnecting")
        router.start()  # same port, same SQLite store
        published = [unique(f"Published while away {i}") for i in range(5)]
        for message in published:
            router.publish("wok.userlog", userlog_entry(message))
        assert router.metric("wok_router_connections", transport="websocket") == 0, "the tab must still be away"
        gate.open_gate()

        for message in published:
            wait_shows(tab, message)
        wait_state(tab, "connected")
        live = unique("Live again")
        router.publish("wok.userlog", userlog_entry(live))
        wait_shows(tab, live)
        rows = tab.rows()
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids)), f"an entry is shown twice: {ids}"
        # The tornado peer keeps its history in memory: across its restart the tab is told of a
        # gap and reloads, and the entry from before is gone with that history.
        kept = [before] if router.kind == "wok-router" else []
        for message in [*kept, *published, live]:
            assert [r["message"] for r in rows].count(message) == 1, f"{message!r} is not shown exactly once"
        if router.kind == "wok-router":
            assert tab.js("return document.body.dataset.gaps || '0'") == "0", "the SQLite store kept the history: no gap"
    finally:
        gate.close_gate()


def _deliver_to_all(router, tabs):
    entry = unique("Delivered in fallback")
    router.publish("wok.userlog", userlog_entry(entry))
    for tab in tabs:
        wait_shows(tab, entry)


def open_leader_and_followers(router, browser):
    """Three demo tabs without SharedWorker, connected: (the leader, [the two followers])."""
    tabs = open_demo(browser(), router.base, 3, inject=DELETE_SHARED_WORKER)
    wait_until(lambda: sorted(t.status()["mode"] for t in tabs) == ["follower", "follower", "leader"],
               message="one leader and two followers")
    for tab in tabs:
        wait_state(tab, "connected")
    leader = next(t for t in tabs if t.status()["mode"] == "leader")
    return leader, [t for t in tabs if t is not leader]


def test_without_shared_worker_one_tab_leads_and_relays(router, browser):
    leader, rest = open_leader_and_followers(router, browser)
    tabs = [leader, *rest]
    wait_until(lambda: router.metric("wok_router_connections", transport="websocket") == 1,
               message="one WebSocket, held by the leader")
    _deliver_to_all(router, tabs)

    # The leader goes away: another tab takes over the socket.
    leader.close()
    wait_until(lambda: sorted(t.status()["mode"] for t in rest) == ["follower", "leader"], message="a new leader")
    wait_until(lambda: all(t.status()["state"] == "connected" for t in rest), message="the followers connected again")
    _deliver_to_all(router, rest)
    wait_until(lambda: router.metric("wok_router_connections", transport="websocket") == 1,
               message="still one WebSocket")


SUBSCRIBE_NAMED = """
const [name, filters] = arguments;
window.__subs = window.__subs || {};
const s = window.__subs[name] = {got: [], ready: false};
WokPush.subscribe(filters, (n) => s.got.push(n.id), {onReady: () => { s.ready = true; }});
"""


def _named(tab, name):
    return tab.js("return window.__subs && window.__subs[arguments[0]]", name)


def test_a_new_leader_does_not_hand_a_later_filter_what_preceded_its_subscription(router, browser):
    leader, followers = open_leader_and_followers(router, browser)

    # Each follower holds wok.notifications and has seen one: it stands at that id.
    for tab in followers:
        tab.js(SUBSCRIBE_NAMED, "early", ["wok.notifications"])
        wait_until(lambda: _named(tab, "early")["ready"], message=f"early ready in {tab.handle}")
    seen = router.publish("wok.notifications", {"code": "KCHVM0001I", "message": "seen", "args": {}, "plugin": "kimchi"})["id"]
    for tab in followers:
        wait_until(lambda: _named(tab, "early")["got"] == [seen], message=f"{seen} in {tab.handle}")
    # Tasks nobody holds; then the followers subscribe wok.tasks: these precede their subscription
    # (a page loads them as state at onReady) and must never be handed to it.
    before = [router.publish("wok.tasks", {"id": f"t{i}", "status": "running", "message": "m", "target": "/vms/a"})["id"]
              for i in range(2)]
    for tab in followers:
        tab.js(SUBSCRIBE_NAMED, "late", ["wok.tasks"])
        wait_until(lambda: _named(tab, "late")["ready"], message=f"late ready in {tab.handle}")

    # The leader goes: a follower takes the lock, builds a new hub and resumes from where the
    # tabs stand, which for wok.notifications is `seen`, older than the tasks above.
    leader.close()
    wait_until(lambda: sorted(t.status()["mode"] for t in followers) == ["follower", "leader"], message="a new leader")
    wait_until(lambda: all(t.status()["state"] == "connected" for t in followers), message="the followers connected again")
    after = router.publish("wok.tasks", {"id": "t9", "status": "finished", "message": "m", "target": "/vms/a"})["id"]
    for tab in followers:
        # `after` comes behind any replay on the one socket: once it is here, a replay would be too.
        wait_until(lambda: after in _named(tab, "late")["got"], message=f"{after} in {tab.handle}")
        assert _named(tab, "late")["got"] == [after], f"{tab.status()['mode']} got tasks {before} from before its subscription"
        assert _named(tab, "early")["got"] == [seen]
    wait_until(lambda: router.metric("wok_router_connections", transport="websocket") == 1, message="one WebSocket")


def test_without_shared_worker_and_web_locks_each_tab_has_its_socket(router, browser):
    driver = browser()
    tabs = open_demo(driver, router.base, 2, inject=DELETE_SHARED_WORKER + DELETE_WEB_LOCKS)
    for tab in tabs:
        assert wait_state(tab, "connected")["mode"] == "tab"
    wait_until(lambda: router.metric("wok_router_connections", transport="websocket") == 2, message="one socket per tab")
    _deliver_to_all(router, tabs)


def test_when_the_websocket_cannot_connect_the_worker_long_polls(router, browser):
    driver = browser()
    dead = free_port()  # nothing listens there: the WebSocket is refused, as behind a proxy that drops it
    query = f"{QUICK}&url=ws://127.0.0.1:{dead}/push&http={router.base}/"
    tabs = open_demo(driver, router.base, 2, query=query)
    for tab in tabs:
        status = wait_state(tab, "fallback")
        assert status["transport"] == "longpoll" and status["mode"] == "shared-worker"
    wait_until(lambda: router.metric("wok_router_connections", transport="longpoll") >= 1, message="a long-poll held")
    _deliver_to_all(router, tabs)
    _deliver_to_all(router, tabs)
    assert router.metric("wok_router_connections", transport="websocket") == 0


def test_without_websocket_at_all_the_leader_long_polls(router, browser):
    driver = browser()
    # No WebSocket in the page; SharedWorker removed too, so the hub runs in a page (a worker would have its own).
    tabs = open_demo(driver, router.base, 2, inject=DELETE_WEBSOCKET + DELETE_SHARED_WORKER)
    wait_until(lambda: sorted(t.status()["mode"] for t in tabs) == ["follower", "leader"], message="a leader")
    for tab in tabs:
        assert wait_state(tab, "fallback")["transport"] == "longpoll"
    _deliver_to_all(router, tabs)
    assert router.metric("wok_router_connections", transport="websocket") == 0


def test_the_client_loads_as_an_es_module(router, browser):
    driver = browser()
    tab = open_tab(driver, f"{router.base}/demo/index.html", first=True)
    ready = tab.js_async("""
        const done = arguments[arguments.length - 1];
        window.__got = [];
        import('/wok-push.mjs').then((m) => {
          if (m.default !== window.WokPush) { done('default export is not window.WokPush'); return; }
          m.subscribe(['wok.userlog'], (n) => window.__got.push(n.data.message), {onReady: () => done('ready')});
        }, (e) => done('import failed: ' + e));
    """)
    assert ready == "ready"
    entry = unique("Through the module")
    router.publish("wok.userlog", userlog_entry(entry))
    wait_until(lambda: entry in tab.js("return window.__got"), message="delivery to the module's subscriber")


def test_topics_page_lists_the_catalogue_with_status(router, browser):
    driver = browser()
    tab = open_tab(driver, f"{router.base}/demo/topics.html", first=True)
    rows = wait_until(lambda: tab.js("""return Array.from(document.querySelectorAll('#topics tr'))
        .map(tr => [tr.dataset.topic, tr.querySelector('.badge').textContent])"""), message="the topic rows")
    shown = dict(rows)
    for topic in ("wok.userlog", "wok.notifications", "wok.tasks", "wok.router.plugins"):
        assert shown.get(topic) == "OK", f"{topic} not listed as OK: {shown}"


def test_a_tab_that_vanishes_releases_its_filters(router, browser):
    driver = browser()
    # Short heartbeats, so the hub notices a silent tab in seconds instead of minutes.
    query = QUICK + "&heartbeat=500&timeout=4000"
    keep, doomed = open_demo(driver, router.base, 2, query=query)
    doomed.js(SUBSCRIBE_EXTRA, ["wok.tasks"])
    wait_until(lambda: router.metric("wok_router_subscriptions") == 2, message="wok.userlog and wok.tasks held")
    doomed.focus()
    try:
        driver.execute_cdp_cmd("Page.crash", {})  # the renderer dies: no pagehide, no goodbye
    except Exception:
        pass
    wait_until(lambda: router.metric("wok_router_subscriptions") == 1, message="the crashed tab's wok.tasks released")
    assert router.metric("wok_router_connections", transport="websocket") == 1
    entry = unique("After a tab crashed")
    router.publish("wok.userlog", userlog_entry(entry))
    wait_shows(keep, entry)


def test_topics_page_follows_plugin_changes_live(router, browser):
    if router.kind == "tornado":
        pytest.skip("the tornado peer publishes no wok.router.plugins notifications")
    driver = browser()
    tab = open_tab(driver, f"{router.base}/demo/topics.html", first=True)
    wait_until(lambda: tab.js("return document.querySelectorAll('#topics tr').length") > 0, message="the topic rows")
    wait_until(lambda: tab.status()["state"] == "connected", message="the page subscribed to wok.router.plugins")
    tab.js("window.__sameDocument = true")

    def badge(topic):
        return tab.js("""const tr = document.querySelector(`#topics tr[data-topic="${arguments[0]}"]`);
            return tr && [tr.querySelector('.badge').textContent, (tr.querySelector('.reason') || {}).textContent || null]""", topic)

    plugin = router.root / "plugins" / "browsertest"
    (plugin / "schemas").mkdir(parents=True)
    (plugin / "plugin.json").write_text('{"name": "browsertest", "version": "1.0", "description": "browser suite"}')
    schema = plugin / "schemas" / "browsertest.thing.json"
    schema.write_text('{"type": "object", "description": "a thing"}')
    assert wait_until(lambda: badge("browsertest.thing"), message="the new topic listed")[0] == "OK"
    schema.write_text('{"type": "objec"}')
    status, reason = wait_until(lambda: badge("browsertest.thing")[0] != "OK" and badge("browsertest.thing"),
                                message="the refused schema shown")
    assert status == "refused" and reason, f"no reason shown: {status!r} {reason!r}"
    assert tab.js("return window.__sameDocument === true"), "the page reloaded instead of updating live"


def test_a_lost_history_is_reported_as_a_gap_and_the_page_reloads(memory_router, browser):
    router = memory_router
    driver = browser()
    gate = TcpGate(router.port)
    try:
        (tab,) = open_demo(driver, gate.base, 1)
        wait_state(tab, "connected")
        before = unique("In the lost history")
        router.publish("wok.userlog", userlog_entry(before))
        wait_shows(tab, before)
        epoch = tab.js("return document.querySelector('#entries tr').dataset.epoch")

        router.kill()
        gate.close_gate()
        wait_state(tab, "reconnecting")
        router.start()  # memory store: a new epoch, the old ids mean nothing any more
        after = unique("In the new history")
        router.publish("wok.userlog", userlog_entry(after))
        gate.open_gate()

        wait_until(lambda: tab.js("return document.body.dataset.gaps || '0'") == "1", message="onGap fired once")
        row = wait_shows(tab, after)
        wait_state(tab, "connected")
        rows = tab.rows()
        assert [r["message"] for r in rows].count(after) == 1
        assert before not in [r["message"] for r in rows], "the page reloaded from the new history"
        assert tab.js("return document.querySelector('#entries tr').dataset.epoch") != epoch
        assert row["id"] >= 1
    finally:
        gate.close_gate()


@pytest.mark.parametrize("transport", ["websocket", "longpoll"])
def test_with_a_secret_the_page_subscribes_with_its_token(request, tmp_path, browser, transport):
    if request.config.getoption("--server") == "tornado":
        pytest.skip("the tornado peer has no authentication")
    secret = "browser-suite-secret-" + uuid.uuid4().hex  # >= 32 bytes
    router = RouterProcess("wok-router", tmp_path / "root", secret=secret).start()
    try:
        token = make_jwt(secret, {"exp": int(time.time()) + 3600, "topics": ["wok.userlog"], "sub": "browser-suite"})
        driver = browser()
        (tab,) = open_demo(driver, router.base, 1, query=f"{QUICK}&transport={transport}&token={token}")
        wait_state(tab, "connected" if transport == "websocket" else "fallback")
        entry = unique(f"Seen with a token over {transport}")
        router.publish("wok.userlog", userlog_entry(entry))
        wait_shows(tab, entry)
        # A filter the token does not grant is refused, and said so to that subscription only.
        tab.js("window.__refused = null; WokPush.subscribe(['wok.tasks'], () => {}, {onError: (e) => { window.__refused = e.code; }})")
        assert wait_until(lambda: tab.js("return window.__refused"), message="the refusal") == "forbidden"
        after = unique("Still delivered after the refusal")
        router.publish("wok.userlog", userlog_entry(after))
        wait_shows(tab, after)

        # Without a token the page says it was refused, instead of showing an empty log.
        bare = open_tab(driver, f"{router.base}/demo/userlog.html{QUICK}&shared=tab&transport={transport}")
        wait_until(lambda: bare.status()["error"], message="the refusal in WokPush.status")
        assert "refused" in bare.js("return document.getElementById('error').textContent")
        assert bare.js("return document.getElementById('status').textContent") == "Refused"
    finally:
        router.stop()
        if getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed:
            print(router.log())


def test_a_page_that_hands_over_a_new_token_keeps_its_feed_past_the_old_ones_exp(request, tmp_path, browser):
    """The router closes a push socket whose token expired (1008 "token expired"); a page that
    configured a fresh token meanwhile gets reconnected with it at once and misses nothing."""
    if request.config.getoption("--server") == "tornado":
        pytest.skip("the tornado peer has no authentication")
    secret = "browser-suite-secret-" + uuid.uuid4().hex
    router = RouterProcess("wok-router", tmp_path / "root", secret=secret, settings=["ping_interval=1"]).start()
    try:
        claims = {"topics": ["wok.userlog"], "sub": "browser-suite"}
        short = make_jwt(secret, dict(claims, exp=int(time.time()) + 4))
        driver = browser()
        # The default reconnect backoff: after a refusal it is 15-30 s, past wait_shows' patience.
        (tab,) = open_demo(driver, router.base, 1, query=f"?transport=websocket&token={short}")
        wait_state(tab, "connected")
        before = unique("Before the token expired")
        router.publish("wok.userlog", userlog_entry(before))
        wait_shows(tab, before)
        fresh = make_jwt(secret, dict(claims, exp=int(time.time()) + 3600))
        tab.js(f"WokPush.configure({{token: '{fresh}'}})")
        # Published while the old socket is being closed and the new one opened: resumed, not lost.
        expired = lambda: router.metric("wok_router_disconnects_total", reason="token_expired") >= 1
        wait_until(expired, timeout=20, message="the router to close the socket at its token's exp")
        during = unique("Published around the reconnect")
        router.publish("wok.userlog", userlog_entry(during))
        wait_shows(tab, during)
        wait_state(tab, "connected")
        assert tab.status()["error"] is None, "a token that expired is not a refusal"
        after = unique("After the new token")
        router.publish("wok.userlog", userlog_entry(after))
        wait_shows(tab, after)
        messages = [r["message"] for r in tab.rows()]
        assert [messages.count(m) for m in (before, during, after)] == [1, 1, 1]
    finally:
        router.stop()
        if getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed:
            print(router.log())


def test_a_shared_worker_that_cannot_load_falls_back_to_a_leader(router, browser):
    driver = browser()
    # The worker script is missing (a proxy or a CSP in the way): the tabs elect a leader instead.
    tabs = open_demo(driver, router.base, 2, query=QUICK + "&worker=/no-such-worker.js")
    wait_until(lambda: sorted(t.status()["mode"] for t in tabs) == ["follower", "leader"], message="a leader")
    for tab in tabs:
        wait_state(tab, "connected")
    wait_until(lambda: router.metric("wok_router_connections", transport="websocket") == 1, message="one WebSocket")
    _deliver_to_all(router, tabs)
