// The sandbox console: every request is signed here with auth-v2 (Web Crypto HMAC-SHA256)
// and goes through the server's signed pipeline like any client's. The key stays in this
// tab's memory: nothing is stored.
"use strict";

const JSON_TYPE = "application/json;charset=UTF-8";
const BASIC = "/rest/cmsapp/v1/openapi/calldata/querybasiccallinfo";
const DETAIL = "/rest/cmsapp/v1/openapi/calldata/querydetailcallinfo";
const AGENT_CALLS = "/rest/cmsapp/v1/openapi/agent/queryagentcalls";
const GROUP = "/rest/cmsapp/v1/openapi/agentgroup/queryagentcalls";
const RECORD = "/rest/cmsapp/v1/openapi/calldata/querycalldetailbyid";
const TRACK = "/rest/cmsapp/v1/openapi/vdn/querycalltracedetail";
const CALLS = "/sandbox/v1/calls";
const AGENTS = "/sandbox/v1/agents";

const encoder = new TextEncoder();
const key = { ak: "", sk: "" };
let selected = null;
let refreshing = false;

const $ = (id) => document.getElementById(id);

/** normalize(s) of the contract: unreserved bytes kept, every other byte %XX. */
function normalize(text) {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

async function hmacHex(secret, message) {
  const cryptoKey = await crypto.subtle.importKey(
    "raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The Authorization value of a request, as docs/api.md section 2 computes it. */
async function authorization(method, path, query, body) {
  const timestamp = new Date().toISOString(); // milliseconds: yyyy-MM-ddTHH:mm:ss.SSSZ
  const headers = [["host", location.host]];
  if (body) {
    headers.push(["content-length", String(encoder.encode(body).length)]);
    headers.push(["content-type", JSON_TYPE]);
  }
  const signed = headers.map(([name]) => name).sort().join(";");
  const prefix = `auth-v2/${key.ak}/${timestamp}/${signed}`;
  const signingKey = await hmacHex(key.sk, prefix);
  let canonical = `${method}\n${path}\n`;
  if (query) {
    const pairs = query.split("&").map((pair) => {
      const at = pair.indexOf("=");
      const [name, value] = at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)];
      return `${normalize(name)}=${normalize(value)}`;
    });
    canonical += pairs.sort().join("&") + "\n";
  }
  canonical += signed + "\n";
  canonical += headers.map(([name, value]) => `${name}:${normalize(value)}`).sort().join("\n") + "\n";
  canonical += normalize(body || "");
  return `${prefix}/${await hmacHex(signingKey, canonical)}`;
}

/** A shell-quoted word. */
function quoted(text) {
  return "'" + text.replace(/'/g, "'\\''") + "'";
}

function logCurl(method, url, auth, body) {
  // Over HTTPS with the server's own CA, curl trusts it with the data directory's tls/ca.pem.
  const ca = location.protocol === "https:" ? "--cacert tls/ca.pem " : "";
  let line = `curl -s ${ca}-X ${method} -H ${quoted("Authorization: " + auth)}`;
  if (body) {
    line += ` -H ${quoted("Content-Type: " + JSON_TYPE)} -d ${quoted(body)}`;
  }
  line += ` ${quoted(url)}`;
  const log = $("log");
  log.textContent = (line + "\n" + log.textContent).slice(0, 20000);
}

/** Sends a signed request and returns its JSON answer. */
async function signed(method, path, query, body) {
  if (!key.ak || !key.sk) {
    throw new Error("paste an access key and its secret key first");
  }
  const auth = await authorization(method, path, query, body);
  const url = location.origin + path + (query ? "?" + query : "");
  logCurl(method, url, auth, body);
  const headers = { Authorization: auth };
  if (body) {
    headers["Content-Type"] = JSON_TYPE;
  }
  const response = await fetch(url, { method, headers, body: body || undefined, cache: "no-store" });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (_) {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

function place() {
  return { ccId: Number($("cc").value), vdn: Number($("vdn").value) };
}

function status(text, error) {
  const line = $("status");
  line.textContent = text;
  line.className = error ? "error" : "";
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.appendChild(td);
}

const STATUSES = { 0: "idle", 1: "occupied", 2: "queued", 3: "private queue", 4: "alerting", 5: "talking", 6: "held", 7: "suspended", 8: "muted", 9: "three-party" };
const DEVICES = { 1: "skill queue", 2: "agent", 3: "IVR flow", 5: "call", 15: "conference" };

async function refresh() {
  if (refreshing || !key.ak) {
    return;
  }
  refreshing = true;
  try {
    const { ccId, vdn } = place();
    const query = `ccId=${ccId}&vdn=${vdn}&limit=200`;
    const calls = await signed("GET", CALLS, query, "");
    const agents = await signed("GET", AGENTS, query, "");
    if (calls.resultCode !== "0100000") {
      throw new Error(`${calls.resultCode}: ${JSON.stringify(calls.resultDesc)}`);
    }
    const body = $("calls").tBodies[0];
    body.replaceChildren();
    for (const call of calls.resultDesc) {
      const row = document.createElement("tr");
      row.dataset.callId = call.callId;
      if (call.callId === selected) {
        row.className = "selected";
      }
      cell(row, call.callId);
      cell(row, `${DEVICES[call.deviceType] || call.deviceType} ${call.deviceNo ?? ""}`);
      cell(row, call.callingNum || "");
      cell(row, STATUSES[call.callStatus] || (call.deviceType === 2 ? "talking" : ""));
      cell(row, `${call.totalTalkingTimes ?? 0}s`);
      body.appendChild(row);
    }
    $("call-count").textContent = `(${calls.resultDesc.length})`;
    const agentBody = $("agents").tBodies[0];
    agentBody.replaceChildren();
    for (const agent of agents.resultDesc || []) {
      const row = document.createElement("tr");
      cell(row, agent.agentId);
      cell(row, (agent.calls || []).join(", "));
      cell(row, (agent.privateCalls || []).join(", "));
      agentBody.appendChild(row);
    }
    $("agent-count").textContent = `(${(agents.resultDesc || []).length})`;
    status(`refreshed ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    status(error.message, true);
  } finally {
    refreshing = false;
  }
}

function select(callId) {
  selected = callId;
  $("selected").textContent = callId;
  for (const row of $("calls").tBodies[0].rows) {
    row.className = row.dataset.callId === callId ? "selected" : "";
  }
  show(BASIC);
}

async function show(path) {
  if (!selected) {
    return;
  }
  const { ccId, vdn } = place();
  try {
    const answer = await signed("POST", path, "", JSON.stringify({ ccId, vdn, callId: selected }));
    $("view").textContent = JSON.stringify(answer, null, 2);
  } catch (error) {
    $("view").textContent = error.message;
  }
}

async function agentViews() {
  if (!selected) {
    return;
  }
  const { ccId, vdn } = place();
  const call = await signed("POST", BASIC, "", JSON.stringify({ ccId, vdn, callId: selected }));
  const agentId = call.resultDesc && call.resultDesc.deviceType === 2 ? call.resultDesc.deviceNo : null;
  if (agentId === null) {
    $("view").textContent = "the call is at no agent";
    return;
  }
  const calls = await signed("POST", AGENT_CALLS, "", JSON.stringify({ ccId, vdn, agentId }));
  const group = await signed("POST", GROUP, "", JSON.stringify({ ccId, vdn, agentIds: [agentId] }));
  $("view").textContent = JSON.stringify({ queryagentcalls: calls, "agentgroup/queryagentcalls": group }, null, 2);
}

async function addCall() {
  const { ccId, vdn } = place();
  const callId = $("add-call-id").value.trim() || `${Math.floor(Date.now() / 1000)}-${Math.floor(Math.random() * 100000)}`;
  const deviceType = Number($("add-device-type").value);
  const record = {
    ccId, vdn, callId,
    time: Date.now(),
    callingNum: $("add-calling").value,
    calledNum: "40010001",
    deviceType,
    deviceNo: Number($("add-device-no").value),
    mediaType: 5,
    callStatus: deviceType === 2 ? 5 : deviceType === 1 ? 2 : 1,
  };
  const answer = await signed("POST", CALLS, "", JSON.stringify(record));
  status(answer.resultCode === "0100000" ? `added ${callId}` : `${answer.resultCode}: ${answer.resultDesc}`, answer.resultCode !== "0100000");
  selected = callId;
  $("selected").textContent = callId;
  await refresh();
}

async function moveCall() {
  if (!selected) {
    return;
  }
  const { ccId, vdn } = place();
  const change = { ccId, vdn, callId: selected, deviceType: 2, deviceNo: Number($("move-agent").value), callStatus: Number($("move-status").value) };
  const answer = await signed("PATCH", CALLS, "", JSON.stringify(change));
  status(answer.resultCode === "0100000" ? `moved ${selected}` : `${answer.resultCode}: ${answer.resultDesc}`, answer.resultCode !== "0100000");
  await refresh();
  await show(BASIC);
}

async function endCall() {
  if (!selected) {
    return;
  }
  const { ccId, vdn } = place();
  const callId = selected;
  const query = `ccId=${ccId}&vdn=${vdn}&callId=${encodeURIComponent(callId)}&releaseCause=${Number($("end-cause").value)}`;
  const ended = await signed("DELETE", CALLS, query, "");
  if (ended.resultCode !== "0100000") {
    status(`${ended.resultCode}: ${ended.resultDesc}`, true);
    return;
  }
  // The record interfaces answer it from now on, as the end's own answer shows; asked
  // again here so that the log holds their curl commands (the track by its row's month,
  // from the contact center's clock, which may be a manual one).
  const { record, track } = ended.resultDesc;
  const inbound = ![7, 8, 40, 41, 42, 43, 44].includes(record.callType);
  const asked = await signed("POST", RECORD, "", JSON.stringify({ queryParam: { ccId, isCallin: String(inbound), callId } }));
  const logDate = track.length ? track[track.length - 1].callEnd : Date.now();
  await signed("POST", TRACK, "", JSON.stringify({ ccId, vdn, callId, logDate }));
  $("record").textContent = JSON.stringify(asked.resultCode === "0100000" ? asked.resultDesc : record, null, 2);
  $("track").textContent = JSON.stringify(track, null, 2);
  status(`ended ${callId}`);
  selected = null;
  $("selected").textContent = "none";
  await refresh();
}

function guarded(action) {
  return () => action().catch((error) => status(error.message, true));
}

// One listener on the table body: rows are made afresh at every refresh.
$("calls").tBodies[0].addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-call-id]");
  if (row) {
    select(row.dataset.callId);
  }
});
$("use-key").addEventListener("click", () => {
  key.ak = $("ak").value.trim();
  key.sk = $("sk").value.trim();
  $("sk").value = "";
  refresh();
});
$("view-basic").addEventListener("click", guarded(() => show(BASIC)));
$("view-detail").addEventListener("click", guarded(() => show(DETAIL)));
$("view-agent").addEventListener("click", guarded(agentViews));
$("add-button").addEventListener("click", guarded(addCall));
$("move-button").addEventListener("click", guarded(moveCall));
$("end-button").addEventListener("click", guarded(endCall));
setInterval(refresh, 1000);
