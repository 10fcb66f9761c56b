// chatemu dashboard (docs/dashboard.md): plain JavaScript over the control
// plane's JSON routes and its live journal (GET /_emulator/events).
// Everything from the instance is written with textContent, never as HTML.
"use strict";

const TOKEN_KEY = "chatemu.adminToken";
const MAX_ROWS = 1000; // journal entries the page keeps
const STATE_ROWS = 200; // rows a state section shows before "more"

const $ = (sel, root = document) => root.querySelector(sel);

// el builds an element: el("td", {class: "x"}, "text", child...).
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "onclick" || k === "onkeydown") e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

function pretty(v) {
  if (typeof v === "string") {
    try { return JSON.stringify(JSON.parse(v), null, 2); } catch { return v; }
  }
  return JSON.stringify(v, null, 2);
}

// kv lists an object's fields, or [name, value] pairs, as a definition list.
function kv(obj) {
  const dl = el("dl", { class: "kv" });
  for (const [k, v] of Array.isArray(obj) ? obj : Object.entries(obj || {})) {
    if (v === undefined || v === "" || v === null) continue;
    dl.append(el("dt", {}, k), el("dd", { class: "mono" }, typeof v === "object" ? JSON.stringify(v) : String(v)));
  }
  return dl;
}

// ---------------------------------------------------------------- API

let token = sessionStorage.getItem(TOKEN_KEY) || "";

class Refused extends Error {}

async function api(method, path, body, raw) {
  const headers = {};
  if (token) headers.Authorization = "Bearer " + token;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = raw ? body : JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  if (resp.status === 401) {
    showLogin(token ? "The admin token was refused: enter the token this instance was started with." : "");
    throw new Refused("admin token refused");
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: resp.status, ok: resp.ok, data, text };
}

function errorText(r) {
  if (r.data && r.data.error) return `${r.status}: ${r.data.error}`;
  if (r.data && r.data.error_description) return `${r.status}: ${r.data.error} ${r.data.error_description}`;
  return `${r.status}: ${typeof r.data === "string" ? r.data : JSON.stringify(r.data)}`;
}

// ---------------------------------------------------------------- login

function showLogin(message) {
  stopLive();
  $("#app").hidden = true;
  $("#logout").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message || "";
  $("#token").focus();
}

async function boot() {
  let r;
  try {
    r = await api("GET", "/_emulator/clock");
  } catch (e) {
    if (!(e instanceof Refused)) showLogin("chatemu does not answer: " + e.message);
    return;
  }
  if (!r.ok) { showLogin(errorText(r)); return; }
  $("#login").hidden = true;
  $("#app").hidden = false;
  $("#logout").hidden = !token;
  showClock(r.data);
  startJournal();
  loadScenarios();
}

$("#login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token = $("#token").value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#token").value = "";
  $("#login-error").textContent = "";
  boot();
});

$("#logout").addEventListener("click", () => {
  token = "";
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin("");
});

// ---------------------------------------------------------------- tabs

const tabs = [...document.querySelectorAll("[role=tab]")];
function selectTab(tab, focus) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", on);
    t.tabIndex = on ? 0 : -1;
    $("#" + t.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  if (tab.id === "tab-state" && !stateCache) loadState();
  if (tab.id === "tab-scenarios") loadScenarios();
  if (tab.id === "tab-instance") refreshClock();
}
tabs.forEach((t, i) => {
  t.addEventListener("click", () => selectTab(t));
  t.addEventListener("keydown", (ev) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[ev.key];
    if (step) { ev.preventDefault(); selectTab(tabs[(i + step + tabs.length) % tabs.length], true); }
    if (ev.key === "Home") { ev.preventDefault(); selectTab(tabs[0], true); }
    if (ev.key === "End") { ev.preventDefault(); selectTab(tabs[tabs.length - 1], true); }
  });
});
const visible = (id) => !$("#" + id).hidden;

// ---------------------------------------------------------------- journal

let entries = []; // newest last
let paused = false;
let live = null;
let selected = null;
let scenarioRefresh = null;

function fromRequest(x) {
  const failed = x.status >= 400 || !!x.error;
  return { kind: "request", key: "r" + x.seq, seq: x.seq, time: x.time, vendor: x.vendor,
    op: x.operation || "(no operation)", tenant: x.tenant || "", status: x.status,
    statusText: String(x.status) + (x.error && x.error !== String(x.status) ? " " + x.error : ""), failed, fault: x.fault || "", raw: x };
}
function fromDelivery(d) {
  const failed = d.outcome !== "delivered";
  return { kind: "delivery", key: "d" + d.seq, seq: d.seq, time: d.at, vendor: d.vendor, op: d.event,
    tenant: d.tenant || "", status: d.status, statusText: d.outcome + (d.status ? " " + d.status : ""),
    failed, fault: d.fault || "", raw: d };
}
// actTenant names an act's tenant from its path, as the vendors name theirs.
const actTenants = { "imbachat/widgets": "widget:", "bitrix24/portals": "portal:", imbox: "account:" };
function actTenant(path) {
  const m = /^\/_emulator\/(imbachat\/widgets|bitrix24\/portals|imbox)\/([^/]+)/.exec(path || "");
  if (!m) return "";
  try { return actTenants[m[1]] + decodeURIComponent(m[2]); } catch { return actTenants[m[1]] + m[2]; }
}
function fromAct(a) {
  return { kind: "act", key: "a" + a.seq, seq: a.seq, time: a.time, vendor: a.vendor, op: a.action,
    tenant: actTenant(a.path), status: a.status, statusText: String(a.status), failed: a.status >= 400, fault: "", raw: a };
}

function filters() {
  return { kind: $("#f-kind").value, vendor: $("#f-vendor").value, op: $("#f-operation").value.trim().toLowerCase(),
    tenant: $("#f-tenant").value.trim().toLowerCase(), status: $("#f-status").value, fault: $("#f-fault").value };
}
function passes(e, f) {
  if (e.kind === "missed") return !f.kind && !f.vendor && !f.op && !f.tenant && !f.status && !f.fault;
  if (f.kind && e.kind !== f.kind) return false;
  if (f.vendor && e.vendor !== f.vendor) return false;
  if (f.op && !e.op.toLowerCase().includes(f.op)) return false;
  if (f.tenant && !e.tenant.toLowerCase().includes(f.tenant)) return false;
  if (f.status === "ok" && e.failed) return false;
  if (f.status === "failed" && !e.failed) return false;
  if (/^[0-9]$/.test(f.status) && String(e.status)[0] !== f.status) return false;
  if (f.fault === "yes" && !e.fault) return false;
  if (f.fault === "no" && e.fault) return false;
  return true;
}

function timeText(t) {
  if (!t) return "";
  const d = new Date(t);
  return isNaN(d) ? String(t) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

// breakable lets a long operation name wrap after its dots only.
function breakable(name) {
  return String(name).split(/(?<=\.)/).flatMap((part, i) => i ? [el("wbr"), part] : [part]);
}

function row(e) {
  if (e.kind === "missed") {
    return el("tr", { class: "marker" }, el("td", { colspan: 7 }, e.text));
  }
  const tr = el("tr", { tabindex: 0, "aria-selected": selected === e.key, dataset: { key: e.key, kind: e.kind, vendor: e.vendor, op: e.op } },
    // The time of day; the date is in the title and the detail.
    el("td", { class: "mono", title: timeText(e.time) }, el("time", { datetime: e.time }, timeText(e.time).slice(11) || timeText(e.time))),
    el("td", { class: "kind" }, e.kind),
    el("td", {}, e.vendor),
    el("td", { class: "mono op" }, breakable(e.op)),
    el("td", { class: "mono" }, e.tenant),
    el("td", { class: e.failed ? "status-bad" : "status-good" }, e.statusText),
    el("td", e.fault ? { class: "fault" } : {}, e.fault));
  const open = () => showEntry(e);
  tr.addEventListener("click", open);
  tr.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); }
    if (ev.key === "ArrowDown" && tr.nextElementSibling) { ev.preventDefault(); tr.nextElementSibling.focus(); }
    if (ev.key === "ArrowUp" && tr.previousElementSibling) { ev.preventDefault(); tr.previousElementSibling.focus(); }
  });
  return tr;
}

function renderJournal() {
  const f = filters();
  const body = $("#journal-body");
  const rows = [];
  for (let i = entries.length - 1; i >= 0 && rows.length < 500; i--) {
    if (passes(entries[i], f)) rows.push(row(entries[i]));
  }
  body.replaceChildren(...rows);
}

function add(e) {
  entries.push(e);
  if (entries.length > MAX_ROWS) entries.splice(0, entries.length - MAX_ROWS);
  if (e.kind === "request" && e.vendor === "bitrix24" && dialogView && visible("panel-act")) rereadDialog();
  if (paused) return;
  if (passes(e, filters())) {
    const body = $("#journal-body");
    body.prepend(row(e));
    while (body.children.length > 500) body.lastElementChild.remove();
  }
  if (e.kind === "request" && visible("panel-scenarios")) {
    clearTimeout(scenarioRefresh);
    scenarioRefresh = setTimeout(loadScenarios, 150);
  }
}

for (const id of ["f-kind", "f-vendor", "f-status", "f-fault"]) $("#" + id).addEventListener("change", renderJournal);
for (const id of ["f-operation", "f-tenant"]) $("#" + id).addEventListener("input", renderJournal);
$("#journal-filters").addEventListener("submit", (ev) => ev.preventDefault());
$("#journal-pause").addEventListener("click", (ev) => {
  paused = !paused;
  ev.target.setAttribute("aria-pressed", paused);
  ev.target.textContent = paused ? "Resume" : "Pause";
  $("#journal-note").textContent = paused ? "Paused: new entries are kept but not shown until you resume." : "";
  if (!paused) renderJournal();
});
$("#journal-clear").addEventListener("click", () => { entries = []; renderJournal(); });

function stopLive() {
  if (live) { live.close(); live = null; }
  setLive("not connected");
}
function setLive(text) { $("#live-status").textContent = text; }

async function startJournal() {
  stopLive();
  entries = [];
  let rs, ds;
  try {
    [rs, ds] = await Promise.all([api("GET", "/_emulator/requests?limit=200"), api("GET", "/_emulator/deliveries?limit=200")]);
  } catch { return; }
  if (!rs.ok || !ds.ok) { setLive("journal unavailable: " + errorText(rs.ok ? ds : rs)); return; }
  const all = [...rs.data.requests.map(fromRequest), ...ds.data.deliveries.map(fromDelivery)];
  all.sort((a, b) => new Date(a.time) - new Date(b.time));
  entries = all;
  renderJournal();
  let url = `/_emulator/events?since=${rs.data.last_seq}&dsince=${ds.data.last_seq}`;
  if (token) url += "&token=" + encodeURIComponent(token);
  live = new EventSource(url);
  live.addEventListener("open", () => setLive("live"));
  live.addEventListener("error", () => setLive(live && live.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…"));
  live.addEventListener("request", (m) => add(fromRequest(JSON.parse(m.data))));
  live.addEventListener("delivery", (m) => add(fromDelivery(JSON.parse(m.data))));
  live.addEventListener("act", (m) => add(fromAct(JSON.parse(m.data))));
  live.addEventListener("missed", (m) => {
    const n = JSON.parse(m.data);
    const parts = [];
    if (n.requests) parts.push(`${n.requests} requests`);
    if (n.deliveries) parts.push(`${n.deliveries} deliveries`);
    if (n.acts) parts.push(`${n.acts} acts`);
    add({ kind: "missed", key: "m" + Math.random(), text: `… missed ${parts.join(", ")} (the live journal shows at most a few hundred a second; GET /_emulator/requests has all the journal keeps)` });
  });
}

// ------------------------------------------------- entry detail and curl

const shq = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";

// phpForm encodes a decoded parameter tree back as PHP-style form fields.
function phpForm(params, prefix, out = []) {
  for (const [k, v] of Object.entries(params || {})) {
    const name = prefix ? `${prefix}[${k}]` : k;
    if (v !== null && typeof v === "object") phpForm(v, name, out);
    else out.push(encodeURIComponent(name).replace(/%5B/g, "[").replace(/%5D/g, "]") + "=" + encodeURIComponent(v === null ? "" : v));
  }
  return out;
}

const skipHeaders = new Set(["content-length", "connection", "accept-encoding", "host", "user-agent"]);

function curlFor(e) {
  const x = e.raw;
  if (e.kind === "delivery") {
    const parts = ["curl", "-X", x.method || "POST", shq(x.url)];
    if (x.content_type) parts.push("-H", shq("Content-Type: " + x.content_type));
    for (const [k, v] of Object.entries(x.headers || {})) {
      if (!skipHeaders.has(k.toLowerCase()) && k.toLowerCase() !== "content-type") parts.push("-H", shq(`${k}: ${v}`));
    }
    if (x.body) parts.push("--data-binary", shq(x.body));
    return parts.join(" ");
  }
  if (e.kind === "act") {
    const parts = ["curl", "-X", x.method, shq(location.origin + x.path)];
    if (token) parts.push("-H", '"Authorization: Bearer $CHATEMU_ADMIN_TOKEN"');
    if (x.body) parts.push("-H", shq("Content-Type: application/json"), "--data-binary", shq(x.body));
    return parts.join(" ");
  }
  const d = x.detail || {};
  const query = d.query ? "?" + d.query : "";
  const parts = ["curl", "-X", x.method, shq(location.origin + x.path + query)];
  for (const [k, v] of Object.entries(d.request_headers || {})) {
    if (!skipHeaders.has(k.toLowerCase())) parts.push("-H", shq(`${k}: ${v}`));
  }
  if (d.request_body) {
    parts.push("--data-binary", shq(d.request_body));
  } else if (!x.detail && x.params && x.method !== "GET") {
    parts.push("--data", shq(phpForm(x.params).join("&")));
  } else if (!x.detail && x.params && x.method === "GET" && !query) {
    parts[3] = shq(location.origin + x.path + "?" + phpForm(x.params).join("&"));
  }
  return parts.join(" ");
}

function section(title, ...kids) { return [el("h3", {}, title), ...kids]; }

function showEntry(e) {
  selected = e.key;
  for (const tr of document.querySelectorAll("#journal-body tr")) tr.setAttribute("aria-selected", tr.dataset.key === e.key);
  const x = e.raw;
  const box = $("#detail");
  const parts = [el("h2", {}, `${e.kind} ${e.vendor} ${e.op}`)];
  if (e.kind === "request") {
    const d = x.detail;
    parts.push(kv({ seq: x.seq, time: timeText(x.time), method: x.method, path: x.path, query: d && d.query, tenant: x.tenant, duration: (x.duration_ns / 1e6).toFixed(2) + " ms" }));
    if (x.fault) parts.push(...section("Rule that fired", el("p", { class: "fault", id: "detail-fault" }, x.fault)));
    if (x.note) parts.push(el("p", { class: "note" }, x.note));
    if (d) parts.push(...section("Request headers", kv(d.request_headers)));
    parts.push(...section("Decoded parameters", el("pre", {}, pretty(x.params || {}))));
    if (d && d.request_body) parts.push(...section(`Request body (${d.request_body_bytes} bytes)`, el("pre", {}, d.request_body)));
    parts.push(...section("Answer", kv({ status: x.status, error: x.error })));
    if (d) {
      parts.push(...section("Answer headers", kv(d.response_headers)));
      parts.push(...section(`Answer body (${d.response_body_bytes} bytes)`, el("pre", { id: "detail-answer" }, pretty(d.response_body))));
    } else {
      parts.push(el("p", { class: "note" }, "Made before the page was open: headers and bodies are kept only while a dashboard watches."));
    }
  } else if (e.kind === "delivery") {
    parts.push(kv({ seq: x.seq, at: timeText(x.at), method: x.method, url: x.url, tenant: x.tenant, outcome: x.outcome, status: x.status, error: x.error, duration: x.duration_ms + " ms" }));
    if (x.fault) parts.push(...section("Rule that acted", el("p", { class: "fault" }, x.fault)));
    parts.push(...section("Headers", kv(Object.assign({ "Content-Type": x.content_type }, x.headers))));
    if (/x-www-form-urlencoded/i.test(x.content_type || "") && x.body) {
      parts.push(...section("Decoded form", kv([...new URLSearchParams(x.body)])));
    }
    parts.push(...section(`Body (${x.body_bytes} bytes)`, el("pre", { id: "detail-body" }, pretty(x.body))));
    if (x.response) parts.push(...section("Handler's answer", el("pre", {}, pretty(x.response))));
  } else {
    parts.push(kv({ seq: x.seq, time: timeText(x.time), method: x.method, path: x.path, status: x.status }));
    parts.push(...section("Body", el("pre", {}, pretty(x.body || ""))));
    parts.push(...section("Answer", el("pre", {}, pretty(x.answer || ""))));
  }
  const curl = curlFor(e);
  const copied = el("span", { role: "status", class: "note" });
  parts.push(...section("As curl", el("pre", { id: "curl" }, curl),
    el("button", { type: "button", id: "copy-curl", onclick: async () => {
      try { await navigator.clipboard.writeText(curl); copied.textContent = " copied"; } catch {
        const r = document.createRange(); r.selectNodeContents($("#curl"));
        getSelection().removeAllRanges(); getSelection().addRange(r);
        copied.textContent = " selected: press Ctrl+C to copy";
      }
    } }, "Copy as curl"), copied));
  box.replaceChildren(...parts);
}

// ---------------------------------------------------------------- state

let stateCache = null; // {vendor, docs: [{key, kind, tenant, id, doc}], byKind}
let stateTenant = null;

// parse names a stored document: its kind, tenant and id (docs/dashboard.md).
function parse(vendor, key, doc) {
  const p = key.split(":");
  if (vendor === "bitrix24") {
    const usage = p[1] === "operating" && doc && Array.isArray(doc.buckets);
    if (["portal", "portals", "token", "refresh", "bucket"].includes(p[1]) || usage) {
      return { kind: p[1], tenant: p[1] === "portal" || p[1] === "bucket" ? p[2] : (doc && doc.portal) || "", id: p.slice(2).join(":") };
    }
    // A private dialog is a chat of type private: shown as a kind of its own.
    const kind = p[2] === "chat" && doc && doc.type === "private" ? "dialog" : p[2];
    return { kind, tenant: p[1], id: doc && doc.id !== undefined ? String(doc.id) : p.slice(3).join(":") };
  }
  const tenant = vendor === "imbachat" ? doc && doc.imba_id : doc && doc.sid;
  return { kind: p[1], tenant: tenant === undefined ? "" : String(tenant), id: String(Number(p[2]) || p.slice(2).join(":")) };
}

const views = {
  imbachat: {
    tenantLabel: (t) => `widget ${t}`,
    order: ["widget", "room", "user", "message"],
    columns: { widget: ["imba_id", "name"], room: ["id", "name", "type", "pipe", "members"], user: ["id", "remote_user_id", "name", "status"], message: ["id", "room_id", "user_id", "message", "time"] },
    titles: { widget: "Widget", room: "Rooms", user: "Users", message: "Messages" },
    links(item, find) {
      const d = item.doc;
      if (item.kind === "room") return [
        ["Members", (d.members || []).map((id) => find("user", id)).filter(Boolean)],
        ["Messages", find.all("message", (m) => m.room_id === d.id)]];
      if (item.kind === "user") return [
        ["Rooms", find.all("room", (r) => (r.members || []).includes(d.id))],
        ["Messages", find.all("message", (m) => m.user_id === d.id)]];
      if (item.kind === "message") return [["Room", [find("room", d.room_id)].filter(Boolean)], ["Author", [find("user", d.user_id)].filter(Boolean)]];
      return [];
    },
    act(item) {
      if (item.kind === "room") return () => fillAct("act-imbachat", { widget: item.doc.imba_id, room: item.doc.id });
    },
  },
  bitrix24: {
    tenantLabel: (t) => `portal ${t}`,
    order: ["portal", "bot", "command", "dialog", "chat", "user", "line", "session", "message", "chatuser"],
    columns: { portal: ["name", "domain"], chat: ["id", "type", "title", "entity_type", "message_count"], user: ["id", "name", "last_name", "active"],
      bot: ["id", "code", "name", "type", "openline", "client_id", "handlers"], command: ["id", "bot_id", "command", "common", "hidden", "handler"],
      dialog: ["id", "pair", "message_count", "last_message_id", "created_at"],
      line: ["id", "code", "name", "active", "bot_id"], session: ["id", "chat_id", "line_id", "client_id", "status", "operator_id"],
      message: ["id", "kind", "chat_id", "to_user_id", "author_id", "text", "keyboard"], chatuser: ["chat_id", "user_id", "order"] },
    cells: {
      bot: { handlers: (d) => handlerURLs(d).join(" ") || "none", openline: (d) => d.openline ? "Y" : "N" },
      command: { handler: (d) => (d.handler && d.handler.url) || "", common: (d) => d.common ? "Y" : "N", hidden: (d) => d.hidden ? "Y" : "N" },
      dialog: { pair: (d) => (d.pair || []).join(" ↔ ") },
      message: { keyboard: (d) => Array.isArray(d.keyboard) ? `${d.keyboard.filter((b) => b && b.TYPE !== "NEWLINE").length} buttons` : "" },
    },
    titles: { portal: "Portal", bot: "Bots and their handlers", command: "Bot commands", dialog: "Private dialogs", chat: "Chats", user: "Users", line: "Open lines",
      session: "Open-line sessions", message: "Messages (chats and dialogs)", chatuser: "Chat members" },
    links(item, find) {
      const d = item.doc;
      const person = (id) => find("user", id) || find("bot", id);
      const room = (id) => find("chat", id) || find("dialog", id);
      const one = (x) => [x].filter(Boolean);
      if (item.kind === "chat") return [
        ["Members", find.all("chatuser", (m) => m.chat_id === d.id).map((m) => person(m.user_id)).filter(Boolean)],
        ["Messages", find.all("message", (m) => m.chat_id === d.id)],
        ["Session", find.all("session", (s) => s.chat_id === d.id)]];
      if (item.kind === "dialog") return [
        ["Between", (d.pair || []).map(person).filter(Boolean)],
        ["Messages", find.all("message", (m) => m.chat_id === d.id)]];
      if (item.kind === "user" || item.kind === "bot") {
        const links = [
          ["Chats", find.all("chatuser", (m) => m.user_id === d.id).map((m) => find("chat", m.chat_id)).filter(Boolean)],
          ["Private dialogs", find.all("dialog", (c) => (c.pair || []).includes(d.id))],
          ["Messages written", find.all("message", (m) => m.author_id === d.id)]];
        if (item.kind === "bot") links.splice(0, 0, ["Commands", find.all("command", (c) => c.bot_id === d.id)],
          ["Open lines", find.all("line", (l) => l.bot_id === d.id)]);
        else links.push(["Open-channel messages received", find.all("message", (m) => m.kind === "network" && m.to_user_id === d.id)]);
        return links;
      }
      if (item.kind === "command") return [["Bot", one(find("bot", d.bot_id))]];
      if (item.kind === "session") return [["Chat", one(find("chat", d.chat_id))], ["Line", one(find("line", d.line_id))], ["Client", one(person(d.client_id))]];
      if (item.kind === "line") return [["Bot", one(find("bot", d.bot_id))], ["Sessions", find.all("session", (s) => s.line_id === d.id)], ["Queue", (d.queue || []).map(person).filter(Boolean)]];
      if (item.kind === "message") return [[find("dialog", d.chat_id) ? "Dialog" : "Chat", one(room(d.chat_id))], ["Author", one(person(d.author_id))], ["To", one(d.to_user_id ? person(d.to_user_id) : null)]];
      if (item.kind === "chatuser") return [["Chat", one(find("chat", d.chat_id))], ["Member", one(person(d.user_id))]];
      return [];
    },
    details(item) {
      const d = item.doc;
      if (item.kind === "bot") {
        const hs = Object.entries(d.handlers || {});
        return section("Event handlers", hs.length
          ? kv(Object.fromEntries(hs.map(([ev, h]) => [ev, `${h.url} (handler ${h.id})`])))
          : el("p", { class: "note" }, "No handler bound: the bot gets no events (imbot.register with EVENT_HANDLER binds them)."));
      }
      if (item.kind === "command" && d.handler) return section("Handler (ONIMCOMMANDADD)", kv({ url: d.handler.url, id: d.handler.id }));
      return [];
    },
    act(item) {
      const d = item.doc;
      if (item.kind === "chat") return () => fillAct("act-b24-dialog", { portal: d.portal, dialog: "chat" + d.id });
      if (item.kind === "line") return () => fillAct("act-b24-line", { portal: d.portal, line: d.id });
      if (item.kind === "user" || item.kind === "bot") return () => fillAct("act-b24-dialog", { portal: d.portal, dialog: String(d.id) });
      if (item.kind === "dialog" && (d.pair || []).length === 2) return () => fillAct("act-b24-dialog", { portal: d.portal, dialog: String(d.pair[1]), from: d.pair[0] });
      if (item.kind === "message" && d.chat_id) return () => fillAct("act-b24-message", { portal: d.portal, id: d.id, text: d.text || "" });
    },
  },
  imbox: {
    tenantLabel: (t) => `account ${t}`,
    order: ["account", "conversation", "agent", "message", "pagefilter"],
    columns: { account: ["sid", "name"], conversation: ["id", "conversationID", "date", "lastPage", "rating"], agent: ["agentID", "agentName", "department", "isBackOffice"],
      message: ["id", "conversationID", "from", "agentID", "message", "date"], pagefilter: ["id", "searchName", "searchFilter", "matchType"] },
    titles: { account: "Account", conversation: "Conversations (visitor info inside)", agent: "Agents", message: "Messages", pagefilter: "Page filters" },
    links(item, find) {
      const d = item.doc;
      if (item.kind === "conversation") return [["Messages", find.all("message", (m) => m.conversation === d.id)]];
      if (item.kind === "agent") return [["Messages", find.all("message", (m) => m.agentID === d.agentID)]];
      if (item.kind === "message") return [["Conversation", [find("conversation", d.conversation)].filter(Boolean)]];
      return [];
    },
    act(item) {
      if (item.kind === "conversation") return () => fillAct("act-imbox", { sid: item.doc.sid, conversation: item.doc.conversationID });
    },
    extra(tenant) { return statisticsForm(tenant); },
  },
};

const hiddenKinds = new Set(["portals", "token", "refresh", "bucket", "limit", "netlimit", "operating", "messagepos"]);

// handlerURLs are the distinct URLs of a Bitrix24 bot's event handlers.
function handlerURLs(bot) {
  return [...new Set(Object.values(bot.handlers || {}).map((h) => h && h.url).filter(Boolean))];
}

async function loadState() {
  const vendor = $("#state-vendor").value;
  $("#state-note").textContent = "Loading…";
  let r;
  try { r = await api("GET", "/_emulator/state?vendor=" + vendor); } catch { return; }
  if (!r.ok) { $("#state-note").textContent = errorText(r); return; }
  const items = [];
  for (const [key, doc] of Object.entries(r.data.documents)) {
    const p = parse(vendor, key, doc);
    items.push({ key, doc, ...p });
  }
  stateCache = { vendor, items };
  const tenants = [...new Set(items.filter((i) => !hiddenKinds.has(i.kind) && i.tenant !== "").map((i) => i.tenant))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (!tenants.includes(stateTenant)) stateTenant = tenants[0] || null;
  $("#state-note").textContent = `${items.length} stored documents, taken at ${timeText(r.data.taken)} (emulator clock).`;
  const nav = $("#state-tenants");
  nav.replaceChildren(...tenants.map((t) => el("button", { type: "button", "aria-current": t === stateTenant, dataset: { tenant: t },
    onclick: () => { stateTenant = t; loadTenantButtons(); renderState(); } }, views[vendor].tenantLabel(t))));
  renderState();
}
function loadTenantButtons() {
  for (const b of document.querySelectorAll("#state-tenants button")) b.setAttribute("aria-current", b.dataset.tenant === stateTenant);
}

function finder(items) {
  const byKind = {};
  for (const i of items) (byKind[i.kind] ||= []).push(i);
  const find = (kind, id) => (byKind[kind] || []).find((i) => i.id === String(id));
  find.all = (kind, pred) => (byKind[kind] || []).filter((i) => pred(i.doc));
  find.byKind = byKind;
  return find;
}

function cell(v) {
  if (Array.isArray(v)) return `${v.length} items`;
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  if (v === undefined || v === null) return "";
  return String(v);
}

function renderState() {
  if (!stateCache) return;
  const v = views[stateCache.vendor];
  const q = $("#state-search").value.trim().toLowerCase();
  const mine = stateCache.items.filter((i) => i.tenant === stateTenant && !hiddenKinds.has(i.kind));
  const find = finder(mine);
  const kinds = [...v.order, ...Object.keys(find.byKind).filter((k) => !v.order.includes(k))];
  const out = [];
  if (v.extra && stateTenant) out.push(v.extra(stateTenant));
  for (const kind of kinds) {
    let list = find.byKind[kind] || [];
    if (!list.length) continue;
    if (q) list = list.filter((i) => JSON.stringify(i.doc).toLowerCase().includes(q));
    list.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
    const cols = (v.columns[kind] || Object.keys(list[0] ? list[0].doc : {}).slice(0, 5));
    const body = list.slice(0, STATE_ROWS).map((i) => {
      const computed = (v.cells && v.cells[kind]) || {};
      const tr = el("tr", { tabindex: 0, dataset: { key: i.key, kind, id: i.id } }, ...cols.map((c) =>
        el("td", { class: ["text", "message", "title", "handlers", "handler"].includes(c) ? "wrap" : "mono" }, computed[c] ? computed[c](i.doc) : cell(i.doc[c]))));
      const open = () => showItem(i, find);
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
      return tr;
    });
    out.push(el("section", { dataset: { kind } },
      el("h3", {}, `${v.titles[kind] || kind} (${list.length})`),
      el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", { scope: "col" }, c)))), el("tbody", {}, ...body))),
      list.length > STATE_ROWS ? el("p", { class: "note" }, `${list.length - STATE_ROWS} more: narrow them with the search.`) : null));
  }
  if (!out.length) out.push(el("p", { class: "note" }, "Nothing stored for this tenant."));
  $("#state-view").replaceChildren(...out);
}

function label(i) {
  const d = i.doc;
  const name = d.name || d.title || d.agentName || d.conversationID || d.text || d.message || d.code ||
    (d.command ? "/" + d.command : "") || (Array.isArray(d.pair) ? d.pair.join(" ↔ ") : "");
  return `${i.kind} ${i.id}${name ? " — " + String(name).slice(0, 60) : ""}`;
}

function showItem(i, find) {
  const v = views[stateCache.vendor];
  const parts = [el("h2", {}, label(i)), el("p", { class: "note mono" }, i.key)];
  const act = v.act && v.act(i);
  if (act) parts.push(el("p", {}, el("button", { type: "button", onclick: act }, "Act as a person here")));
  if (v.details) parts.push(...v.details(i));
  for (const [title, list] of v.links(i, find)) {
    parts.push(el("h3", {}, `${title} (${list.length})`));
    if (!list.length) { parts.push(el("p", { class: "note" }, "none")); continue; }
    parts.push(el("ul", { class: "plain" }, ...list.slice(0, STATE_ROWS).map((o) =>
      el("li", {}, el("button", { type: "button", class: "linklike", onclick: () => showItem(o, find) }, label(o))))));
  }
  parts.push(el("h3", {}, "Stored document"), el("pre", {}, pretty(i.doc)));
  const box = $("#state-detail");
  box.replaceChildren(...parts);
  box.focus();
}

function statisticsForm(sid) {
  const out = el("pre", { class: "result", role: "status" });
  const from = el("input", { name: "from", placeholder: "2020-01-01T00:00:00Z" });
  const to = el("input", { name: "to", placeholder: "now" });
  const form = el("form", { class: "filters", "aria-label": "Statistics of a range" },
    el("label", {}, "From (RFC 3339)", from), el("label", {}, "To", to), el("button", { type: "submit" }, "Statistics"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (from.value.trim()) q.set("from", from.value.trim());
    if (to.value.trim()) q.set("to", to.value.trim());
    const r = await api("GET", `/_emulator/imbox/${sid}/statistics?${q}`);
    out.textContent = r.ok ? pretty(r.data) : errorText(r);
  });
  return el("section", {}, el("h3", {}, "Statistics of a range (chatStatistics)"), form, out);
}

$("#state-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadState(); });
$("#state-vendor").addEventListener("change", () => { stateTenant = null; $("#state-detail").replaceChildren(); loadState(); });
$("#state-search").addEventListener("input", renderState);

// ---------------------------------------------------------------- scenarios

let bundledDocs = {};

async function loadScenarios() {
  let r;
  try { r = await api("GET", "/_emulator/scenarios"); } catch { return; }
  if (!r.ok) return;
  const activeNames = new Set(r.data.active.map((s) => s.name));
  const active = $("#active");
  if (!r.data.active.length) active.replaceChildren(el("p", { class: "note" }, "No scenario is active."));
  else active.replaceChildren(...r.data.active.map((s) => el("section", { dataset: { scenario: s.name } },
    el("h3", {}, s.name, " ", el("button", { type: "button", onclick: () => deactivate(s.name) }, "Deactivate")),
    s.description ? el("p", { class: "note" }, s.description) : null,
    el("table", {}, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Rule"), el("th", { scope: "col" }, "Action"), el("th", { scope: "col" }, "Matched"), el("th", { scope: "col" }, "Fired"))),
      el("tbody", {}, ...s.rules.map((rule) => el("tr", { dataset: { rule: `${s.name}/${rule.name}` } },
        el("td", {}, rule.name), el("td", { class: "mono" }, rule.action),
        el("td", { class: "matched rule-counts" }, rule.matched), el("td", { class: "fired rule-counts" }, rule.fired))))))));
  bundledDocs = {};
  $("#bundled").replaceChildren(...(r.data.bundled || []).map((b) => {
    bundledDocs[b.name] = b.document;
    const on = activeNames.has(b.name);
    return el("li", { dataset: { bundled: b.name } },
      el("strong", {}, b.name), on ? " (active) " : " ",
      el("button", { type: "button", dataset: { activate: b.name }, onclick: () => on ? deactivate(b.name) : activateBundled(b.name) }, on ? "Deactivate" : "Activate"),
      " ", el("button", { type: "button", onclick: () => { $("#scenario-editor").value = JSON.stringify(bundledDocs[b.name], null, 2); $("#scenario-editor").focus(); } }, "Edit a copy"),
      el("p", { class: "note" }, b.description));
  }));
}

async function activateBundled(name) {
  const r = await api("POST", "/_emulator/scenarios", { name });
  $("#scenario-result").replaceChildren(el("p", { class: r.ok ? "ok" : "error" }, r.ok ? `${name} is active.` : errorText(r)));
  loadScenarios();
}
async function deactivate(name) {
  const r = await api("DELETE", "/_emulator/scenarios/" + encodeURIComponent(name));
  $("#scenario-result").replaceChildren(el("p", { class: r.ok ? "ok" : "error" }, r.ok ? `${name} is inactive.` : errorText(r)));
  loadScenarios();
}
$("#scenarios-clear").addEventListener("click", async () => { await api("DELETE", "/_emulator/scenarios"); loadScenarios(); });

// syntaxProblem locates a JSON syntax error as line and column.
function syntaxProblem(text, err) {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return err.message;
  const before = text.slice(0, Number(m[1])).split("\n");
  return `${err.message} (line ${before.length}, column ${before[before.length - 1].length + 1})`;
}

async function submitScenario(activate) {
  const text = $("#scenario-editor").value;
  const out = $("#scenario-result");
  try { JSON.parse(text); } catch (err) {
    out.replaceChildren(el("p", { class: "error" }, "Not JSON: " + syntaxProblem(text, err)));
    return;
  }
  const r = await api("POST", "/_emulator/scenarios" + (activate ? "" : "?dry_run=true"), text, true);
  if (r.ok) {
    out.replaceChildren(el("p", { class: "ok" }, activate ? `${r.data.scenario} is active.` : `${r.data.scenario} is valid.`));
    if (activate) loadScenarios();
    return;
  }
  const problems = (r.data && r.data.problems) || [];
  out.replaceChildren(el("p", { class: "error" }, (r.data && r.data.error) || errorText(r)),
    problems.length ? el("ul", { class: "problems", id: "scenario-problems" }, ...problems.map((p) => el("li", {}, el("code", {}, p.path || "/"), " ", p.reason))) : null);
}
$("#scenario-check").addEventListener("click", () => submitScenario(false));
$("#scenario-activate").addEventListener("click", () => submitScenario(true));
setInterval(() => { if (!$("#app").hidden && visible("panel-scenarios")) loadScenarios(); }, 2000);

// ---------------------------------------------------------------- act

function fillAct(formID, values) {
  const form = $("#" + formID);
  for (const [k, v] of Object.entries(values)) form.elements[k].value = v;
  selectTab($("#tab-act"));
  (form.elements.text || form.elements[0]).focus();
}

const seg = encodeURIComponent;
const b24 = (portal) => `/_emulator/bitrix24/portals/${seg(portal)}`;
const acts = {
  "bitrix24-dialog": (f) => ["POST", `${b24(f.portal)}/dialogs/${seg(f.dialog)}/messages`, { from: Number(f.from), text: f.text }],
  "bitrix24-edit": (f) => ["PUT", `${b24(f.portal)}/messages/${seg(f.id)}`, { text: f.text }],
  "bitrix24-line": (f) => ["POST", `${b24(f.portal)}/sessions`, { line_id: Number(f.line), client_id: Number(f.client), text: f.text }],
  imbachat: (f) => ["POST", `/_emulator/imbachat/widgets/${seg(f.widget)}/rooms/${seg(f.room)}/messages`, { user_id: f.user, message: f.text }],
  imbox: (f) => ["POST", `/_emulator/imbox/${seg(f.sid)}/conversations/${seg(f.conversation)}/messages`,
    f.sender === "agent" ? { sender: "agent", agentID: Number(f.agent), message: f.text } : { sender: "visitor", message: f.text }],
};

async function runAct(method, path, body) {
  const out = $("#act-result");
  out.textContent = "…";
  let r;
  try { r = await api(method, path, body); } catch (e) { out.textContent = e.message; return null; }
  const sent = body === undefined ? "" : " " + JSON.stringify(body);
  out.textContent = `${method} ${path}${sent}\n${r.ok ? "✔" : "✖"} ${r.status}\n${pretty(r.data === null ? "" : r.data)}`;
  return r;
}

const formValues = (form) => Object.fromEntries(new FormData(form));

for (const form of document.querySelectorAll("form.act")) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = formValues(form);
    const r = await runAct(...acts[form.dataset.act](f));
    if (r && r.ok && form.dataset.act === "bitrix24-dialog") readDialog(f);
    else if (r && r.ok && form.dataset.act === "bitrix24-edit") rereadDialog();
  });
}

$("#b24-delete").addEventListener("click", async () => {
  const f = formValues($("#act-b24-message"));
  if (!f.id) { $("#act-result").textContent = "✖ give the id of the message to delete"; return; }
  const r = await runAct("DELETE", `${b24(f.portal)}/messages/${seg(f.id)}`);
  if (r && r.ok) rereadDialog();
});

// The dialog view: a Bitrix24 dialog as user `from` reads it (GET of the
// dialog's messages), each message with its keyboard and what a person may
// do with it. It follows the dialog: read again after an act of the page
// and after a Bitrix24 request or delivery while the Act tab is open.
let dialogView = null; // {portal, dialog, from}
let dialogReread = null;
let dialogShown = ""; // the view and answer drawn last

$("#b24-read").addEventListener("click", () => {
  const form = $("#act-b24-dialog");
  if (form.reportValidity()) readDialog(formValues(form));
});

function rereadDialog() {
  if (!dialogView || dialogReread) return;
  dialogReread = setTimeout(() => { dialogReread = null; readDialog(dialogView, true); }, 150);
}

async function readDialog(f, quiet) {
  const view = { portal: f.portal, dialog: f.dialog, from: Number(f.from) };
  dialogView = view;
  const box = $("#b24-dialog");
  let r;
  try { r = await api("GET", `${b24(view.portal)}/dialogs/${seg(view.dialog)}/messages?from=${seg(view.from)}`); } catch { return; }
  if (dialogView !== view && quiet) return;
  if (!r.ok) { dialogShown = ""; box.replaceChildren(el("p", { class: "error" }, errorText(r))); return; }
  // An unchanged dialog is left as it is, keeping the focus on its buttons.
  const shown = JSON.stringify(view) + r.text;
  if (shown === dialogShown) return;
  dialogShown = shown;
  const ms = (r.data && r.data.messages) || [];
  box.replaceChildren(
    el("p", { class: "note", id: "b24-dialog-head" }, `Dialog ${view.dialog} of portal ${view.portal} as user ${view.from}: ${ms.length} message${ms.length === 1 ? "" : "s"}.`),
    ms.length ? el("ol", { class: "messages" }, ...ms.map((m) => dialogMessage(view, m))) : null);
}

function dialogMessage(view, m) {
  const mine = m.author_id === view.from;
  const edit = () => {
    const form = $("#act-b24-message");
    form.elements.portal.value = view.portal;
    form.elements.id.value = m.id;
    form.elements.text.value = m.text || "";
    form.elements.text.focus();
  };
  return el("li", { dataset: { message: m.id } },
    el("p", { class: "meta" }, el("span", { class: "mono" }, `#${m.id}`), ` from ${mine ? "you (" + m.author_id + ")" : m.author_id} · ${timeText(m.date)}${m.edited ? " · edited" : ""}${m.system ? " · system" : ""}`),
    el("p", { class: "text" }, m.text || ""),
    keyboard(view, m),
    // A person edits and deletes their own messages (the form above takes
    // any message id).
    mine ? el("p", { class: "buttons" },
      el("button", { type: "button", class: "linklike", dataset: { edit: m.id }, onclick: edit }, `Edit #${m.id}…`),
      el("button", { type: "button", class: "linklike", dataset: { delete: m.id }, onclick: async () => {
        const r = await runAct("DELETE", `${b24(view.portal)}/messages/${m.id}`);
        if (r && r.ok) rereadDialog();
      } }, `Delete #${m.id}`)) : null);
}

// buttonAction is what a keyboard button without COMMAND does in a
// person's browser, which the emulator does not play.
function buttonAction(b) {
  if (b.LINK) return `opens the link ${b.LINK}`;
  if (b.ACTION) return `client action ${b.ACTION}${b.ACTION_VALUE ? " " + b.ACTION_VALUE : ""}`;
  if (b.APP_ID) return `opens application ${b.APP_ID}`;
  return "no COMMAND: nothing to press";
}

// keyboard draws a message's KEYBOARD: rows split at NEWLINE; a button
// with COMMAND presses it (POST …/messages/{id}/command), the others are
// disabled, with what they do written beside them.
function keyboard(view, m) {
  let kb = m.keyboard;
  if (typeof kb === "string") { try { kb = JSON.parse(kb); } catch { kb = null; } }
  if (kb && !Array.isArray(kb) && Array.isArray(kb.BUTTONS)) kb = kb.BUTTONS;
  if (!Array.isArray(kb) || !kb.length) return null;
  const rows = [[]];
  for (const b of kb) {
    if (!b || typeof b !== "object") continue;
    if (b.TYPE === "NEWLINE") { rows.push([]); continue; }
    const label = b.TEXT || b.COMMAND || "(no text)";
    if (b.COMMAND) {
      const params = b.COMMAND_PARAMS ? " " + b.COMMAND_PARAMS : "";
      rows[rows.length - 1].push(el("button", { type: "button", dataset: { command: b.COMMAND }, title: `press: /${b.COMMAND}${params} as user ${view.from}`,
        onclick: async () => {
          const r = await runAct("POST", `${b24(view.portal)}/messages/${m.id}/command`, { from: view.from, command: b.COMMAND });
          if (r && r.ok) rereadDialog();
        } }, label));
    } else {
      rows[rows.length - 1].push(el("span", { class: "inert" }, el("button", { type: "button", disabled: true }, label), " ", el("span", { class: "note" }, buttonAction(b))));
    }
  }
  return el("div", { class: "keyboard", role: "group", "aria-label": `Keyboard of message ${m.id}` },
    ...rows.filter((r) => r.length).map((r) => el("div", { class: "kb-row" }, ...r)));
}

// ---------------------------------------------------------------- clock

let clock = null; // {now: Date, frozen, at: performance.now()}

function showClock(c) {
  clock = { now: new Date(c.now), frozen: c.frozen, at: performance.now() };
  tickClock();
}
function tickClock() {
  if (!clock) return;
  const now = clock.frozen ? clock.now : new Date(clock.now.getTime() + performance.now() - clock.at);
  const text = now.toISOString().replace(/\.\d+Z$/, "Z");
  const state = clock.frozen ? "frozen" : "running";
  for (const id of ["clock-now", "clock-now-2"]) { $("#" + id).textContent = text; $("#" + id).setAttribute("datetime", text); }
  $("#clock-state").textContent = state;
  $("#clock-state-2").textContent = state;
}
async function refreshClock() {
  try {
    const r = await api("GET", "/_emulator/clock");
    if (r.ok) showClock(r.data);
  } catch { /* the login form is shown */ }
}
setInterval(tickClock, 1000);
setInterval(() => { if (!$("#app").hidden) refreshClock(); }, 10000);

async function setClock(body) {
  const r = await api("POST", "/_emulator/clock", body);
  $("#instance-result").textContent = r.ok ? "✔ clock " + pretty(r.data) : "✖ " + errorText(r);
  if (r.ok) showClock(r.data);
}
$("#clock-set-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const body = { freeze: $("#clock-freeze").checked };
  if ($("#clock-set").value.trim()) body.now = $("#clock-set").value.trim();
  setClock(body);
});
$("#clock-advance-form").addEventListener("submit", (ev) => { ev.preventDefault(); setClock({ advance: $("#clock-advance").value.trim() }); });

// ---------------------------------------------------------------- reset, export, import

$("#reset").addEventListener("click", async () => {
  const r = await api("POST", "/_emulator/reset");
  $("#instance-result").textContent = r.ok ? "✔ reset: fixtures reloaded, journal and scenarios cleared, clock back at its start" : "✖ " + errorText(r);
  stateCache = null;
  refreshClock();
  if (visible("panel-state")) loadState();
});

$("#export").addEventListener("click", async () => {
  const r = await api("GET", "/_emulator/state");
  if (!r.ok) { $("#instance-result").textContent = "✖ " + errorText(r); return; }
  const name = `chatemu-state-${(r.data.taken || "").replace(/[:.]/g, "-")}.json`;
  const link = $("#export-link");
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([r.text], { type: "application/json" }));
  link.download = name;
  link.textContent = "download " + name + " again";
  link.hidden = false;
  link.click();
  $("#instance-result").textContent = `✔ exported ${Object.keys(r.data.documents).length} documents as ${name}`;
});

$("#import-file").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  if (!file) return;
  const text = await file.text();
  const r = await api("PUT", "/_emulator/state", text, true);
  $("#instance-result").textContent = r.ok ? `✔ imported ${r.data.documents} documents from ${file.name}` : "✖ " + errorText(r);
  ev.target.value = "";
  stateCache = null;
  if (visible("panel-state")) loadState();
});

boot();
