"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { _internal: { matchFilter, filterProblem, normalizeFilters, backoffDelay, httpBaseFor } } =
  require("../../../Public/wok-push.js");

test("exact filters match only the same topic", () => {
  assert.equal(matchFilter("wok.userlog", "wok.userlog"), true);
  assert.equal(matchFilter("wok.userlog", "wok.userlogs"), false);
  assert.equal(matchFilter("wok.userlog", "wok.userlog.x"), false);
  assert.equal(matchFilter("wok.userlog.x", "wok.userlog"), false);
});

test("star matches exactly one segment", () => {
  assert.equal(matchFilter("kimchi.*", "kimchi.vms"), true);
  assert.equal(matchFilter("kimchi.*", "kimchi.vms.state"), false);
  assert.equal(matchFilter("kimchi.*", "kimchi"), false);
  assert.equal(matchFilter("*.vms.state", "kimchi.vms.state"), true);
  assert.equal(matchFilter("kimchi.*.state", "kimchi.vms.state"), true);
  assert.equal(matchFilter("kimchi.*.state", "kimchi.vms.status"), false);
});

test("a final > matches one or more trailing segments", () => {
  assert.equal(matchFilter("kimchi.>", "kimchi.vms"), true);
  assert.equal(matchFilter("kimchi.>", "kimchi.vms.state"), true);
  assert.equal(matchFilter("kimchi.>", "kimchi"), false);
  assert.equal(matchFilter("kimchi.>", "gingerbase.vms"), false);
  assert.equal(matchFilter("kimchi.*.>", "kimchi.vms"), false);
  assert.equal(matchFilter("kimchi.*.>", "kimchi.vms.state.x"), true);
});

test("nothing else is a wildcard", () => {
  assert.equal(matchFilter("kimchi.v*", "kimchi.vms"), false);
  assert.equal(matchFilter("kimchi.v>", "kimchi.vms"), false);
});

test("bad filters are refused with a reason", () => {
  assert.equal(filterProblem("wok.userlog"), null);
  assert.equal(filterProblem("kimchi.*.>"), null);
  assert.match(filterProblem(""), /non-empty/);
  assert.match(filterProblem("Wok.userlog"), /segment "Wok"/);
  assert.match(filterProblem("wok..userlog"), /segment ""/);
  assert.match(filterProblem("kimchi.>.vms"), /last segment/);
  assert.match(filterProblem("a.b.c.d.e.f.g.h.i"), /8 segments/);
  assert.match(filterProblem("a." + "b".repeat(254)), /255 bytes/);
  assert.equal(filterProblem("a." + "b".repeat(253)), null);
  assert.throws(() => normalizeFilters([]), /at least one/);
  assert.throws(() => normalizeFilters(["ok.topic", "Bad"]), /bad filter "Bad"/);
  assert.deepEqual(normalizeFilters("wok.userlog"), ["wok.userlog"]);
  assert.deepEqual(normalizeFilters(["a.b", "a.b", "c.d"]), ["a.b", "c.d"]);
});

// PROTOCOL section 1: a topic has 2 to 8 segments, and so has a filter (the router answers
// invalid_frame to "kimchi" or ">"). The client let one-segment filters through, so a page that
// subscribed ">" or "kimchi" got no TypeError, only a refusal later through onError.
test("a filter of one segment is refused at once, as the router refuses it", () => {
  for (const f of ["kimchi", "*", ">"]) {
    assert.match(filterProblem(f), /2 to 8 segments/, f);
    assert.throws(() => normalizeFilters([f]), /bad filter/, f);
  }
  assert.equal(filterProblem("kimchi.>"), null);
  assert.equal(filterProblem("*.*"), null);
});

test("backoff grows, is capped, and is jittered", () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  assert.equal(backoffDelay(0, 500, 30000, lo), 250);
  assert.equal(backoffDelay(0, 500, 30000, hi), 500);
  assert.equal(backoffDelay(3, 500, 30000, lo), 2000);
  assert.equal(backoffDelay(50, 500, 30000, lo), 15000);
  assert.equal(backoffDelay(50, 500, 30000, hi), 30000);
});

test("the HTTP base follows the push URL", () => {
  assert.equal(httpBaseFor({ url: "ws://127.0.0.1:8090/push" }), "http://127.0.0.1:8090/");
  assert.equal(httpBaseFor({ url: "wss://wok.example/router/push?x=1" }), "https://wok.example/router/");
  assert.equal(httpBaseFor({ url: "ws://h/push", httpUrl: "http://other:1/api" }), "http://other:1/api/");
});
