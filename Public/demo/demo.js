/*
 * Shared code of the demo pages: settings from the query string, the connection status pill,
 * and HTTP helpers against the router's API.
 *
 * Query parameters (for trying fallbacks by hand and for the browser tests):
 *   transport=auto|websocket|longpoll   shared=auto|worker|leader|tab   url=ws://host:port/push
 *   http=http://host:port/   token=JWT   worker=URL   debug=1   heartbeat=MS   timeout=MS   reconnect=MS
 */
(function () {
  "use strict";
  const params = new URLSearchParams(location.search);
  const settings = {};
  if (params.get("transport")) settings.transport = params.get("transport");
  if (params.get("shared")) settings.shared = params.get("shared");
  if (params.get("url")) settings.url = params.get("url");
  if (params.get("http")) settings.httpUrl = params.get("http");
  if (params.get("token")) settings.token = params.get("token");
  if (params.get("worker")) settings.workerUrl = params.get("worker");
  if (params.get("debug")) settings.debug = true;
  if (params.get("heartbeat")) settings.heartbeatMs = Number(params.get("heartbeat"));
  if (params.get("timeout")) settings.clientTimeoutMs = Number(params.get("timeout"));
  if (params.get("reconnect")) settings.reconnectMaxMs = Number(params.get("reconnect"));
  WokPush.configure(settings);

  const LABELS = {
    idle: "Idle",
    connecting: "Connecting…",
    connected: "Live",
    reconnecting: "Reconnecting…",
    fallback: "Live (long-polling)"
  };
  const MODES = {
    "shared-worker": "one socket shared by all tabs (SharedWorker)",
    leader: "this tab holds the socket for the others (Web Locks)",
    follower: "another tab holds the socket (Web Locks)",
    tab: "this tab has its own connection"
  };

  /** Shows WokPush's status in `element` and keeps it current. */
  function showStatus(element, errorBox) {
    const render = (s) => {
      element.dataset.state = s.error ? "refused" : s.state;
      element.textContent = s.error ? "Refused" : LABELS[s.state] || s.state;
      element.title = s.error || [s.transport, MODES[s.mode]].filter(Boolean).join(": ");
      if (errorBox && s.error) {
        errorBox.hidden = false;
        errorBox.textContent = "No live updates: " + s.error + ". Check the token this page was given.";
      }
    };
    render(WokPush.status);
    WokPush.onStatus(render);
  }

  /** GET a path of the router's HTTP API as JSON; throws with the router's error text. */
  async function api(path) {
    const endpoints = WokPush.endpoints;
    const headers = {};
    if (settings.token) headers.Authorization = "Bearer " + settings.token;
    const response = await fetch(new URL(path, endpoints.httpUrl), { headers, cache: "no-store" });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const why = body && (body.message || body.error);
      throw new Error(`${path}: HTTP ${response.status}${why ? " " + why : ""}`);
    }
    return body;
  }

  /**
   * The most recent `count` notifications of `topic`, oldest first. GET /notifications pages
   * forward from `since`, so this looks back from the head in growing windows.
   */
  async function recent(topic, count) {
    const first = await api(`notifications?topics=${encodeURIComponent(topic)}&limit=1`);
    const head = first.head || 0;
    let windowSize = Math.max(count * 4, 64);
    for (;;) {
      let since = Math.max(0, head - windowSize);
      const start = since;
      const found = [];
      for (;;) {
        const page = await api(`notifications?topics=${encodeURIComponent(topic)}&since=${since}&limit=1000`);
        const list = page.notifications || [];
        for (const n of list) if (n.id <= head) found.push(n);
        // The router may cap the page below the limit asked: only an empty page or the head ends it.
        if (list.length === 0 || list[list.length - 1].id >= head) break;
        since = list[list.length - 1].id;
      }
      if (found.length >= count || start === 0) return { epoch: first.epoch, head, notifications: found.slice(-count) };
      windowSize *= 8;
    }
  }

  function text(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  window.WokDemo = { settings, showStatus, api, recent, text };
})();
