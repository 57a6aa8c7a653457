/*
 * wok-push-worker.js: the SharedWorker that owns this browser's one WebSocket to wok-router.
 * Tabs reach it through wok-push.js (new SharedWorker(".../wok-push-worker.js")); all the logic
 * lives in wok-push.js, loaded here from the same folder.
 */
importScripts("wok-push.js");
self.WokPush._internal.startSharedWorker(self);
