"use strict";
// A fake world for the hub: manual clock and timers, transports that record frames.

class FakeTransport {
  constructor(kind, settings, handlers) {
    this.kind = kind;
    this.settings = settings;
    this.handlers = handlers;
    this.sent = [];
    this.closed = false;
  }
  send(frame) { this.sent.push(frame); }
  close(reason, retryWebSocket) {
    if (this.closed) return;
    this.closed = true;
    this.handlers.close({ established: true, reason, retryWebSocket });
  }
  // Test helpers: what the router would do.
  open() { this.handlers.open(); }
  receive(frame) { this.handlers.frame(frame); }
  drop(established = true) { this.closed = true; this.handlers.close({ established, code: 1006 }); }
  frames(type) { return this.sent.filter((f) => f.type === type); }
}

function makeEnv() {
  const env = {
    time: 0,
    timers: new Map(),
    nextTimer: 1,
    transports: [],
    logs: [],
    createTransport(kind, settings, handlers) {
      const t = new FakeTransport(kind, settings, handlers);
      env.transports.push(t);
      return t;
    },
    setTimeout(fn, ms) {
      const id = env.nextTimer++;
      env.timers.set(id, { fn, at: env.time + ms });
      return id;
    },
    clearTimeout(id) { env.timers.delete(id); },
    now: () => env.time,
    random: () => 0.5,
    log: (...args) => env.logs.push(args),
    /** Moves the clock, running due timers in order. */
    advance(ms) {
      const end = env.time + ms;
      for (;;) {
        let next = null;
        for (const [id, t] of env.timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
        if (!next) break;
        env.timers.delete(next[0]);
        env.time = next[1].at;
        next[1].fn();
      }
      env.time = end;
    },
    get last() { return env.transports[env.transports.length - 1]; }
  };
  return env;
}

/** A client of the hub that records what the hub posts to it. */
function makeClient(hub, id) {
  const c = {
    id,
    inbox: [],
    post: (m) => c.inbox.push(m),
    send: (m) => hub.handle(id, m, c.post),
    of: (t) => c.inbox.filter((m) => m.t === t)
  };
  return c;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

module.exports = { makeEnv, makeClient, flush, FakeTransport };
