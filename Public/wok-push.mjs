/*
 * wok-push.mjs: wok-push.js as an ES module.
 *
 *   import WokPush, { subscribe } from "/wok-push.mjs";
 *
 * wok-push.js itself also loads as a module (`import "/wok-push.js"` sets globalThis.WokPush);
 * this file adds the exports and tells the client where it was loaded from, so /push and the
 * worker resolve next to it.
 */
import "./wok-push.js";

const WokPush = globalThis.WokPush;
WokPush._setScriptBase(new URL("./wok-push.js", import.meta.url).href);

export default WokPush;
export const subscribe = (...args) => WokPush.subscribe(...args);
export const configure = (...args) => WokPush.configure(...args);
export const onStatus = (...args) => WokPush.onStatus(...args);
export const matches = (...args) => WokPush.matches(...args);
