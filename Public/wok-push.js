/*!
 * wok-push.js: the browser client of wok-router.
 *
 *   <script src="/wok-push.js"></script>
 *   const stop = WokPush.subscribe(["wok.userlog"], (n) => addRow(n.data), {onGap: reload});
 *
 * One WebSocket per browser: a SharedWorker (wok-push-worker.js) owns the socket and every tab
 * talks to it over a MessagePort. Without SharedWorker, tabs elect a leader with Web Locks and
 * relay over BroadcastChannel; without those, each tab has its own socket. Where the WebSocket
 * cannot connect, the hub falls back to long-polling GET /notifications.
 *
 * Plain JavaScript, no build step. Loads as a classic script (sets window.WokPush), as an ES
 * module (`import "/wok-push.js"` sets globalThis.WokPush; wok-push.mjs re-exports it), inside
 * the SharedWorker (importScripts), and in node (module.exports) for unit tests.
 */
(function (root, factory) {
  "use strict";
  const api = factory(root);
  if (typeof module === "object" && module && module.exports) module.exports = api;
  else root.WokPush = api;
})(typeof globalThis !== "undefined" ? globalThis : self, function (global) {
  "use strict";

  const VERSION = "0.1.0";

  /** Defaults of every setting; WokPush.configure overrides them. */
  const DEFAULTS = Object.freeze({
    url: null,               // WebSocket URL; default: <origin of this script>/push as ws(s)
    httpUrl: null,           // base of the HTTP API; default: derived from url
    token: null,             // subscriber JWT (sent as ?token= and Bearer)
    transport: "auto",       // "auto" | "websocket" | "longpoll"
    shared: "auto",          // "auto" | "worker" | "leader" | "tab"
    workerUrl: null,         // default: wok-push-worker.js next to this script
    heartbeatMs: 15000,      // tab -> hub heartbeat
    clientTimeoutMs: 180000, // hub forgets a tab silent this long (background tabs tick ~1/min)
    reconnectMinMs: 500,     // jittered exponential backoff between reconnects
    reconnectMaxMs: 30000,
    connectTimeoutMs: 15000, // a socket not open after this counts as failed
    pingMs: 25000,           // application ping on an idle socket
    pongTimeoutMs: 15000,    // no frame this long after a ping: the socket is dead
    fallbackAfter: 2,        // WebSocket failures in a row (never opened) before long-polling
    wsRetryMs: 300000,       // while long-polling, retry the WebSocket this often
    longPollWait: 25,        // seconds the router holds a long-poll request
    longPollLimit: 500,      // notifications per long-poll answer
    idleCloseMs: 10000,      // close the socket this long after the last filter is released
    gatherMs: 200,           // a new leader waits this long for followers before connecting
    workerTimeoutMs: 10000,  // a SharedWorker silent this long after hello has failed to start
    debug: false
  });

  // ---------------------------------------------------------------------------------------
  // 1. Topics and filters (PROTOCOL section 1)
  // ---------------------------------------------------------------------------------------

  const SEGMENT = /^[a-z0-9][a-z0-9_-]*$/;

  function utf8Length(text) {
    let n = 0;
    for (const ch of text) {
      const c = ch.codePointAt(0);
      n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    return n;
  }

  /** Returns why `filter` is not a filter, or null when it is one. */
  function filterProblem(filter) {
    if (typeof filter !== "string" || filter.length === 0) return "a filter is a non-empty string";
    if (utf8Length(filter) > 255) return "a filter has at most 255 bytes";
    const segments = filter.split(".");
    if (segments.length < 2 || segments.length > 8) return "a filter has 2 to 8 segments, as a topic has";
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i];
      if (s === ">") {
        if (i !== segments.length - 1) return "'>' may only be the last segment";
      } else if (s !== "*" && !SEGMENT.test(s)) {
        return `segment "${s}" is not [a-z0-9][a-z0-9_-]*, '*' or a final '>'`;
      }
    }
    return null;
  }

  const splitCache = new Map();
  function segmentsOf(text) {
    let s = splitCache.get(text);
    if (!s) {
      s = text.split(".");
      if (splitCache.size > 4096) splitCache.clear();
      splitCache.set(text, s);
    }
    return s;
  }

  /** True when `topic` matches `filter`: exact segments, `*` one segment, final `>` one or more. */
  function matchFilter(filter, topic) {
    const f = segmentsOf(filter);
    const t = segmentsOf(topic);
    for (let i = 0; i < f.length; i++) {
      if (f[i] === ">") return t.length > i;
      if (i >= t.length) return false;
      if (f[i] !== "*" && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }

  function normalizeFilters(topics) {
    const list = typeof topics === "string" ? [topics] : Array.from(topics || []);
    if (list.length === 0) throw new TypeError("WokPush.subscribe: name at least one topic filter");
    for (const f of list) {
      const problem = filterProblem(f);
      if (problem) throw new TypeError(`WokPush.subscribe: bad filter ${JSON.stringify(f)}: ${problem}`);
    }
    return Array.from(new Set(list));
  }

  // ---------------------------------------------------------------------------------------
  // 2. SubscriptionTable: which tab holds which filters; refcounts of the union; routing
  // ---------------------------------------------------------------------------------------

  /**
   * Holds each client's (tab's) subscriptions and reference-counts their filters. The union of
   * the filters is what the router must hold for this browser. Pure: no I/O, no timers.
   */
  class SubscriptionTable {
    constructor() {
      this.clients = new Map(); // clientId -> Map(subId -> {filters: string[], ready, failed})
      this.counts = new Map();  // filter -> number of subscriptions holding it
    }

    hasClient(clientId) { return this.clients.has(clientId); }
    addClient(clientId) { if (!this.clients.has(clientId)) this.clients.set(clientId, new Map()); }

    /** Removes a client and all its subscriptions; returns the filters that left the union. */
    removeClient(clientId) {
      const subs = this.clients.get(clientId);
      if (!subs) return [];
      const removed = [];
      for (const sub of subs.values()) removed.push(...this._release(sub.filters));
      this.clients.delete(clientId);
      return removed;
    }

    /**
     * Adds (or replaces) subscription `subId` of `clientId`. Returns {added, removed}: the
     * filters that entered and left the union.
     */
    addSub(clientId, subId, filters) {
      this.addClient(clientId);
      const subs = this.clients.get(clientId);
      const previous = subs.get(subId);
      const unique = Array.from(new Set(filters));
      const added = [];
      for (const f of unique) {
        const n = this.counts.get(f) || 0;
        this.counts.set(f, n + 1);
        if (n === 0) added.push(f);
      }
      const removed = previous ? this._release(previous.filters) : [];
      subs.set(subId, { filters: unique, ready: false, failed: new Set() });
      return {
        added: added.filter((f) => this.counts.has(f)),
        removed: removed.filter((f) => !this.counts.has(f))
      };
    }

    /** Removes one subscription; returns the filters that left the union. */
    removeSub(clientId, subId) {
      const subs = this.clients.get(clientId);
      const sub = subs && subs.get(subId);
      if (!sub) return [];
      subs.delete(subId);
      return this._release(sub.filters);
    }

    _release(filters) {
      const removed = [];
      for (const f of filters) {
        const n = this.counts.get(f) || 0;
        if (n <= 1) { this.counts.delete(f); removed.push(f); } else this.counts.set(f, n - 1);
      }
      return removed;
    }

    /** The union of every client's filters. */
    filters() { return Array.from(this.counts.keys()); }
    count(filter) { return this.counts.get(filter) || 0; }

    /**
     * Each client's subscriptions whose filters match `topic`: [{clientId, subIds}]. With
     * `accept`, only the filters it accepts count.
     */
    route(topic, accept) {
      const matching = new Set();
      for (const f of this.counts.keys()) if (matchFilter(f, topic) && (!accept || accept(f))) matching.add(f);
      return matching.size === 0 ? [] : this.holders(matching);
    }

    /** Each client's subscriptions holding any filter of the set: [{clientId, subIds}]. */
    holders(filterSet) {
      const out = [];
      for (const [clientId, subs] of this.clients) {
        const subIds = [];
        for (const [subId, sub] of subs) {
          if (sub.filters.some((f) => filterSet.has(f))) subIds.push(subId);
        }
        if (subIds.length) out.push({ clientId, subIds });
      }
      return out;
    }

    /** Every subscription: [{clientId, subId, sub}]. */
    *entries() {
      for (const [clientId, subs] of this.clients) {
        for (const [subId, sub] of subs) yield { clientId, subId, sub };
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // 3. Backoff
  // ---------------------------------------------------------------------------------------

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  function backoffDelay(attempt, minMs, maxMs, random) {
    const cap = Math.min(maxMs, minMs * Math.pow(2, Math.min(attempt, 30)));
    return Math.round(cap / 2 + random() * cap / 2);
  }

  // ---------------------------------------------------------------------------------------
  // 4. Hub: owns the connection to the router for a set of clients (tabs)
  // ---------------------------------------------------------------------------------------

  /**
   * The hub runs in the SharedWorker (or the leader tab, or a lone tab). It keeps the union of
   * the clients' filters in sync with the router (subscribe/unsubscribe only for changes of the
   * union), routes each notification to the subscriptions whose filters match, remembers where
   * it is in the router's history (`cursor`, `epoch`) and resumes from there after a reconnect.
   *
   * `env` gives it the outside world: {createTransport(kind, settings, handlers), setTimeout,
   * clearTimeout, now, random, log}. A transport has send(frame) and close(reason); it calls
   * handlers.open(), handlers.frame(frame) and, once, handlers.close({established, code, reason}).
   *
   * Messages from a client: hello {config, subs:[{id, filters, since, epoch}]}, sub {id, filters},
   * unsub {id}, beat, bye, config {token}. Messages to a client: note {subs, n}, ready {subs,
   * from, epoch}, gap {subs, reason}, error {subs, error}, status {status}, reset.
   *
   * `since` in a hello, and `from` in ready (one per sub, or null), are a subscription's own
   * position: every notification of its filters up to that id was delivered to it or preceded
   * it (state its tab loaded at onReady). Tabs keep it, so a new hub (a new leader) knows it.
   */
  class Hub {
    constructor(env, config) {
      this.env = env;
      this.config = Object.assign({}, DEFAULTS, config || {});
      this.table = new SubscriptionTable();
      this.posts = new Map();        // clientId -> post(message)
      this.lastSeen = new Map();     // clientId -> time of its last message
      this.local = new Set();        // clients that are never reaped (the leader tab itself)
      this.router = new Map();       // filter -> {state: "pending"|"active", ref}
      this.refs = new Map();         // ref -> {frame: "subscribe", topics, resume}
      this.failed = new Map();       // filter -> error the router gave for it
      this.resumeSet = new Set();    // filters the cursor is valid for (held before a loss)
      // filter -> the head when it was subscribed without since while the cursor was behind it:
      // notifications up to that id came before the filter (its tabs loaded them as state), so a
      // resume from the older cursor, or a long-poll page, must not hand them to its holders.
      this.floors = new Map();
      this.seedFloors = new Map();   // filter -> the lowest position its holders reported in hello
      this.cursor = null;            // last notification id this browser has seen, or head
      this.epoch = null;
      this.nextRef = 1;
      this.transport = null;
      this.kind = this.config.transport === "longpoll" ? "longpoll" : "websocket";
      this.open = false;
      this.attempt = 0;
      this.wsFailures = 0;
      this.everConnected = false;
      this.state = "idle";
      this.timers = {};
      this.syncQueued = false;
      this.closed = false;
      this.gatherUntil = 0;
      this.lastFrameAt = 0;
      this.stats = { frames: 0, notifications: 0, routed: 0, duplicates: 0 };
      this._startReaper();
    }

    // ----- clients -----

    /** Handles one message from client `clientId`; `post` sends messages back to it. */
    handle(clientId, msg, post) {
      if (this.closed || !msg || typeof msg !== "object") return;
      if (msg.t === "hello") {
        this.posts.set(clientId, post);
        this.lastSeen.set(clientId, this.env.now());
        if (msg.local) this.local.add(clientId);
        this.table.removeClient(clientId);
        this.table.addClient(clientId);
        if (msg.config && msg.config.token !== undefined) this.config.token = msg.config.token;
        for (const s of msg.subs || []) this._addSub(clientId, s.id, s.filters, s.since, s.epoch);
        post({ t: "status", status: this.status() });
        this._changed();
        return;
      }
      if (!this.table.hasClient(clientId)) {
        // Forgotten (missed heartbeats) or never said hello: it must start over.
        if (msg.t !== "bye" && post) post({ t: "reset" });
        return;
      }
      this.lastSeen.set(clientId, this.env.now());
      switch (msg.t) {
        case "sub": this._addSub(clientId, msg.id, msg.filters); this._changed(); break;
        case "unsub": this.table.removeSub(clientId, msg.id); this._changed(); break;
        case "bye": this.removeClient(clientId); break;
        case "config": if (msg.token !== undefined) this.config.token = msg.token; break;
        case "beat": break;
        default: this._log("unknown client message", msg);
      }
    }

    /** Forgets a client (closed tab) and releases the filters only it held. */
    removeClient(clientId) {
      this.table.removeClient(clientId);
      this.posts.delete(clientId);
      this.lastSeen.delete(clientId);
      this.local.delete(clientId);
      this._changed();
    }

    _addSub(clientId, subId, filters, since, epoch) {
      const clean = (filters || []).filter((f) => filterProblem(f) === null);
      if (clean.length === 0) return;
      this.table.addSub(clientId, subId, clean);
      // A tab that saw history before (a leader handoff) tells where it stands: the hub resumes
      // from the earliest such position if it has none of its own yet.
      if (since != null && this.cursor === null && !this.everConnected && !this.open) {
        if (this.epoch === null || this.epoch === epoch) {
          this.epoch = epoch;
          this.seedCursor = this.seedCursor == null ? since : Math.min(this.seedCursor, since);
          for (const f of clean) {
            this.resumeSet.add(f);
            this.seedFloors.set(f, this.seedFloors.has(f) ? Math.min(this.seedFloors.get(f), since) : since);
          }
        }
      }
    }

    _startReaper() {
      const period = Math.max(50, Math.floor(this.config.clientTimeoutMs / 3));
      const tick = () => {
        if (this.closed) return;
        const now = this.env.now();
        for (const [clientId, seen] of this.lastSeen) {
          if (!this.local.has(clientId) && now - seen > this.config.clientTimeoutMs) {
            this._log("client timed out", clientId);
            this.removeClient(clientId);
          }
        }
        this.timers.reaper = this.env.setTimeout(tick, period);
      };
      this.timers.reaper = this.env.setTimeout(tick, period);
    }

    _post(clientId, msg) {
      const post = this.posts.get(clientId);
      if (post) {
        try { post(msg); } catch (e) { this._log("post failed", e); }
      }
    }

    _postGroups(groups, make) {
      for (const { clientId, subIds } of groups) this._post(clientId, make(subIds));
    }

    _broadcastStatus() {
      const status = this.status();
      for (const clientId of this.posts.keys()) this._post(clientId, { t: "status", status });
    }

    /** The hub's connection state: {state, transport, cursor, epoch, filters}. */
    status() {
      return {
        state: this.state,
        transport: this.open || this.transport ? this.kind : null,
        cursor: this.cursor,
        epoch: this.epoch,
        filters: this.table.filters().length,
        error: this.lastError || null
      };
    }

    _setState(state) {
      if (this.state === state && !this._kindChanged) return;
      this._kindChanged = false;
      this.state = state;
      this._broadcastStatus();
    }

    // ----- keeping the router in sync with the union -----

    _changed() {
      if (this.syncQueued) return;
      this.syncQueued = true;
      Promise.resolve().then(() => { this.syncQueued = false; this.sync(); });
    }

    /** Sends subscribe/unsubscribe for the differences between the union and the router. */
    sync() {
      if (this.closed) return;
      const desired = new Set(this.table.filters());
      this._markReady();
      if (desired.size === 0) {
        this._clearTimer("connect");
        if (this.transport && !this.timers.idle) {
          this.timers.idle = this.env.setTimeout(() => {
            this.timers.idle = null;
            if (this.table.filters().length === 0) this._disconnect("idle");
          }, this.config.idleCloseMs);
        }
      } else {
        this._clearTimer("idle");
      }
      for (const f of Array.from(this.failed.keys())) if (!desired.has(f)) this.failed.delete(f);
      if (!this.open) {
        if (desired.size > 0) this._ensureConnecting();
        return;
      }
      const toRemove = [];
      for (const f of this.router.keys()) if (!desired.has(f)) toRemove.push(f);
      for (const f of toRemove) { this.router.delete(f); this.resumeSet.delete(f); this.floors.delete(f); }
      if (toRemove.length) this._send({ type: "unsubscribe", topics: toRemove });
      const toAdd = [];
      for (const f of desired) if (!this.router.has(f) && !this.failed.has(f)) toAdd.push(f);
      if (toAdd.length) this._subscribe(toAdd, false);
    }

    _subscribe(topics, resume) {
      const ref = this.nextRef++;
      const frame = { type: "subscribe", topics, ref };
      if (resume) { frame.since = this.cursor; frame.epoch = this.epoch; }
      for (const f of topics) this.router.set(f, { state: "pending", ref });
      this.refs.set(ref, { topics, resume });
      this._send(frame);
    }

    _send(frame) {
      if (this.transport) this.transport.send(frame);
    }

    /** Tells each subscription whose filters are all held (or refused) that it is live. */
    _markReady() {
      const ready = new Map(); // clientId -> {subs, from}
      for (const { clientId, subId, sub } of this.table.entries()) {
        if (sub.ready) continue;
        const done = sub.filters.every((f) => {
          const r = this.router.get(f);
          return (r && r.state === "active") || this.failed.has(f);
        });
        if (!done) continue;
        sub.ready = true;
        if (!ready.has(clientId)) ready.set(clientId, { subs: [], from: [] });
        ready.get(clientId).subs.push(subId);
        ready.get(clientId).from.push(this._positionOf(sub.filters));
      }
      for (const [clientId, { subs, from }] of ready) {
        this._post(clientId, { t: "ready", subs, from, epoch: this.epoch });
      }
    }

    /**
     * Where a subscription of `filters` that is live now stands: what the hub has seen (the
     * cursor), or, for a filter subscribed while the cursor was behind, the head it started at.
     */
    _positionOf(filters) {
      if (this.cursor === null) return null;
      let at = this.cursor;
      for (const f of filters) if (this.floors.get(f) > at) at = this.floors.get(f);
      return at;
    }

    _resetReadiness() {
      for (const { sub } of this.table.entries()) sub.ready = false;
    }

    // ----- connection -----

    _ensureConnecting() {
      if (this.transport || this.timers.connect || this.closed) return;
      const wait = Math.max(0, this.gatherUntil - this.env.now());
      if (wait > 0) {
        this.timers.connect = this.env.setTimeout(() => { this.timers.connect = null; this._connect(); }, wait);
      } else {
        this._connect();
      }
    }

    _connect() {
      if (this.transport || this.closed || this.table.filters().length === 0) return;
      if (this.config.transport === "auto" && this.kind === "longpoll" && this.fallbackSince != null &&
          this.env.now() - this.fallbackSince >= this.config.wsRetryMs) {
        this.kind = "websocket";
        this.wsFailures = Math.max(0, this.config.fallbackAfter - 1);
      }
      if (this.config.transport === "auto" && this.kind === "websocket" && this.env.hasWebSocket === false) {
        this.kind = "longpoll"; // no WebSocket in this browser at all: nothing to try first
      }
      if (this.config.transport === "websocket") this.kind = "websocket";
      if (this.config.transport === "longpoll") this.kind = "longpoll";
      this._setState(this.everConnected ? "reconnecting" : "connecting");
      const kind = this.kind;
      let transport = null;
      const handlers = {
        open: () => { if (this.transport === transport) this._onOpen(); },
        frame: (frame) => { if (this.transport === transport) this._onFrame(frame); },
        close: (info) => { if (this.transport === transport) this._onClose(info || {}); }
      };
      try {
        this.connectedToken = this.config.token; // the token this connection presents
        transport = this.env.createTransport(kind, this._transportSettings(), handlers);
        this.transport = transport;
      } catch (e) {
        this._log("cannot create transport", kind, e);
        this.transport = null;
        this._onClose({ established: false, reason: String(e) });
      }
    }

    _transportSettings() {
      return {
        url: this.config.url,
        httpUrl: this.config.httpUrl,
        token: this.config.token,
        connectTimeoutMs: this.config.connectTimeoutMs,
        longPollWait: this.config.longPollWait,
        longPollLimit: this.config.longPollLimit
      };
    }

    _onOpen() {
      this.open = true;
      this.everConnected = true;
      this.lastFrameAt = this.env.now();
      if (this.kind === "longpoll" && this.fallbackSince == null) this.fallbackSince = this.env.now();
      if (this.kind === "websocket") this.fallbackSince = null;
      this.router.clear();
      this.refs.clear();
      this._resetReadiness();
      if (this.cursor === null && this.seedCursor != null) {
        // Resumed from the lowest position reported; a filter whose holders all stand further
        // (subscribed later than the others) is not routed what precedes their positions.
        this.cursor = this.seedCursor;
        for (const [f, since] of this.seedFloors) if (since > this.cursor) this.floors.set(f, since);
      }
      this.seedCursor = null;
      this.seedFloors.clear();
      const desired = this.table.filters();
      const resume = [];
      const fresh = [];
      const retry = [];
      for (const f of desired) {
        if (this.failed.has(f)) retry.push(f);
        else if (this.cursor !== null && this.resumeSet.has(f)) resume.push(f);
        else fresh.push(f);
      }
      this.failed.clear();
      if (resume.length) this._subscribe(resume, true);
      if (fresh.length) this._subscribe(fresh, false);
      for (const f of retry) this._subscribe([f], false);
      this._setState(this.kind === "longpoll" ? "fallback" : "connected");
      this._schedulePing();
      if (this.kind === "longpoll" && this.config.transport === "auto") {
        this._clearTimer("wsRetry");
        this.timers.wsRetry = this.env.setTimeout(() => {
          this.timers.wsRetry = null;
          if (this.transport && this.kind === "longpoll") {
            this._log("retrying the WebSocket");
            this._disconnect("retry-websocket", true);
          }
        }, this.config.wsRetryMs);
      }
    }

    _onFrame(frame) {
      this.lastFrameAt = this.env.now();
      this.stats.frames++;
      if (!frame || typeof frame !== "object") return;
      switch (frame.type) {
        case "notification": this._onNotification(frame); break;
        case "subscribed": this._onSubscribed(frame); break;
        case "unsubscribed": break;
        case "pong": break;
        case "error": this._onError(frame); break;
        default: this._log("unknown frame", frame);
      }
    }

    _onSubscribed(frame) {
      const info = this.refs.get(frame.ref);
      if (info) this.refs.delete(frame.ref);
      const topics = info ? info.topics : (frame.topics || []);
      const resume = info ? info.resume : false;
      const epochChanged = this.epoch !== null && frame.epoch !== undefined && frame.epoch !== this.epoch;
      const cursorBefore = this.cursor;
      if (epochChanged) this.floors.clear();
      if (resume && (frame.recovered === false || epochChanged)) {
        // The missed notifications cannot all be replayed: the tabs must reload their state.
        this.cursor = typeof frame.head === "number" ? frame.head : this.cursor;
        this._postGroups(this.table.holders(new Set(topics)), (subIds) => (
          { t: "gap", subs: subIds, reason: epochChanged ? "epoch" : "trimmed" }));
      } else if (epochChanged) {
        // A fresh subscription learnt that the history was replaced: everyone held before lost it.
        this.cursor = typeof frame.head === "number" ? frame.head : null;
        const held = new Set();
        for (const [f, r] of this.router) if (r.state === "active") held.add(f);
        this._postGroups(this.table.holders(held), (subIds) => ({ t: "gap", subs: subIds, reason: "epoch" }));
      } else if (this.cursor === null && typeof frame.head === "number") {
        this.cursor = frame.head;
      }
      if (frame.epoch !== undefined) this.epoch = frame.epoch;
      if (!resume && !epochChanged) {
        // Live from `head` on: what came before it, up to the cursor's position, is not this filter's.
        for (const f of topics) {
          this.floors.delete(f);
          if (cursorBefore !== null && typeof frame.head === "number" && frame.head > this.cursor) this.floors.set(f, frame.head);
        }
      }
      for (const [f, head] of this.floors) if (head <= this.cursor) this.floors.delete(f);
      for (const f of topics) {
        const r = this.router.get(f);
        if (r && (!info || r.ref === frame.ref)) { r.state = "active"; this.resumeSet.add(f); }
      }
      this.attempt = 0;
      if (this.lastError) { this.lastError = null; this._broadcastStatus(); }
      if (this.kind === "websocket") this.wsFailures = 0;
      if (this.kind === "longpoll" && this.sawHttpFailure && this.config.transport === "auto") {
        // The router came back after an outage during which the socket failed too: the socket
        // may well work now, so try it soon instead of long-polling until wsRetryMs.
        this.sawHttpFailure = false;
        this._clearTimer("wsRetry");
        this.timers.wsRetry = this.env.setTimeout(() => {
          this.timers.wsRetry = null;
          if (this.transport && this.kind === "longpoll") this._disconnect("retry-websocket", true);
        }, this.config.reconnectMinMs);
      }
      this._markReady();
    }

    _onError(frame) {
      const info = frame.ref !== undefined ? this.refs.get(frame.ref) : null;
      if (!info) { this._log("router error", frame); return; }
      this.refs.delete(frame.ref);
      const error = { code: frame.code, message: frame.message, details: frame.details };
      const named = this._topicsNamedIn(frame.details, info.topics);
      if (info.topics.length > 1 && named.length === 0) {
        // One filter spoilt the frame and the router did not say which: ask one by one.
        for (const f of info.topics) this.router.delete(f);
        if (info.resume) {
          this._postGroups(this.table.holders(new Set(info.topics)), (subIds) => (
            { t: "gap", subs: subIds, reason: "resubscribed" }));
        }
        for (const f of info.topics) this._subscribe([f], false);
        return;
      }
      const bad = named.length ? named : info.topics;
      for (const f of bad) { this.router.delete(f); this.failed.set(f, error); this.resumeSet.delete(f); }
      this._postGroups(this.table.holders(new Set(bad)), (subIds) => (
        { t: "error", subs: subIds, error: Object.assign({ topics: bad }, error) }));
      const rest = info.topics.filter((f) => !bad.includes(f));
      if (rest.length) {
        for (const f of rest) this.router.delete(f);
        this._subscribe(rest, info.resume);
      }
      this._markReady();
    }

    _topicsNamedIn(details, topics) {
      if (!details) return [];
      const text = typeof details === "string" ? details : JSON.stringify(details);
      return topics.filter((f) => text.includes(JSON.stringify(f)) || text === f);
    }

    _onNotification(n) {
      if (typeof n.id !== "number" || typeof n.topic !== "string") return;
      if (this.cursor !== null && n.id <= this.cursor && (this.epoch === null || n.epoch === this.epoch)) {
        this.stats.duplicates++;
        return;
      }
      if (n.epoch !== undefined && n.epoch !== this.epoch) { this.epoch = n.epoch; this.floors.clear(); }
      this.cursor = n.id;
      this.stats.notifications++;
      const floors = this.floors;
      const groups = floors.size === 0 ? this.table.route(n.topic)
        : this.table.route(n.topic, (f) => !(floors.get(f) >= n.id));
      if (floors.size) for (const [f, head] of floors) if (head <= n.id) floors.delete(f);
      for (const { clientId, subIds } of groups) {
        this.stats.routed++;
        this._post(clientId, { t: "note", subs: subIds, n });
      }
    }

    _onClose(info) {
      const established = !!info.established;
      this._log("transport closed", this.kind, info);
      this.transport = null;
      this.open = false;
      // The cursor stays valid for filters that were held, and for those being resumed.
      for (const [f, r] of this.router) {
        if (r.state === "active") this.resumeSet.add(f);
        else if (!(this.refs.get(r.ref) || {}).resume) this.resumeSet.delete(f);
      }
      this.router.clear();
      this.refs.clear();
      this._clearTimer("ping");
      this._clearTimer("pong");
      this._clearTimer("wsRetry");
      if (this.closed) return;
      if (this.config.transport === "auto") {
        if (this.kind === "websocket") {
          this.wsFailures = established ? 0 : this.wsFailures + 1;
          if (this.wsFailures >= this.config.fallbackAfter) {
            this._log("WebSocket failed", this.wsFailures, "times: long-polling");
            this.kind = "longpoll";
            this._kindChanged = true;
            this.fallbackSince = this.env.now();
            this.attempt = 0;
          }
        } else if (!established && !info.retryWebSocket) {
          // HTTP failed too: the router is unreachable, not just its WebSocket. Prefer the socket.
          this.sawHttpFailure = true;
          this.kind = "websocket";
          this._kindChanged = true;
          this.wsFailures = Math.max(0, this.config.fallbackAfter - 1);
          this.fallbackSince = null;
        } else if (info.retryWebSocket) {
          this.kind = "websocket";
          this._kindChanged = true;
          this.wsFailures = Math.max(0, this.config.fallbackAfter - 1);
        }
      }
      // A socket closed because its token expired is not refused: the page may already have
      // handed over a new token (configure({token})), so reconnect at once and resume; if the
      // token is the same, the router refuses that attempt and the backoff below applies.
      const expired = info.code === 1008 && (info.reason === "token expired" || this.config.token !== this.connectedToken);
      const refused = info.code === 1008 && !expired ? "the router refused the connection (authentication or origin)"
        : info.code === 401 || info.code === 403 ? `the router refused the request (HTTP ${info.code})` : null;
      if (refused) {
        this.attempt = Math.max(this.attempt, 6); // refused: do not hammer
        if (this.lastError !== refused) { this.lastError = refused; this._kindChanged = true; }
      }
      if (this.table.filters().length === 0) { this._setState("idle"); return; }
      if (info.retryWebSocket || this._kindChanged && this.kind === "longpoll") {
        this._setState("reconnecting");
        this._connect();
        return;
      }
      const delay = backoffDelay(this.attempt, this.config.reconnectMinMs, this.config.reconnectMaxMs, this.env.random);
      this.attempt++;
      this._setState("reconnecting");
      this._clearTimer("connect");
      this.timers.connect = this.env.setTimeout(() => { this.timers.connect = null; this._connect(); }, delay);
    }

    _schedulePing() {
      this._clearTimer("ping");
      if (this.kind !== "websocket" || !this.open) return;
      this.timers.ping = this.env.setTimeout(() => {
        this.timers.ping = null;
        if (!this.open) return;
        const quiet = this.env.now() - this.lastFrameAt;
        if (quiet >= this.config.pingMs) {
          const sentAt = this.env.now();
          this._send({ type: "ping" });
          this._clearTimer("pong");
          this.timers.pong = this.env.setTimeout(() => {
            this.timers.pong = null;
            if (this.open && this.lastFrameAt < sentAt) {
              this._log("no answer to ping: the socket is dead");
              this._disconnect("ping-timeout");
            }
          }, this.config.pongTimeoutMs);
        }
        this._schedulePing();
      }, this.config.pingMs);
    }

    _disconnect(reason, retryWebSocket) {
      const t = this.transport;
      if (!t) return;
      this._log("disconnecting", reason);
      // The transport calls handlers.close, which runs _onClose (and schedules the next attempt).
      t.close(reason, retryWebSocket);
      if (this.transport === t) this._onClose({ established: true, reason, retryWebSocket });
      if (reason === "idle") { this._clearTimer("connect"); this._setState("idle"); }
    }

    _clearTimer(name) {
      if (this.timers[name]) { this.env.clearTimeout(this.timers[name]); this.timers[name] = null; }
    }

    /** Stops everything: used when the leader tab goes away. */
    shutdown() {
      if (this.closed) return;
      this.closed = true;
      for (const name of Object.keys(this.timers)) this._clearTimer(name);
      const t = this.transport;
      this.transport = null;
      this.open = false;
      if (t) t.close("shutdown");
    }

    _log(...args) {
      if (this.config.debug && this.env.log) this.env.log(...args);
    }
  }

  // ---------------------------------------------------------------------------------------
  // 5. Transports (browser): WebSocket, and long-polling that speaks the same frames
  // ---------------------------------------------------------------------------------------

  function withToken(url, token) {
    if (!token) return url;
    const u = new URL(url);
    u.searchParams.set("token", token);
    return u.href;
  }

  /** The HTTP base ("http://h:p/prefix/") that belongs to a push URL ("ws://h:p/prefix/push"). */
  function httpBaseFor(settings) {
    if (settings.httpUrl) return settings.httpUrl.endsWith("/") ? settings.httpUrl : settings.httpUrl + "/";
    const u = new URL(settings.url);
    u.protocol = u.protocol === "wss:" ? "https:" : u.protocol === "ws:" ? "http:" : u.protocol;
    u.pathname = u.pathname.replace(/push\/?$/, "");
    if (!u.pathname.endsWith("/")) u.pathname += "/";
    u.search = "";
    u.hash = "";
    return u.href;
  }

  class WebSocketTransport {
    constructor(settings, handlers, scope) {
      this.handlers = handlers;
      this.opened = false;
      this.done = false;
      this.ws = new scope.WebSocket(withToken(settings.url, settings.token));
      this.timer = scope.setTimeout(() => { if (!this.opened) this._finish({ reason: "connect-timeout" }); },
        settings.connectTimeoutMs);
      this.scope = scope;
      this.ws.onopen = () => { this.opened = true; scope.clearTimeout(this.timer); handlers.open(); };
      this.ws.onmessage = (e) => {
        let frame;
        try { frame = JSON.parse(e.data); } catch (err) { return; }
        handlers.frame(frame);
      };
      this.ws.onclose = (e) => this._finish({ code: e.code, reason: e.reason });
      this.ws.onerror = () => {};
    }

    send(frame) {
      if (this.ws.readyState === 1) this.ws.send(JSON.stringify(frame));
    }

    close(reason, retryWebSocket) {
      try { this.ws.close(1000, String(reason || "").slice(0, 100)); } catch (e) { /* already closed */ }
      this._finish({ code: 1000, reason, retryWebSocket });
    }

    _finish(info) {
      if (this.done) return;
      this.done = true;
      this.scope.clearTimeout(this.timer);
      try { if (this.ws.readyState < 2) this.ws.close(); } catch (e) { /* ignore */ }
      this.handlers.close(Object.assign({ established: this.opened }, info));
    }
  }

  /**
   * Long-polls GET /notifications and presents the answers as push frames (subscribed,
   * notification, error, pong), so the hub treats it like a socket.
   */
  class LongPollTransport {
    constructor(settings, handlers, scope) {
      this.settings = settings;
      this.handlers = handlers;
      this.scope = scope;
      this.base = httpBaseFor(settings);
      this.filters = new Set();
      this.acks = [];
      this.cursor = null;
      this.epoch = null;
      this.expectEpoch = null;
      this.done = false;
      this.established = false;
      this.abort = null;
      this.wake = null;
      Promise.resolve().then(() => { if (!this.done) { handlers.open(); this._loop(); } });
    }

    send(frame) {
      if (this.done) return;
      if (frame.type === "subscribe") {
        for (const f of frame.topics) this.filters.add(f);
        if (frame.since != null) { this.cursor = frame.since; this.expectEpoch = frame.epoch; }
        this.acks.push({ ref: frame.ref, topics: frame.topics, resume: frame.since != null });
        this._kick();
      } else if (frame.type === "unsubscribe") {
        for (const f of frame.topics) this.filters.delete(f);
        const reply = { type: "unsubscribed", topics: frame.topics, ref: frame.ref };
        Promise.resolve().then(() => !this.done && this.handlers.frame(reply));
        this._kick();
      } else if (frame.type === "ping") {
        Promise.resolve().then(() => !this.done && this.handlers.frame({ type: "pong", ref: frame.ref }));
      }
    }

    _kick() {
      if (this.wake) { const w = this.wake; this.wake = null; w(); }
      if (this.abort && this.waiting) this.abort.abort();
    }

    close(reason, retryWebSocket) {
      this._finish({ reason, retryWebSocket });
    }

    _finish(info) {
      if (this.done) return;
      this.done = true;
      if (this.abort) this.abort.abort();
      if (this.wake) this.wake();
      this.handlers.close(Object.assign({ established: this.established }, info));
    }

    /** Lowers longPollWait or longPollLimit to the router's bound named by a 400's body
     * ({"limit": "max_wait"|"max_history_limit", "max": N}); false when it names neither, or
     * when the setting is already within it (nothing to retry with). */
    _fitBound(body) {
      if (!body || typeof body.max !== "number" || !(body.max >= 0)) return false;
      const max = Math.floor(body.max);
      if (body.limit === "max_wait" && this.settings.longPollWait > max) {
        this.settings.longPollWait = max;
        return true;
      }
      if (body.limit === "max_history_limit" && max >= 1 && this.settings.longPollLimit > max) {
        this.settings.longPollLimit = max;
        return true;
      }
      return false;
    }

    async _loop() {
      while (!this.done) {
        if (this.filters.size === 0) {
          await new Promise((resolve) => { this.wake = resolve; });
          continue;
        }
        const acks = this.acks.splice(0);
        const topics = Array.from(this.filters);
        const params = new URLSearchParams();
        params.set("topics", topics.join(","));
        params.set("limit", String(this.settings.longPollLimit));
        const waiting = this.cursor !== null && acks.length === 0;
        if (this.cursor !== null) params.set("since", String(this.cursor));
        if (this.expectEpoch != null) params.set("epoch", String(this.expectEpoch));
        if (waiting) params.set("wait", String(this.settings.longPollWait));
        const headers = {};
        if (this.settings.token) headers.Authorization = "Bearer " + this.settings.token;
        this.abort = new AbortController();
        this.waiting = waiting;
        const guard = this.scope.setTimeout(() => this.abort && this.abort.abort(),
          (this.settings.longPollWait + 20) * 1000);
        let response;
        let body;
        try {
          response = await this.scope.fetch(this.base + "notifications?" + params.toString(),
            { headers, cache: "no-store", signal: this.abort.signal });
          body = await response.json().catch(() => ({}));
        } catch (e) {
          this.scope.clearTimeout(guard);
          if (this.done) return;
          if (e && e.name === "AbortError" && waiting) { this.acks.unshift(...acks); continue; }
          this._finish({ reason: "fetch failed: " + e });
          return;
        }
        this.scope.clearTimeout(guard);
        this.waiting = false;
        if (this.done) return;
        if (!response.ok) {
          const code = body && body.error;
          if (response.status === 400 && this._fitBound(body)) {
            // The router bounds wait= or limit= below what this client asked: ask within its
            // bound from now on (the 400 names the setting and its maximum).
            this.acks.unshift(...acks);
            continue;
          }
          if (acks.length && (response.status === 404 || response.status === 403 || response.status === 400)) {
            this.established = true;
            for (const a of acks) for (const f of a.topics) this.filters.delete(f);
            for (const a of acks) {
              this.handlers.frame({ type: "error", ref: a.ref, code: code || "http_" + response.status,
                message: (body && body.message) || "refused", details: body && (body.details || body.topic || body.topics) });
            }
            continue;
          }
          this._finish({ reason: "HTTP " + response.status, code: response.status });
          return;
        }
        this.established = true;
        let recovered = body.recovered !== false;
        if (this.expectEpoch != null && body.epoch !== this.expectEpoch) recovered = false;
        const resumed = acks.some((a) => a.resume);
        if (!resumed && this.epoch !== null && body.epoch !== this.epoch) {
          // The router's history was replaced under us: reconnect, which resumes and reports the gap.
          this._finish({ reason: "epoch changed" });
          return;
        }
        this.expectEpoch = null;
        this.epoch = body.epoch;
        for (const a of acks) {
          this.handlers.frame({ type: "subscribed", ref: a.ref, topics: a.topics, head: body.head,
            epoch: body.epoch, recovered: a.resume ? recovered : true });
        }
        const list = Array.isArray(body.notifications) ? body.notifications : [];
        if (this.cursor === null || (resumed && !recovered)) {
          this.cursor = typeof body.head === "number" ? body.head : 0;
          continue; // history before the subscription; the tab loads it by other means
        }
        for (const n of list) {
          if (this.done) return;
          if (typeof n.id === "number" && n.id > this.cursor) {
            this.cursor = n.id;
            this.handlers.frame(Object.assign({ type: "notification" }, n));
          }
        }
      }
    }
  }

  function browserEnv(scope) {
    return {
      hasWebSocket: typeof scope.WebSocket === "function",
      createTransport(kind, settings, handlers) {
        if (kind === "websocket") {
          if (typeof scope.WebSocket !== "function") throw new Error("no WebSocket here");
          return new WebSocketTransport(settings, handlers, scope);
        }
        return new LongPollTransport(settings, handlers, scope);
      },
      setTimeout: (fn, ms) => scope.setTimeout(fn, ms),
      clearTimeout: (t) => scope.clearTimeout(t),
      now: () => Date.now(),
      random: Math.random,
      log: (...args) => console.debug("[wok-push]", ...args)
    };
  }

  // ---------------------------------------------------------------------------------------
  // 6. SharedWorker entry point (wok-push-worker.js calls this)
  // ---------------------------------------------------------------------------------------

  function startSharedWorker(scope) {
    let hub = null;
    let next = 1;
    scope.onconnect = (event) => {
      const port = event.ports[0];
      const clientId = "port" + next++;
      const post = (msg) => port.postMessage(msg);
      port.onmessage = (e) => {
        const msg = e.data;
        if (!hub) {
          if (!msg || msg.t !== "hello") { post({ t: "reset" }); return; }
          const env = browserEnv(scope);
          if (msg.config && msg.config.debug) {
            env.log = (...args) => { for (const p of hub.posts.values()) p({ t: "log", args: args.map(String) }); };
          }
          hub = new Hub(env, msg.config);
        }
        hub.handle(clientId, msg, post);
      };
      // Chrome tells the worker when a tab's port is gone (crash, kill); heartbeats cover the rest.
      port.addEventListener("close", () => { if (hub) hub.removeClient(clientId); });
      port.start();
    };
  }

  // ---------------------------------------------------------------------------------------
  // 7. The tab: subscriptions, callbacks and the link to the hub
  // ---------------------------------------------------------------------------------------

  function randomId() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    return Math.random().toString(36).slice(2) + Date.now().toString(36);
  }

  function scriptBase() {
    try {
      const s = global.document && global.document.currentScript;
      if (s && s.src) return s.src;
    } catch (e) { /* not in a page */ }
    return null;
  }

  /** Link to a hub in a SharedWorker. */
  class WorkerLink {
    constructor(client) {
      const c = client.config;
      this.mode = "shared-worker";
      const name = "wok-push " + JSON.stringify([c.url, c.transport]);
      this.worker = new global.SharedWorker(c.workerUrl, { name });
      this.port = this.worker.port;
      // The worker answers every hello at once. Chrome does not always fire "error" at each tab
      // when the worker script cannot load, so silence counts as failure too.
      this.timer = global.setTimeout(() => client.linkFailed(this, new Error("no answer from the SharedWorker")),
        c.workerTimeoutMs);
      this.port.onmessage = (e) => { global.clearTimeout(this.timer); client.receive(e.data); };
      this.worker.onerror = (e) => { global.clearTimeout(this.timer); client.linkFailed(this, e); };
      this.port.start();
    }
    send(msg) { this.port.postMessage(msg); }
    close() {
      global.clearTimeout(this.timer);
      try { this.port.close(); } catch (e) { /* ignore */ }
    }
  }

  /** Link to a hub in this tab (one socket per tab). */
  class LocalLink {
    constructor(client, mode) {
      this.mode = mode || "tab";
      this.client = client;
      this.id = "self";
      this.hub = new Hub(browserEnv(global), client.config);
      this.post = (msg) => queueMicrotask(() => this.client.receive(msg));
    }
    send(msg) {
      this.hub.handle(this.id, msg.t === "hello" ? Object.assign({ local: true }, msg) : msg, this.post);
    }
    close() { this.hub.shutdown(); }
  }

  /** Link through a leader elected with Web Locks; followers relay over BroadcastChannel. */
  class LeaderLink {
    constructor(client) {
      const c = client.config;
      this.client = client;
      this.mode = "follower";
      this.id = randomId();
      this.hub = null;
      const key = "wok-push " + JSON.stringify([c.url, c.transport]);
      this.channel = new global.BroadcastChannel(key);
      this.channel.onmessage = (e) => this._onChannel(e.data);
      this.localPost = (msg) => queueMicrotask(() => this.client.receive(msg));
      this.release = null;
      this.closed = false;
      global.navigator.locks.request(key, () => new Promise((resolve) => {
        if (this.closed) { resolve(); return; }
        this.release = resolve;
        this._becomeLeader();
      })).catch((e) => client.linkFailed(this, e));
    }

    _becomeLeader() {
      this.mode = "leader";
      this.hub = new Hub(browserEnv(global), Object.assign({}, this.client.config));
      this.hub.gatherUntil = Date.now() + this.client.config.gatherMs;
      this.hub.handle(this.id, Object.assign({ local: true }, this.client.helloMessage()), this.localPost);
      this.channel.postMessage({ t: "leader", from: this.id });
      this.client.modeChanged();
    }

    _onChannel(m) {
      if (!m || typeof m !== "object") return;
      if (this.hub) {
        if (m.from && m.t !== "leader" && !m.to) {
          const to = m.from;
          this.hub.handle(to, m, (reply) => this.channel.postMessage(Object.assign({ to }, reply)));
        }
        return;
      }
      if (m.t === "leader") { this.client.resendHello(); return; }
      if (m.to === this.id) this.client.receive(m);
    }

    send(msg) {
      if (this.hub) {
        this.hub.handle(this.id, msg.t === "hello" ? Object.assign({ local: true }, msg) : msg, this.localPost);
      } else {
        this.channel.postMessage(Object.assign({ from: this.id }, msg));
      }
    }

    close() {
      this.closed = true;
      if (this.hub) { this.hub.shutdown(); this.hub = null; }
      if (this.release) { this.release(); this.release = null; }
      try { this.channel.close(); } catch (e) { /* ignore */ }
    }
  }

  function pickLinkMode(config, scope) {
    const want = config.shared;
    const hasWorker = typeof scope.SharedWorker === "function";
    const hasLocks = !!(scope.navigator && scope.navigator.locks && typeof scope.navigator.locks.request === "function");
    const hasChannel = typeof scope.BroadcastChannel === "function";
    if ((want === "auto" || want === "worker") && hasWorker) return "worker";
    if ((want === "auto" || want === "worker" || want === "leader") && hasLocks && hasChannel) return "leader";
    return "tab";
  }

  /** The page side: subscriptions with their callbacks, delivery without duplicates. */
  class TabClient {
    constructor(scope) {
      this.scope = scope;
      this.config = Object.assign({}, DEFAULTS);
      this.subs = new Map();
      this.nextSub = 1;
      this.link = null;
      this.hubStatus = { state: "idle", transport: null };
      this.listeners = new Set();
      this.cursor = null;
      this.epoch = null;
      this.started = false;
      this.triedModes = new Set();
    }

    configure(options) {
      const o = Object.assign({}, options || {});
      for (const key of Object.keys(o)) {
        if (!(key in DEFAULTS)) throw new TypeError("WokPush.configure: unknown option " + key);
      }
      if (this.started) {
        if ("token" in o) { this.config.token = o.token; this.link && this.link.send({ t: "config", token: o.token }); }
        const others = Object.keys(o).filter((k) => k !== "token" && o[k] !== this.config[k]);
        if (others.length) console.warn("WokPush.configure: already connected; ignoring " + others.join(", "));
        return;
      }
      Object.assign(this.config, o);
    }

    _resolveConfig() {
      const c = this.config;
      const page = this.scope.location ? this.scope.location.href : undefined;
      // The router serves this script next to /push: resolve relative to the script when known.
      const base = c._scriptBase || scriptSrc || null;
      if (!c.url) {
        const u = base ? new URL("push", base) : new URL("/push", page);
        u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
        c.url = u.href;
      } else {
        const u = new URL(c.url, page);
        if (u.protocol === "http:") u.protocol = "ws:";
        if (u.protocol === "https:") u.protocol = "wss:";
        c.url = u.href;
      }
      c.httpUrl = c.httpUrl ? new URL(c.httpUrl, page).href : httpBaseFor({ url: c.url });
      c.workerUrl = c.workerUrl ? new URL(c.workerUrl, page).href
        : new URL(base ? "wok-push-worker.js" : "/wok-push-worker.js", base || page).href;
    }

    _start(mode) {
      if (!this.started) {
        this._resolveConfig();
        this.started = true;
        this._watchPage();
      }
      mode = mode || pickLinkMode(this.config, this.scope);
      this.triedModes.add(mode);
      try {
        if (mode === "worker") this.link = new WorkerLink(this);
        else if (mode === "leader") this.link = new LeaderLink(this);
        else this.link = new LocalLink(this, "tab");
      } catch (e) {
        console.warn("[wok-push] cannot use " + mode + ":", e);
        return this._start(mode === "worker" && !this.triedModes.has("leader") ? "leader" : "tab");
      }
      if (!(this.link instanceof LeaderLink && this.link.hub)) this.link.send(this.helloMessage());
      this._emitStatus();
      this.heartbeat = this.scope.setInterval(() => this.link && this.link.send({ t: "beat" }), this.config.heartbeatMs);
    }

    linkFailed(link, error) {
      if (link !== this.link) return;
      console.warn("[wok-push] " + link.mode + " failed; falling back:", error && (error.message || error));
      link.close();
      this.scope.clearInterval(this.heartbeat);
      this.link = null;
      this._start(link.mode === "shared-worker" ? pickLinkMode(Object.assign({}, this.config, { shared: "leader" }), this.scope) : "tab");
    }

    _watchPage() {
      const w = this.scope;
      if (typeof w.addEventListener !== "function") return;
      const leave = () => {
        if (!this.link) return;
        this.link.send({ t: "bye" });
        this.link.close();
        this.link = null;
        w.clearInterval(this.heartbeat);
      };
      const back = () => {
        if (this.link) return;
        this._start();
        this._gapAll("suspended");
      };
      w.addEventListener("pagehide", leave);
      w.addEventListener("pageshow", (e) => { if (e.persisted) back(); });
      if (w.document) {
        w.document.addEventListener("freeze", leave);
        w.document.addEventListener("resume", back);
      }
    }

    helloMessage() {
      const subs = [];
      for (const [id, s] of this.subs) {
        const entry = { id, filters: s.filters };
        // The tab's cursor holds for each of its subscriptions; one subscribed later than the
        // others stands further (its own lastId), and the next hub must know (a leader handoff).
        let since = this.cursor;
        let epoch = this.epoch;
        if (s.lastId !== null && (since === null || s.epoch === epoch)) {
          since = since === null ? s.lastId : Math.max(since, s.lastId);
          epoch = s.epoch;
        }
        if (since !== null) { entry.since = since; entry.epoch = epoch; }
        subs.push(entry);
      }
      return { t: "hello", config: this._hubConfig(), subs };
    }

    _hubConfig() {
      const c = {};
      for (const key of Object.keys(DEFAULTS)) c[key] = this.config[key];
      return c;
    }

    resendHello() {
      if (this.link) this.link.send(this.helloMessage());
    }

    modeChanged() { this._emitStatus(); }

    subscribe(topics, callback, options) {
      if (typeof callback !== "function") throw new TypeError("WokPush.subscribe: the callback must be a function");
      const filters = normalizeFilters(topics);
      const id = this.nextSub++;
      const opts = options || {};
      // lastId/epoch: the subscription's position (the last id delivered to it, or the hub's
      // position when it became ready): ids up to it are dropped and a new hub resumes after it.
      const sub = { filters, callback, onGap: opts.onGap, onReady: opts.onReady, onError: opts.onError,
        lastId: null, epoch: null, ready: false };
      this.subs.set(id, sub);
      if (!this.link) this._start();
      else this.link.send({ t: "sub", id, filters });
      let stopped = false;
      return () => {
        if (stopped) return;
        stopped = true;
        this.subs.delete(id);
        if (this.link) this.link.send({ t: "unsub", id });
      };
    }

    receive(msg) {
      if (!msg || typeof msg !== "object") return;
      switch (msg.t) {
        case "note": this._deliver(msg.subs, msg.n); break;
        case "ready":
          msg.subs.forEach((id, i) => {
            const s = this.subs.get(id);
            if (!s) return;
            // What precedes the position the hub reports is not this subscription's: count it as seen.
            const from = msg.from ? msg.from[i] : null;
            if (typeof from === "number" && msg.epoch != null) {
              if (s.epoch !== msg.epoch || s.lastId === null) { s.epoch = msg.epoch; s.lastId = from; }
              else s.lastId = Math.max(s.lastId, from);
            }
            if (!s.ready) { s.ready = true; this._call(s.onReady, s, []); }
          });
          break;
        case "gap":
          for (const id of msg.subs) {
            const s = this.subs.get(id);
            if (s) this._call(s.onGap, s, [{ reason: msg.reason }]);
          }
          break;
        case "error":
          for (const id of msg.subs) {
            const s = this.subs.get(id);
            if (!s) continue;
            if (s.onError) this._call(s.onError, s, [msg.error]);
            else console.warn("[wok-push] subscription refused:", msg.error);
          }
          break;
        case "status": this.hubStatus = msg.status || this.hubStatus; this._emitStatus(); break;
        case "reset":
          // The hub forgot this tab (it was silent too long): register again; anything missed meanwhile is a gap.
          this.resendHello();
          this._gapAll("forgotten");
          break;
        case "log": console.debug("[wok-push worker]", ...(msg.args || [])); break;
        default: break;
      }
    }

    _gapAll(reason) {
      for (const s of this.subs.values()) this._call(s.onGap, s, [{ reason }]);
    }

    _deliver(subIds, n) {
      if (!n || typeof n.id !== "number") return;
      if (this.epoch === n.epoch) this.cursor = Math.max(this.cursor || 0, n.id);
      else { this.epoch = n.epoch; this.cursor = n.id; }
      for (const id of subIds) {
        const s = this.subs.get(id);
        if (!s) continue;
        if (s.epoch === n.epoch && s.lastId !== null && n.id <= s.lastId) continue; // seen already
        s.epoch = n.epoch;
        s.lastId = n.id;
        this._call(s.callback, s, [n]);
      }
    }

    _call(fn, sub, args) {
      if (typeof fn !== "function") return;
      try { fn.apply(null, args); } catch (e) {
        console.error("[wok-push] a subscriber callback threw:", e);
      }
    }

    status() {
      return {
        state: this.hubStatus.state,
        transport: this.hubStatus.transport,
        mode: this.link ? this.link.mode : null,
        error: this.hubStatus.error || null
      };
    }

    onStatus(fn) {
      this.listeners.add(fn);
      return () => this.listeners.delete(fn);
    }

    _emitStatus() {
      const s = this.status();
      const key = JSON.stringify(s);
      if (key === this.lastStatusKey) return;
      this.lastStatusKey = key;
      for (const fn of this.listeners) {
        try { fn(s); } catch (e) { console.error("[wok-push] a status listener threw:", e); }
      }
      if (typeof this.scope.dispatchEvent === "function" && typeof this.scope.CustomEvent === "function") {
        this.scope.dispatchEvent(new this.scope.CustomEvent("wokpush:status", { detail: s }));
      }
    }
  }

  const scriptSrc = scriptBase();

  // ---------------------------------------------------------------------------------------
  // 8. Public API
  // ---------------------------------------------------------------------------------------

  const internal = {
    DEFAULTS, filterProblem, matchFilter, normalizeFilters, SubscriptionTable, Hub, backoffDelay,
    httpBaseFor, LongPollTransport, WebSocketTransport, browserEnv, startSharedWorker, pickLinkMode,
    TabClient
  };

  const isPage = !!(global.document && typeof global.window === "object");
  let client = null;
  function tab() {
    if (!isPage) throw new Error("WokPush.subscribe runs in a page");
    if (!client) client = new TabClient(global);
    return client;
  }

  const api = {
    version: VERSION,
    /**
     * Subscribes to topic filters. `callback(notification)` gets each matching notification
     * once, in id order. Options: onGap({reason}) when notifications were missed and cannot be
     * replayed (reload your state), onReady() once the router holds the filters, onError(error)
     * when the router refuses a filter. Returns a function that ends the subscription.
     */
    subscribe(topics, callback, options) { return tab().subscribe(topics, callback, options); },
    /** Sets {url, httpUrl, token, transport, shared, workerUrl, ...} before the first subscribe. */
    configure(options) { tab().configure(options); return api; },
    /** {state: "idle"|"connecting"|"connected"|"reconnecting"|"fallback", transport, mode, error}. */
    get status() { return client ? client.status() : { state: "idle", transport: null, mode: null, error: null }; },
    /** Calls `fn(status)` on each change; returns a function that stops it. Also fires window "wokpush:status". */
    onStatus(fn) { return tab().onStatus(fn); },
    /** Matches a topic against a filter as the router does. */
    matches(filter, topic) { return matchFilter(filter, topic); },
    /** The URLs in use, once resolved: {url, httpUrl, workerUrl}. */
    get endpoints() {
      if (!client) return null;
      if (!client.started) client._resolveConfig();
      return { url: client.config.url, httpUrl: client.config.httpUrl, workerUrl: client.config.workerUrl };
    },
    _setScriptBase(url) { if (isPage) tab().config._scriptBase = url; },
    _internal: internal
  };
  return api;
});
