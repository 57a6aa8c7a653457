"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { _internal: { Hub } } = require("../../../Public/wok-push.js");
const { makeEnv, makeClient, flush } = require("./fake-env.js");

const CONFIG = { url: "ws://127.0.0.1:1/push", clientTimeoutMs: 60000, reconnectMinMs: 100, reconnectMaxMs: 1000 };

function note(id, topic, epoch = "e1") {
  return { type: "notification", id, epoch, topic, plugin: topic.split(".")[0], time: "t", data: { id } };
}

/** A hub with an open socket that answered the first subscribe at `head`. */
async function connectedHub(head = 10, config = {}) {
  const env = makeEnv();
  const hub = new Hub(env, Object.assign({}, CONFIG, config));
  return { env, hub };
}

function ack(transport, frame, extra = {}) {
  transport.receive(Object.assign({ type: "subscribed", ref: frame.ref, topics: frame.topics, head: 10, epoch: "e1", recovered: true }, extra));
}

/** `client` holds wok.userlog (sub 1) on a socket the router answered at 40, then sent it 41. */
async function liveOnUserlog(env, client) {
  client.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  const ws = env.last;
  ws.open();
  ack(ws, ws.frames("subscribe")[0], { head: 40 });
  ws.receive(note(41, "wok.userlog"));
  return ws;
}

test("one subscribe per change of the union, however many tabs hold a filter", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const b = makeClient(hub, "b");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  b.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  assert.equal(env.transports.length, 1, "one socket");
  const ws = env.last;
  ws.open();
  assert.deepEqual(ws.frames("subscribe").map((f) => f.topics), [["wok.userlog"]]);
  ack(ws, ws.frames("subscribe")[0]);
  assert.deepEqual(a.of("ready").map((m) => m.subs), [[1]]);
  assert.deepEqual(b.of("ready").map((m) => m.subs), [[1]]);

  // A third tab with the same filter: nothing to send. A new filter: only that one.
  const c = makeClient(hub, "c");
  c.send({ t: "hello", subs: [{ id: 5, filters: ["wok.userlog", "wok.tasks"] }] });
  await flush();
  assert.deepEqual(ws.frames("subscribe").map((f) => f.topics), [["wok.userlog"], ["wok.tasks"]]);
  assert.equal(c.of("ready").length, 0, "not ready until the router holds wok.tasks");
  ack(ws, ws.frames("subscribe")[1]);
  assert.deepEqual(c.of("ready").map((m) => m.subs), [[5]]);

  // Tabs leave: an unsubscribe only for filters no one holds any more.
  c.send({ t: "bye" });
  await flush();
  assert.deepEqual(ws.frames("unsubscribe").map((f) => f.topics), [["wok.tasks"]]);
  a.send({ t: "unsub", id: 1 });
  await flush();
  assert.equal(ws.frames("unsubscribe").length, 1, "b still holds wok.userlog");
  b.send({ t: "bye" });
  await flush();
  assert.deepEqual(ws.frames("unsubscribe").map((f) => f.topics), [["wok.tasks"], ["wok.userlog"]]);
});

test("changes within one turn are coalesced: subscribe then unsubscribe sends nothing", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.open();
  const before = env.last.sent.length;
  a.send({ t: "sub", id: 2, filters: ["kimchi.>"] });
  a.send({ t: "unsub", id: 2 });
  await flush();
  assert.equal(env.last.sent.length, before);
});

test("each notification goes only to the tabs whose filters match, once per subscription", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const b = makeClient(hub, "b");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }, { id: 2, filters: ["wok.*", "wok.>"] }] });
  b.send({ t: "hello", subs: [{ id: 9, filters: ["kimchi.>"] }] });
  await flush();
  const ws = env.last;
  ws.open();
  ack(ws, ws.frames("subscribe")[0]);
  ws.receive(note(11, "wok.userlog"));
  ws.receive(note(12, "kimchi.vms.state"));
  ws.receive(note(13, "wok.tasks"));
  assert.deepEqual(a.of("note").map((m) => [m.n.id, m.subs]), [[11, [1, 2]], [13, [2]]]);
  assert.deepEqual(b.of("note").map((m) => [m.n.id, m.subs]), [[12, [9]]]);
});

test("after a loss the hub reconnects with backoff and resumes with since and epoch", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const ws1 = await liveOnUserlog(env, a);
  ws1.drop();
  assert.equal(a.of("status").at(-1).status.state, "reconnecting");
  assert.equal(env.transports.length, 1, "waits before reconnecting");
  env.advance(1000);
  assert.equal(env.transports.length, 2);
  const ws2 = env.last;
  ws2.open();
  const resume = ws2.frames("subscribe")[0];
  assert.deepEqual([resume.topics, resume.since, resume.epoch], [["wok.userlog"], 41, "e1"]);
  ack(ws2, resume, { head: 45 });
  // The replay, with one the hub had already seen (a duplicate must not reach the tab).
  ws2.receive(note(41, "wok.userlog"));
  ws2.receive(note(43, "wok.userlog"));
  ws2.receive(note(46, "wok.userlog"));
  assert.deepEqual(a.of("note").map((m) => m.n.id), [41, 43, 46]);
  assert.equal(a.of("gap").length, 0);
  assert.equal(a.of("status").at(-1).status.state, "connected");
});

test("a resume the router cannot recover fires a gap; the cursor moves to the new head", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0], { head: 40 });
  env.last.drop();
  env.advance(2000);
  env.last.open();
  const resume = env.last.frames("subscribe")[0];
  assert.equal(resume.since, 40);
  ack(env.last, resume, { head: 3, epoch: "e2", recovered: false });
  assert.deepEqual(a.of("gap").map((m) => m.subs), [[1]]);
  assert.equal(hub.cursor, 3);
  assert.equal(hub.epoch, "e2");
  env.last.receive(note(4, "wok.userlog", "e2"));
  assert.deepEqual(a.of("note").map((m) => m.n.id), [4]);
});

// The hub keeps one cursor for every filter and resumes them all from it. A filter subscribed
// later, while the router was ahead of the cursor (nothing the hub held had happened meanwhile),
// was then sent, on the next resume, everything on its topics between the cursor and its own
// subscription: notifications its tab had already loaded as state when it became ready.
test("a resume does not hand a later filter what came before its subscription", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const ws1 = await liveOnUserlog(env, a);
  // 42..50 are tasks nobody here holds; then a second tab subscribes wok.tasks, at head 50.
  const b = makeClient(hub, "b");
  b.send({ t: "hello", subs: [{ id: 7, filters: ["wok.tasks"] }] });
  await flush();
  const fresh = ws1.frames("subscribe")[1];
  assert.deepEqual([fresh.topics, fresh.since], [["wok.tasks"], undefined]);
  ack(ws1, fresh, { head: 50 });
  assert.deepEqual(b.of("ready").map((m) => m.subs), [[7]], "b loads its state now");
  ws1.drop();
  env.advance(1000);
  const ws2 = env.last;
  ws2.open();
  const resume = ws2.frames("subscribe")[0];
  assert.deepEqual([resume.topics.slice().sort(), resume.since], [["wok.tasks", "wok.userlog"], 41]);
  ack(ws2, resume, { head: 53 });
  // The router replays both filters after 41, as asked.
  for (const [id, topic] of [[42, "wok.tasks"], [45, "wok.tasks"], [50, "wok.tasks"], [51, "wok.userlog"], [52, "wok.tasks"], [53, "wok.tasks"]]) {
    ws2.receive(note(id, topic));
  }
  assert.deepEqual(b.of("note").map((m) => m.n.id), [52, 53], "only what followed b's subscription");
  assert.deepEqual(a.of("note").map((m) => m.n.id), [41, 51]);
  assert.equal(a.of("gap").length + b.of("gap").length, 0);
  assert.equal(hub.floors.size, 0, "once the cursor passed the head, nothing is left to filter");
});

test("a notification older than a later filter's subscription still reaches the holders of older filters", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["kimchi.*"] }] });
  await flush();
  const ws1 = env.last;
  ws1.open();
  ack(ws1, ws1.frames("subscribe")[0], { head: 40 });
  const b = makeClient(hub, "b");
  b.send({ t: "hello", subs: [{ id: 2, filters: ["kimchi.vms"] }] });
  await flush();
  ack(ws1, ws1.frames("subscribe")[1], { head: 50 });
  // 45 on kimchi.vms reaches the hub late (fanned out to kimchi.* before kimchi.vms was added).
  ws1.receive(note(45, "kimchi.vms"));
  ws1.receive(note(51, "kimchi.vms"));
  assert.deepEqual(a.of("note").map((m) => m.n.id), [45, 51]);
  assert.deepEqual(b.of("note").map((m) => m.n.id), [51]);
});

test("filters added while disconnected are subscribed fresh, not resumed", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0], { head: 40 });
  env.last.drop();
  a.send({ t: "sub", id: 2, filters: ["wok.tasks"] });
  await flush();
  env.advance(2000);
  env.last.open();
  const frames = env.last.frames("subscribe");
  assert.deepEqual(frames.map((f) => [f.topics, f.since]), [[["wok.userlog"], 40], [["wok.tasks"], undefined]]);
});

test("a socket that drops before the resume is answered resumes from the same place", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0], { head: 40 });
  env.last.drop();
  env.advance(2000);
  env.last.open();
  env.last.drop();
  env.advance(5000);
  env.last.open();
  const resume = env.last.frames("subscribe")[0];
  assert.deepEqual([resume.topics, resume.since], [["wok.userlog"], 40]);
});

test("a tab that stops sending heartbeats is forgotten and its filters released", async () => {
  const { env, hub } = await connectedHub(10, { clientTimeoutMs: 3000 });
  const a = makeClient(hub, "a");
  const b = makeClient(hub, "b");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  b.send({ t: "hello", subs: [{ id: 1, filters: ["wok.tasks"] }] });
  await flush();
  env.last.open();
  for (let i = 0; i < 4; i++) { env.advance(1000); a.send({ t: "beat" }); }
  await flush();
  assert.deepEqual(env.last.frames("unsubscribe").map((f) => f.topics), [["wok.tasks"]]);
  // The forgotten tab wakes up: it is told to start over.
  b.send({ t: "beat" });
  assert.equal(b.of("reset").length, 1);
});

test("a refused filter is reported to its holders and the rest goes on", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  const ws = env.last;
  ws.open();
  ack(ws, ws.frames("subscribe")[0]);
  a.send({ t: "sub", id: 2, filters: ["nosuch.topic", "wok.tasks"] });
  await flush();
  const frame = ws.frames("subscribe")[1];
  ws.receive({ type: "error", ref: frame.ref, code: "unknown_topic", message: "no such topic", details: { topic: "nosuch.topic" } });
  assert.deepEqual(a.of("error").map((m) => [m.subs, m.error.code, m.error.topics]), [[[2], "unknown_topic", ["nosuch.topic"]]]);
  const retry = ws.frames("subscribe")[2];
  assert.deepEqual(retry.topics, ["wok.tasks"]);
  ack(ws, retry);
  assert.deepEqual(a.of("ready").map((m) => m.subs), [[1], [2]]);
});

test("a refusal that names no filter is narrowed down one filter at a time", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["nosuch.topic", "wok.tasks"] }] });
  await flush();
  const ws = env.last;
  ws.open();
  const frame = ws.frames("subscribe")[0];
  ws.receive({ type: "error", ref: frame.ref, code: "unknown_topic", message: "no such topic" });
  const singles = ws.frames("subscribe").slice(1);
  assert.deepEqual(singles.map((f) => f.topics), [["nosuch.topic"], ["wok.tasks"]]);
  ws.receive({ type: "error", ref: singles[0].ref, code: "unknown_topic", message: "no such topic" });
  ack(ws, singles[1]);
  assert.deepEqual(a.of("error").map((m) => m.error.topics), [["nosuch.topic"]]);
  assert.deepEqual(a.of("ready").map((m) => m.subs), [[1]]);
});

test("a WebSocket that never opens falls back to long-polling, and is retried later", async () => {
  const { env, hub } = await connectedHub(10, { fallbackAfter: 2, wsRetryMs: 60000 });
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  assert.equal(env.last.kind, "websocket");
  env.last.drop(false);
  env.advance(1000);
  assert.equal(env.last.kind, "websocket");
  env.last.drop(false);
  assert.equal(env.last.kind, "longpoll", "falls back at once after the second failure");
  env.last.open();
  assert.deepEqual(a.of("status").at(-1).status, Object.assign({}, a.of("status").at(-1).status, { state: "fallback", transport: "longpoll" }));
  ack(env.last, env.last.frames("subscribe")[0]);
  env.advance(60000);
  assert.equal(env.last.kind, "websocket", "the WebSocket is tried again");
  env.last.drop(false);
  assert.equal(env.last.kind, "longpoll", "one more failure is enough to fall back again");
});

test("transport: websocket never falls back; longpoll never tries the socket", async () => {
  const ws = await connectedHub(10, { transport: "websocket", fallbackAfter: 1 });
  makeClient(ws.hub, "a").send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  for (let i = 0; i < 4; i++) { ws.env.last.drop(false); ws.env.advance(60000); }
  assert.deepEqual(new Set(ws.env.transports.map((t) => t.kind)), new Set(["websocket"]));
  const lp = await connectedHub(10, { transport: "longpoll" });
  makeClient(lp.hub, "a").send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  assert.equal(lp.env.last.kind, "longpoll");
});

test("a silent socket is pinged and closed when the ping goes unanswered", async () => {
  const { env, hub } = await connectedHub(10, { pingMs: 1000, pongTimeoutMs: 500 });
  makeClient(hub, "a").send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  const ws = env.last;
  ws.open();
  env.advance(1000);
  assert.equal(ws.frames("ping").length, 1);
  env.advance(500);
  assert.equal(ws.closed, true);
  assert.equal(hub.state, "reconnecting");
});

test("with no filter left the socket is closed after the idle delay", async () => {
  const { env, hub } = await connectedHub(10, { idleCloseMs: 1000 });
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  const ws = env.last;
  ws.open();
  a.send({ t: "unsub", id: 1 });
  await flush();
  env.advance(999);
  assert.equal(ws.closed, false);
  env.advance(1);
  assert.equal(ws.closed, true);
  assert.equal(hub.state, "idle");
  assert.equal(env.transports.length, 1, "no reconnect while idle");
});

test("a new leader resumes from the position its followers report", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const b = makeClient(hub, "b");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"], since: 50, epoch: "e1" }] });
  b.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"], since: 47, epoch: "e1" }] });
  await flush();
  env.last.open();
  const resume = env.last.frames("subscribe")[0];
  assert.deepEqual([resume.since, resume.epoch], [47, "e1"]);
});

// A leader handoff: the new hub starts from what the tabs report. A filter subscribed later than
// the others stands further than the tabs' common position; the new hub must not route to it
// what precedes its own position when it resumes from the common one.
test("a new leader does not route to a later filter what precedes the position its holders report", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const b = makeClient(hub, "b");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"], since: 41, epoch: "e1" },
    { id: 2, filters: ["wok.tasks"], since: 50, epoch: "e1" }] });
  b.send({ t: "hello", subs: [{ id: 1, filters: ["wok.tasks"], since: 48, epoch: "e1" }] });
  await flush();
  const ws = env.last;
  ws.open();
  const resume = ws.frames("subscribe")[0];
  assert.deepEqual([resume.topics.slice().sort(), resume.since], [["wok.tasks", "wok.userlog"], 41]);
  ack(ws, resume, { head: 53 });
  for (const [id, topic] of [[45, "wok.tasks"], [47, "wok.userlog"], [49, "wok.tasks"], [50, "wok.tasks"], [53, "wok.tasks"]]) {
    ws.receive(note(id, topic));
  }
  // wok.tasks' holders stand at 50 and 48: the hub routes it from 48 on (b needs 49); a's own
  // position (50) is a's to apply (the tab drops what is at or below it).
  assert.deepEqual(a.of("note").map((m) => [m.subs, m.n.id]), [[[1], 47], [[2], 49], [[2], 50], [[2], 53]]);
  assert.deepEqual(b.of("note").map((m) => m.n.id), [49, 50, 53]);
});

test("ready tells each subscription its position: the cursor, or the head a later filter started at", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  const ws = await liveOnUserlog(env, a);
  assert.deepEqual(a.of("ready").map((m) => [m.subs, m.from, m.epoch]), [[[1], [40], "e1"]]);
  a.send({ t: "sub", id: 2, filters: ["wok.userlog"] });
  a.send({ t: "sub", id: 3, filters: ["wok.userlog", "wok.tasks"] });
  await flush();
  assert.deepEqual(a.of("ready").slice(1).map((m) => [m.subs, m.from]), [[[2], [41]]], "held already: live from the cursor");
  ack(ws, ws.frames("subscribe")[1], { head: 50 });
  assert.deepEqual(a.of("ready").slice(2).map((m) => [m.subs, m.from]), [[[3], [50]]], "wok.tasks started at 50");
});

test("after an outage the socket is preferred again, even if long-polling reconnected first", async () => {
  const { env, hub } = await connectedHub(10, { fallbackAfter: 2, wsRetryMs: 300000 });
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0]);
  // The router goes away: the socket and HTTP both fail for a while.
  env.last.drop(true);
  env.advance(1000); env.last.drop(false);
  env.advance(2000); env.last.drop(false);
  assert.equal(env.last.kind, "longpoll");
  env.last.drop(false);
  assert.equal(hub.kind, "websocket", "HTTP failing too means the router is down: back to the socket");
  env.advance(5000);
  env.last.drop(false);
  // The router is back; long-polling happens to reach it first.
  assert.equal(env.last.kind, "longpoll");
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0], { head: 10 });
  env.advance(hub.config.reconnectMinMs);
  assert.equal(env.last.kind, "websocket", "the socket is tried again at once, not after wsRetryMs");
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0], { head: 10 });
  assert.equal(hub.state, "connected");
});

test("a browser without WebSocket long-polls from the start", async () => {
  const { env, hub } = await connectedHub();
  env.hasWebSocket = false;
  makeClient(hub, "a").send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  assert.deepEqual(env.transports.map((t) => t.kind), ["longpoll"]);
});

test("a refused connection is reported in the status until a subscription succeeds", async () => {
  const { env, hub } = await connectedHub();
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.handlers.close({ established: true, code: 1008 });
  assert.match(a.of("status").at(-1).status.error, /refused/);
  env.advance(60000);
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0]);
  assert.equal(a.of("status").at(-1).status.error, null);
});

test("a socket closed because its token expired reconnects at once, with the token the page handed over since", async () => {
  const { env, hub } = await connectedHub(10, { token: "t1" });
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await flush();
  env.last.open();
  ack(env.last, env.last.frames("subscribe")[0]);
  a.send({ t: "config", token: "t2" });
  await flush();
  const before = env.transports.length;
  env.last.handlers.close({ established: true, code: 1008, reason: "token expired" });
  env.advance(CONFIG.reconnectMinMs);
  assert.equal(env.transports.length, before + 1, "no refusal backoff");
  assert.equal(env.last.settings.token, "t2");
  assert.equal(a.of("status").at(-1).status.error, null, "not reported as refused");
  env.last.open();
  const resume = env.last.frames("subscribe")[0];
  assert.equal(resume.since, 10, "it resumes where the expired socket was");
});
