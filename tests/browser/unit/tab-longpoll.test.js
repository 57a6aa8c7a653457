"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { _internal: { TabClient, LongPollTransport, pickLinkMode, Hub, matchFilter } } = require("../../../Public/wok-push.js");
const { flush, makeEnv, makeClient } = require("./fake-env.js");

function fakeScope() {
  return { setTimeout, clearTimeout, setInterval: () => 0, clearInterval: () => {}, location: { href: "http://127.0.0.1:9/demo/x.html" } };
}

test("a tab delivers each notification once per subscription, even if the hub repeats it", () => {
  const tab = new TabClient(fakeScope());
  const got = [];
  tab.link = { send() {}, mode: "test" };
  tab.subs.set(1, { filters: ["wok.userlog"], callback: (n) => got.push(n.id), lastId: null, epoch: null });
  for (const id of [5, 6, 6, 4, 7]) tab.receive({ t: "note", subs: [1], n: { id, epoch: "e", topic: "wok.userlog" } });
  assert.deepEqual(got, [5, 6, 7]);
  // A new epoch starts counting again.
  tab.receive({ t: "note", subs: [1], n: { id: 1, epoch: "f", topic: "wok.userlog" } });
  assert.deepEqual(got, [5, 6, 7, 1]);
  assert.deepEqual([tab.cursor, tab.epoch], [1, "f"]);
});

test("a throwing callback does not stop delivery to the others", () => {
  const tab = new TabClient(fakeScope());
  const got = [];
  const errors = console.error;
  console.error = () => {};
  try {
    tab.subs.set(1, { filters: ["a.b"], callback: () => { throw new Error("boom"); }, lastId: null, epoch: null });
    tab.subs.set(2, { filters: ["a.b"], callback: (n) => got.push(n.id), lastId: null, epoch: null });
    tab.receive({ t: "note", subs: [1, 2], n: { id: 3, epoch: "e", topic: "a.b" } });
  } finally { console.error = errors; }
  assert.deepEqual(got, [3]);
});

test("a hello carries every subscription and, after delivery, where the tab stands", () => {
  const tab = new TabClient(fakeScope());
  tab.subs.set(1, { filters: ["wok.userlog"], callback() {}, lastId: null, epoch: null });
  assert.deepEqual(tab.helloMessage().subs, [{ id: 1, filters: ["wok.userlog"] }]);
  tab.receive({ t: "note", subs: [1], n: { id: 9, epoch: "e", topic: "wok.userlog" } });
  assert.deepEqual(tab.helloMessage().subs, [{ id: 1, filters: ["wok.userlog"], since: 9, epoch: "e" }]);
});

// The position a ready reports is the subscription's own: the tab keeps it, drops what is at or
// below it (whatever hub hands it, e.g. a new leader's), and reports it in its next hello.
test("a tab keeps each subscription's position from ready, drops notes up to it and reports it", () => {
  const tab = new TabClient(fakeScope());
  const got = { 1: [], 2: [], 3: [] };
  for (const id of [1, 2, 3]) {
    tab.subs.set(id, { filters: [id === 2 ? "wok.tasks" : "wok.userlog"], callback: (n) => got[id].push(n.id), lastId: null, epoch: null });
  }
  tab.receive({ t: "ready", subs: [1, 2], from: [40, 50], epoch: "e" });
  tab.receive({ t: "note", subs: [1], n: { id: 41, epoch: "e", topic: "wok.userlog" } });
  const hello = tab.helloMessage().subs;
  assert.deepEqual(hello.map((s) => [s.id, s.since, s.epoch]), [[1, 41, "e"], [2, 50, "e"], [3, 41, "e"]]);
  // A new hub resumes from 41: it may hand sub 2 the tasks between, which precede it.
  for (const id of [45, 50, 52]) tab.receive({ t: "note", subs: [2], n: { id, epoch: "e", topic: "wok.tasks" } });
  assert.deepEqual(got, { 1: [41], 2: [52], 3: [] });
  // A new epoch: the old position means nothing there.
  tab.receive({ t: "ready", subs: [2], from: [3], epoch: "f" });
  tab.receive({ t: "note", subs: [2], n: { id: 4, epoch: "f", topic: "wok.tasks" } });
  assert.deepEqual(got[2], [52, 4]);
});

test("a ready subscription that was handed nothing still reports where it stands", () => {
  const tab = new TabClient(fakeScope());
  tab.subs.set(1, { filters: ["wok.userlog"], callback() {}, lastId: null, epoch: null });
  tab.receive({ t: "ready", subs: [1], from: [40], epoch: "e" });
  assert.equal(tab.cursor, null);
  assert.deepEqual(tab.helloMessage().subs, [{ id: 1, filters: ["wok.userlog"], since: 40, epoch: "e" }]);
});

test("configure refuses unknown options and resolves URLs from the page", () => {
  const tab = new TabClient(fakeScope());
  assert.throws(() => tab.configure({ ur: "x" }), /unknown option ur/);
  tab._resolveConfig();
  assert.equal(tab.config.url, "ws://127.0.0.1:9/push");
  assert.equal(tab.config.httpUrl, "http://127.0.0.1:9/");
  assert.equal(tab.config.workerUrl, "http://127.0.0.1:9/wok-push-worker.js");
  const other = new TabClient(fakeScope());
  other.configure({ url: "http://10.0.0.1:8090/push" });
  other._resolveConfig();
  assert.equal(other.config.url, "ws://10.0.0.1:8090/push");
});

test("link mode: SharedWorker, else Web Locks with BroadcastChannel, else one per tab", () => {
  const base = { navigator: {} };
  const worker = Object.assign({ SharedWorker: function () {}, BroadcastChannel: function () {} }, base);
  const locks = { navigator: { locks: { request() {} } }, BroadcastChannel: function () {} };
  assert.equal(pickLinkMode({ shared: "auto" }, worker), "worker");
  assert.equal(pickLinkMode({ shared: "auto" }, locks), "leader");
  assert.equal(pickLinkMode({ shared: "auto" }, { navigator: { locks: { request() {} } } }), "tab");
  assert.equal(pickLinkMode({ shared: "auto" }, base), "tab");
  assert.equal(pickLinkMode({ shared: "tab" }, worker), "tab");
  assert.equal(pickLinkMode({ shared: "leader" }, Object.assign({}, worker, locks)), "leader");
});

/** A fake router for long-polling: answers GET /notifications from a list, holding when asked. */
function fakeRouter() {
  const r = {
    epoch: "e1",
    log: [],
    requests: [],
    held: [],
    publish(n) {
      r.log.push(n);
      const waiting = r.held.splice(0);
      for (const w of waiting) w();
    },
    fetch(url, init) {
      const u = new URL(url);
      const since = u.searchParams.has("since") ? Number(u.searchParams.get("since")) : null;
      r.requests.push({ topics: u.searchParams.get("topics"), since, wait: u.searchParams.get("wait"), limit: u.searchParams.get("limit") });
      // The router's bounds (max_wait, max_history_limit): past them, a 400 naming them.
      for (const [param, setting, max] of [["wait", "max_wait", r.maxWait], ["limit", "max_history_limit", r.maxLimit]]) {
        if (max !== undefined && u.searchParams.has(param) && Number(u.searchParams.get(param)) > max) {
          return Promise.resolve({ ok: false, status: 400, json: async () => ({ error: "bad_request", message: `${param}= is at most ${max}`, limit: setting, max }) });
        }
      }
      const topics = (u.searchParams.get("topics") || "").split(",");
      const matching = (n) => topics.some((f) => matchFilter(f, n.topic));
      const answer = () => {
        const list = since === null ? [] : r.log.filter((n) => n.id > since && matching(n));
        const head = r.log.length ? r.log[r.log.length - 1].id : 0;
        return { ok: true, status: 200, json: async () => ({ epoch: r.epoch, head, recovered: true, notifications: list }) };
      };
      if (u.searchParams.get("wait") && !r.log.some((n) => n.id > since && matching(n))) {
        return new Promise((resolve, reject) => {
          r.held.push(() => resolve(answer()));
          init.signal.addEventListener("abort", () => { const e = new Error("aborted"); e.name = "AbortError"; reject(e); });
        });
      }
      return Promise.resolve(answer());
    }
  };
  return r;
}

test("long-polling presents answers as push frames and resumes with since", async () => {
  const router = fakeRouter();
  router.log.push({ id: 1, epoch: "e1", topic: "wok.userlog" });
  const frames = [];
  let closed = null;
  const scope = { fetch: router.fetch, setTimeout, clearTimeout };
  const lp = new LongPollTransport({ url: "ws://h/push", longPollWait: 25, longPollLimit: 100 },
    { open() {}, frame: (f) => frames.push(f), close: (i) => { closed = i; } }, scope);
  await flush();
  lp.send({ type: "subscribe", topics: ["wok.userlog"], ref: 1 });
  await flush(); await flush();
  assert.deepEqual(frames.map((f) => [f.type, f.head]), [["subscribed", 1]]);
  assert.deepEqual(router.requests[0], { topics: "wok.userlog", since: null, wait: null, limit: "100" });
  assert.deepEqual(router.requests.at(-1), { topics: "wok.userlog", since: 1, wait: "25", limit: "100" });
  router.publish({ id: 2, epoch: "e1", topic: "wok.userlog" });
  await flush(); await flush();
  assert.deepEqual(frames.filter((f) => f.type === "notification").map((f) => f.id), [2]);
  lp.close("test");
  assert.equal(closed.established, true);
  await flush();
});

test("long-polling asks within the router's max_wait and max_history_limit when it names them", async () => {
  const router = fakeRouter();
  router.maxWait = 10;
  router.maxLimit = 50;
  router.log.push({ id: 1, epoch: "e1", topic: "wok.userlog" });
  const frames = [];
  let closed = null;
  const lp = new LongPollTransport({ url: "ws://h/push", longPollWait: 25, longPollLimit: 100 },
    { open() {}, frame: (f) => frames.push(f), close: (i) => { closed = i; } }, { fetch: router.fetch, setTimeout, clearTimeout });
  await flush();
  lp.send({ type: "subscribe", topics: ["wok.userlog"], ref: 1 });
  for (let i = 0; i < 10; i++) await flush();
  assert.deepEqual(frames.map((f) => f.type), ["subscribed"], "the subscription is not refused");
  assert.equal(router.requests[0].limit, "100");
  assert.deepEqual(router.requests.at(-1), { topics: "wok.userlog", since: 1, wait: "10", limit: "50" });
  router.publish({ id: 2, epoch: "e1", topic: "wok.userlog" });
  for (let i = 0; i < 5; i++) await flush();
  assert.deepEqual(frames.filter((f) => f.type === "notification").map((f) => f.id), [2]);
  assert.equal(closed, null);
  lp.close("test");
  await flush();
});

test("long-polling reports a resume across an epoch change as not recovered", async () => {
  const router = fakeRouter();
  router.epoch = "e2";
  const frames = [];
  const lp = new LongPollTransport({ url: "ws://h/push", longPollWait: 25, longPollLimit: 100 },
    { open() {}, frame: (f) => frames.push(f), close() {} }, { fetch: router.fetch, setTimeout, clearTimeout });
  await flush();
  lp.send({ type: "subscribe", topics: ["wok.userlog"], ref: 1, since: 40, epoch: "e1" });
  await flush(); await flush();
  assert.deepEqual(frames.map((f) => [f.type, f.recovered]), [["subscribed", false]]);
  lp.close("test");
  await flush();
});

// Long-polling asks GET /notifications for every filter since the one cursor: when a tab added a
// filter, the next page held that filter's history since the cursor (all of it, when the hub's
// topics had been quiet), and the hub handed it to the tab as if it were new.
test("long-polling: a filter added later gets only what follows its subscription", async () => {
  const router = fakeRouter();
  const env = makeEnv();
  env.createTransport = (kind, settings, handlers) => new LongPollTransport(settings, handlers, { fetch: router.fetch, setTimeout, clearTimeout });
  const hub = new Hub(env, { url: "ws://h/push", transport: "longpoll", longPollWait: 25, longPollLimit: 100, clientTimeoutMs: 60000 });
  const settle = async () => { for (let i = 0; i < 20; i++) await flush(); };
  router.log.push({ id: 1, epoch: "e1", topic: "wok.userlog" });
  const a = makeClient(hub, "a");
  a.send({ t: "hello", subs: [{ id: 1, filters: ["wok.userlog"] }] });
  await settle();
  router.publish({ id: 2, epoch: "e1", topic: "wok.userlog" });
  await settle();
  router.publish({ id: 3, epoch: "e1", topic: "wok.tasks" });
  router.publish({ id: 4, epoch: "e1", topic: "wok.tasks" });
  await settle();
  const b = makeClient(hub, "b");
  b.send({ t: "hello", subs: [{ id: 9, filters: ["wok.tasks"] }] });
  await settle();
  assert.deepEqual(b.of("ready").map((m) => m.subs), [[9]]);
  router.publish({ id: 5, epoch: "e1", topic: "wok.tasks" });
  await settle();
  assert.deepEqual(a.of("note").map((m) => m.n.id), [2]);
  assert.deepEqual(b.of("note").map((m) => m.n.id), [5], "3 and 4 came before b subscribed");
  hub.shutdown();
  await settle();
});
