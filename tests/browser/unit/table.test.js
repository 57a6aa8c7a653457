"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { _internal: { SubscriptionTable } } = require("../../../Public/wok-push.js");

test("filters are reference-counted across clients", () => {
  const t = new SubscriptionTable();
  assert.deepEqual(t.addSub("a", 1, ["wok.userlog", "wok.tasks"]).added, ["wok.userlog", "wok.tasks"]);
  assert.deepEqual(t.addSub("b", 1, ["wok.userlog"]).added, []);
  assert.equal(t.count("wok.userlog"), 2);
  assert.deepEqual(t.removeSub("a", 1), ["wok.tasks"]);
  assert.deepEqual(t.filters(), ["wok.userlog"]);
  assert.deepEqual(t.removeClient("b"), ["wok.userlog"]);
  assert.deepEqual(t.filters(), []);
});

test("a filter repeated in one subscription counts once", () => {
  const t = new SubscriptionTable();
  t.addSub("a", 1, ["x.y", "x.y"]);
  assert.equal(t.count("x.y"), 1);
  assert.deepEqual(t.removeSub("a", 1), ["x.y"]);
});

test("replacing a subscription reports only the net change", () => {
  const t = new SubscriptionTable();
  t.addSub("a", 1, ["x.y", "x.z"]);
  const change = t.addSub("a", 1, ["x.z", "x.w"]);
  assert.deepEqual(change, { added: ["x.w"], removed: ["x.y"] });
  assert.deepEqual(t.filters().sort(), ["x.w", "x.z"]);
});

test("removing a client releases only what it alone held", () => {
  const t = new SubscriptionTable();
  t.addSub("a", 1, ["wok.userlog"]);
  t.addSub("a", 2, ["kimchi.>"]);
  t.addSub("b", 1, ["wok.userlog", "kimchi.*"]);
  assert.deepEqual(t.removeClient("a").sort(), ["kimchi.>"]);
  assert.deepEqual(t.filters().sort(), ["kimchi.*", "wok.userlog"]);
  assert.deepEqual(t.removeClient("a"), []);
});

test("routing names each matching subscription of each client once", () => {
  const t = new SubscriptionTable();
  t.addSub("a", 1, ["wok.userlog"]);
  t.addSub("a", 2, ["wok.*", "wok.>"]);
  t.addSub("a", 3, ["kimchi.>"]);
  t.addSub("b", 7, ["kimchi.vms.*"]);
  t.addSub("c", 1, ["wok.tasks"]);
  assert.deepEqual(t.route("wok.userlog"), [{ clientId: "a", subIds: [1, 2] }]);
  assert.deepEqual(t.route("kimchi.vms.state"), [{ clientId: "a", subIds: [3] }, { clientId: "b", subIds: [7] }]);
  assert.deepEqual(t.route("wok.tasks"), [{ clientId: "a", subIds: [2] }, { clientId: "c", subIds: [1] }]);
  assert.deepEqual(t.route("gingerbase.x"), []);
});
