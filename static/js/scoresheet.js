// The score sheet (templates/evaluations/sheet_detail.html): every change autosaves, and nothing scored is lost
// when the network drops.
//
// Every change first goes into a queue in IndexedDB (client id, a per-device sequence number), then a sync loop
// sends the queue in order to the sheet's sync address. The server applies each change once (by client id) and
// answers per change: applied or duplicate (done), early (sent again later), stale or refused (shown under
// "未保存的修改" with the server's message and value). Photos queue as Blobs the same way. The last known server
// state of the sheet is kept too, so a page opened from the service worker's copy shows the right values: the
// page = kept server state + the queue on top.
(function () {
  "use strict";

  var root = document.querySelector("[data-score-sheet]");
  var stateNode = document.getElementById("sheet-state");
  if (!root || !stateNode) { return; }
  var page = JSON.parse(stateNode.textContent);
  var SHEET = page.sheet.id;
  var T = page.text;
  var URLS = page.urls;
  var items = page.items; // id -> {code, title, kind, max, section, levels, score, present, level, remark, version, photos}
  var VALUE_KEYS = ["score", "present", "level", "clear"];
  var BATCH = 50;

  var server = {}; // id -> the item's state as the server last told us
  var queue = []; // pending changes of this sheet, by seq
  var photoQueue = []; // pending photos of this sheet
  var rejected = []; // changes the server would not take, kept until the scorer decides
  var db = null;
  var syncing = null; // the running sync, if any
  var started = false; // the device's queue is loaded
  var ready = null; // resolves once it is
  var seq = 0; // this device's change counter (kept in IndexedDB: changes are sent in the order they were made)
  var retryTimer = null;
  var retryDelay = 2000;
  var problem = ""; // what keeps the queue from syncing (login, unreachable…)
  var localUrls = {}; // photo client id -> object URL

  Object.keys(items).forEach(function (id) {
    server[id] = pick(items[id]);
  });

  function pick(source) {
    return {
      score: source.score === undefined ? null : source.score,
      present: source.present === undefined ? null : source.present,
      level: source.level || "",
      remark: source.remark || "",
      version: source.version || 0,
      photos: (source.photos || []).slice()
    };
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, key) { return values[key] !== undefined ? values[key] : match; });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- numbers: hundredths, so that sums never drift -------------------------------------------------------------

  function cents(value) { return value === null || value === undefined || value === "" ? null : Math.round(parseFloat(value) * 100); }
  function money(hundredths) { return (hundredths / 100).toFixed(2); }
  function short(value) { return String(parseFloat(value)); }

  function levelScore(item, label) {
    for (var i = 0; i < item.levels.length; i += 1) {
      if (item.levels[i][0] === label) { return item.levels[i][1]; }
    }
    return null;
  }

  // --- IndexedDB -----------------------------------------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var request = indexedDB.open("score-sheets", 1);
      request.onupgradeneeded = function () {
        var base = request.result;
        ["changes", "photos", "rejected"].forEach(function (name) {
          base.createObjectStore(name, { keyPath: "key" }).createIndex("sheet", "sheet");
        });
        base.createObjectStore("sheets", { keyPath: "id" });
        base.createObjectStore("meta");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Run `work(transaction)` in one transaction; resolves with what work() set on `out` once it is committed.
  function run(stores, mode, work) {
    return new Promise(function (resolve, reject) {
      if (!db) { reject(new Error("no database")); return; }
      // Writes are "strict": committed only once on disk. The browser's default ("relaxed") reports a commit
      // before the disk has it, so a change queued just before the phone closes the browser could be lost.
      var transaction = mode === "readwrite"
        ? db.transaction(stores, mode, { durability: "strict" })
        : db.transaction(stores, mode);
      var out = {};
      transaction.oncomplete = function () { resolve(out); };
      transaction.onerror = function () { reject(transaction.error); };
      transaction.onabort = function () { reject(transaction.error); };
      work(transaction, out);
    });
  }

  function all(store) {
    return run([store], "readonly", function (transaction, out) {
      transaction.objectStore(store).index("sheet").getAll(SHEET).onsuccess = function (event) { out.rows = event.target.result; };
    }).then(function (out) { return out.rows || []; });
  }

  function saveState(transaction) {
    transaction.objectStore("sheets").put({ id: SHEET, items: server, at: Date.now() });
  }

  // --- what the page shows: server state with the queue on top ------------------------------------------------

  function applyChange(state, change) {
    var item = items[String(change.item)];
    if (change.clear) {
      state.score = null; state.present = null; state.level = "";
    } else if (change.present !== undefined) {
      state.present = change.present; state.score = change.present ? item.max : "0.00"; state.level = "";
    } else if (change.level !== undefined) {
      state.level = change.level; state.score = levelScore(item, change.level); state.present = null;
    } else if (change.score !== undefined) {
      state.score = change.score; state.present = null; state.level = "";
    }
    if (change.remark !== undefined) { state.remark = change.remark; }
    return state;
  }

  function current(id) {
    var state = Object.assign({}, server[id]);
    queue.forEach(function (change) { if (String(change.item) === id) { applyChange(state, change); } });
    return state;
  }

  function valueText(id, state) {
    var item = items[id];
    if (state.score === null || state.score === undefined) { return T.unscored; }
    if (item.kind === "presence" && state.present !== null) { return state.present ? T.present : T.absent; }
    if (item.kind === "levels" && state.level) { return state.level + " · " + fill(T.points, { score: short(state.score) }); }
    return fill(T.points, { score: short(state.score) });
  }

  function changeText(id, change) {
    var parts = [];
    if (VALUE_KEYS.some(function (key) { return change[key] !== undefined; })) {
      parts.push(valueText(id, applyChange({ score: null, present: null, level: "", remark: "" }, change)));
    }
    if (change.remark !== undefined) { parts.push(fill(T.remark, { remark: change.remark || "—" })); }
    return parts.join("；");
  }

  function card(id) { return root.querySelector('[data-item="' + id + '"]'); }

  function renderItem(id) {
    var node = card(id);
    if (!node) { return; }
    var state = current(id);
    var scored = state.score !== null && state.score !== undefined;
    node.classList.toggle("is-unscored", !scored);
    var pending = queue.some(function (c) { return String(c.item) === id; }) ||
      photoQueue.some(function (p) { return String(p.item) === id; });
    var badge = node.querySelector("[data-pending-badge]");
    if (badge) { badge.classList.toggle("d-none", !pending); }
    var select = node.querySelector("[data-points]");
    if (select) { select.value = scored ? money(cents(state.score)) : ""; }
    node.querySelectorAll("[data-present]").forEach(function (button) {
      var on = state.present !== null && String(state.present) === button.dataset.present;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    node.querySelectorAll("[data-level]").forEach(function (button) {
      var on = scored && state.level === button.dataset.level;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var clear = node.querySelector("[data-clear]");
    if (clear) { clear.classList.toggle("invisible", !scored); }
    var remark = node.querySelector("[data-remark]");
    if (remark && document.activeElement !== remark && remark.value !== state.remark) { remark.value = state.remark; }
    renderPhotos(id);
  }

  function renderPhotos(id) {
    var node = card(id);
    var box = node && node.querySelector("[data-photos]");
    if (!box) { return; }
    var pending = photoQueue.filter(function (p) { return String(p.item) === id; });
    var signature = server[id].photos.map(function (p) { return p.id; }).concat(pending.map(function (p) { return p.key; })).join(",");
    if (box.dataset.signature === signature) { return; }
    box.dataset.signature = signature;
    var camera = box.querySelector(".sheet-camera");
    box.querySelectorAll("a, .sheet-thumb-pending").forEach(function (old) { old.remove(); });
    server[id].photos.forEach(function (photo) {
      var link = document.createElement("a");
      link.href = photo.url; link.target = "_blank"; link.rel = "noopener";
      var image = document.createElement("img");
      image.className = "sheet-thumb"; image.src = photo.thumbnail; image.alt = T.photo;
      link.appendChild(image);
      box.insertBefore(link, camera);
    });
    pending.forEach(function (photo) {
      var wrap = document.createElement("span");
      wrap.className = "sheet-thumb-pending";
      var image = document.createElement("img");
      image.className = "sheet-thumb";
      image.alt = T.photo;
      if (!localUrls[photo.key]) { localUrls[photo.key] = URL.createObjectURL(photo.blob); }
      image.src = localUrls[photo.key];
      var label = document.createElement("span");
      label.className = "badge text-bg-warning";
      label.textContent = T.photo_pending;
      wrap.appendChild(image);
      wrap.appendChild(label);
      box.insertBefore(wrap, camera);
    });
  }

  function renderTotals() {
    var total = 0, scored = 0, sections = {}, decided = {};
    Object.keys(items).forEach(function (id) {
      var value = cents(current(id).score);
      var section = items[id].section;
      sections[section] = sections[section] || 0;
      decided[section] = decided[section] || 0;
      if (value !== null) { total += value; scored += 1; sections[section] += value; decided[section] += 1; }
    });
    document.querySelectorAll("[data-decided]").forEach(function (node) {
      node.textContent = decided[node.dataset.decided] || 0;
    });
    document.querySelectorAll("[data-total]").forEach(function (node) { node.textContent = short(money(total)); });
    document.querySelectorAll("[data-scored]").forEach(function (node) { node.textContent = scored; });
    document.querySelectorAll("[data-subtotal]").forEach(function (node) {
      node.textContent = short(money(sections[node.dataset.subtotal] || 0));
    });
    var next = document.querySelector("[data-next-unscored]");
    if (next) {
      var left = Object.keys(items).length - scored;
      next.disabled = left === 0;
      next.title = left === 0 ? T.all_scored : "";
    }
  }

  function renderNet() {
    var node = document.querySelector("[data-net]");
    var waiting = queue.length + photoQueue.length;
    var online = navigator.onLine && problem !== "unreachable";
    var text = (online ? T.online : T.offline) + " · " + (waiting ? fill(T.pending, { n: waiting }) : T.saved);
    if (syncing && waiting) { text = T.online + " · " + T.syncing; }
    if (node) {
      node.textContent = text;
      node.className = "sheet-net small text-nowrap " + (online ? (waiting ? "is-pending" : "is-online") : "is-offline");
    }
    var box = root.querySelector("[data-sync-problem]");
    if (!box) { return; }
    box.textContent = "";
    var message = { login: T.login, gone: T.gone, storage: T.storage }[problem] ||
      (problem.indexOf("status:") === 0 ? fill(T.failed, { status: problem.slice(7) }) : "");
    box.classList.toggle("d-none", !message);
    if (message) {
      box.appendChild(document.createTextNode(message + " "));
      if (problem === "login") {
        var link = document.createElement("a");
        link.href = "/accounts/login/?next=" + encodeURIComponent(URLS.page);
        link.textContent = T.login_link;
        box.appendChild(link);
      }
    }
  }

  function renderRejected() {
    var box = root.querySelector("[data-rejected-box]");
    var list = root.querySelector("[data-rejected-list]");
    if (!box || !list) { return; }
    list.textContent = "";
    box.classList.toggle("d-none", rejected.length === 0);
    var jump = document.querySelector("[data-rejected-jump]");
    if (jump) {
      jump.textContent = fill(T.unsaved, { n: rejected.length });
      jump.classList.toggle("d-none", rejected.length === 0);
    }
    rejected.forEach(function (record) {
      var id = String(record.item);
      var item = items[id] || { code: "", title: "" };
      var li = document.createElement("li");
      li.className = "sheet-rejected-item";
      li.dataset.rejected = record.key;
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = item.code + " " + item.title;
      li.appendChild(title);
      var message = document.createElement("div");
      message.className = "small text-danger";
      message.textContent = record.message;
      li.appendChild(message);
      if (record.change) {
        var mine = document.createElement("div");
        mine.className = "small";
        mine.textContent = T.mine + "：" + changeText(id, record.change);
        li.appendChild(mine);
      }
      if (record.state && record.state.version !== undefined && items[id]) {
        var theirs = document.createElement("div");
        theirs.className = "small text-body-secondary";
        theirs.textContent = T.server + "：" + valueText(id, record.state) + (record.state.remark ? "；" + fill(T.remark, { remark: record.state.remark }) : "");
        li.appendChild(theirs);
      }
      var actions = document.createElement("div");
      actions.className = "d-flex gap-2 mt-1";
      if (record.outcome === "stale" && page.editable) {
        actions.appendChild(button(T.use_mine, "btn-outline-primary", function () { useMine(record); }));
        actions.appendChild(button(T.discard, "btn-outline-secondary", function () { forget(record); }));
      } else {
        actions.appendChild(button(T.dismiss, "btn-outline-secondary", function () { forget(record); }));
      }
      li.appendChild(actions);
      list.appendChild(li);
    });
  }

  function button(text, style, action) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "btn btn-sm " + style;
    node.textContent = text;
    node.addEventListener("click", action);
    return node;
  }

  function renderAll() {
    Object.keys(items).forEach(renderItem);
    renderTotals();
    renderNet();
    renderRejected();
  }

  // --- the queue ------------------------------------------------------------------------------------------------

  function enqueue(id, payload) {
    var change = Object.assign({ key: uuid(), sheet: SHEET, item: parseInt(id, 10), at: Date.now() }, payload);
    queue.push(change);
    renderItem(id);
    renderTotals();
    renderNet();
    // Stored once the device's queue is loaded (start), so that its sequence number follows every older change.
    return ready.then(function () {
      if (!change.seq) { seq += 1; change.seq = seq; }
      if (!db) { return sync(); } // no storage on this device: straight to the server
      return run(["meta", "changes"], "readwrite", function (transaction) {
        var meta = transaction.objectStore("meta");
        meta.get("seq").onsuccess = function (event) {
          meta.put(Math.max(event.target.result || 0, change.seq), "seq");
        };
        transaction.objectStore("changes").put(change);
      }).then(function () {
        // How many changes this page has put safely on the device (on disk: "strict" writes): what a closed
        // browser or a restarted phone keeps. The browser tests wait for it before closing the browser.
        root.dataset.storedChanges = String(parseInt(root.dataset.storedChanges || "0", 10) + 1);
        return sync();
      }, function () { problem = "storage"; renderNet(); sync(); });
    });
  }

  function forget(record) {
    rejected = rejected.filter(function (other) { return other.key !== record.key; });
    renderRejected();
    if (db) { run(["rejected"], "readwrite", function (t) { t.objectStore("rejected").delete(record.key); }); }
  }

  function useMine(record) {
    forget(record);
    var payload = {};
    VALUE_KEYS.concat(["remark"]).forEach(function (key) {
      if (record.change[key] !== undefined) { payload[key] = record.change[key]; }
    });
    enqueue(String(record.item), payload);
  }

  function merged(changes) {
    // A run of changes of one item as one: the scorer's last value and last remark.
    var out = {};
    changes.forEach(function (change) {
      if (VALUE_KEYS.some(function (key) { return change[key] !== undefined; })) {
        VALUE_KEYS.forEach(function (key) { delete out[key]; });
        VALUE_KEYS.forEach(function (key) { if (change[key] !== undefined) { out[key] = change[key]; } });
      }
      if (change.remark !== undefined) { out.remark = change.remark; }
    });
    return out;
  }

  function csrfToken() {
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function refreshToken() {
    // A page kept by the service worker may carry the token of an older login: ask the server for the page again.
    return fetch(URLS.page, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
      if (!response.ok || response.redirected) { return false; }
      return response.text().then(function (html) {
        var found = new DOMParser().parseFromString(html, "text/html").querySelector("[name=csrfmiddlewaretoken]");
        if (!found) { return false; }
        document.querySelectorAll("[name=csrfmiddlewaretoken]").forEach(function (input) { input.value = found.value; });
        return true;
      });
    });
  }

  function post(url, body, headers, retried) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json", "X-CSRFToken": csrfToken() }, headers),
      body: body
    }).then(function (response) {
      if (response.status === 403 && !retried) {
        return refreshToken().then(function (fresh) { return fresh ? post(url, body, headers, true) : response; });
      }
      return response;
    });
  }

  function failed(response) {
    // Why a request got no answer to act on; true when the loop should stop for now.
    if (response.status === 401 || response.redirected || response.status === 403) {
      problem = "login";
    } else if (response.status === 404) {
      problem = "gone";
    } else {
      problem = "status:" + response.status;
    }
    return true;
  }

  function sendChanges() {
    var batch = queue.slice(0, BATCH);
    var ahead = {};
    var body = batch.map(function (change) {
      var id = String(change.item);
      var before = ahead[id] || 0;
      ahead[id] = before + 1;
      var out = { client_id: change.key, seq: change.seq || 0, item: change.item, base: (server[id] ? server[id].version : 0) + before };
      VALUE_KEYS.concat(["remark"]).forEach(function (key) { if (change[key] !== undefined) { out[key] = change[key]; } });
      return out;
    });
    return post(URLS.sync, JSON.stringify({ changes: body }), { "Content-Type": "application/json" }).then(function (response) {
      if (!response.ok) { failed(response); return false; }
      return response.json().then(function (data) { return settle(batch, data); });
    });
  }

  function settle(batch, data) {
    var byKey = {};
    batch.forEach(function (change) { byKey[change.key] = change; });
    var done = {}, newRejected = [], progress = false, staleItems = {};
    (data.results || []).forEach(function (result) {
      var change = byKey[result.client_id];
      if (!change) { return; }
      var id = String(change.item);
      if (result.state && result.state.version !== undefined && server[id]) {
        var photos = server[id].photos;
        server[id] = pick(Object.assign({}, result.state, { photos: photos }));
      }
      if (result.outcome === "applied" || result.outcome === "duplicate") {
        done[change.key] = true;
        progress = true;
      } else if (result.outcome === "stale") {
        staleItems[id] = staleItems[id] || { result: result, changes: [] };
        staleItems[id].result = result;
      } else if (result.outcome === "refused") {
        done[change.key] = true;
        progress = true;
        newRejected.push({ key: change.key, sheet: SHEET, item: change.item, outcome: "refused", message: result.message, change: change, state: result.state });
      }
    });
    // A stale change, and every later queued change of its item (made on the same outdated view), become one entry
    // under "未保存的修改": the scorer's last value against the server's.
    Object.keys(staleItems).forEach(function (id) {
      var chain = queue.filter(function (change) { return String(change.item) === id && !done[change.key]; });
      chain.forEach(function (change) { done[change.key] = true; });
      progress = true;
      var previous = rejected.filter(function (record) { return record.key === "stale-" + id; })[0];
      var combined = merged((previous && previous.change ? [previous.change] : []).concat(chain));
      newRejected.push({ key: "stale-" + id, sheet: SHEET, item: parseInt(id, 10), outcome: "stale", message: staleItems[id].result.message, change: combined, state: staleItems[id].result.state });
    });
    queue = queue.filter(function (change) { return !done[change.key]; });
    newRejected.forEach(function (record) {
      rejected = rejected.filter(function (other) { return other.key !== record.key; });
      rejected.push(record);
    });
    problem = "";
    var saved = db ? run(["changes", "rejected", "sheets"], "readwrite", function (transaction) {
      Object.keys(done).forEach(function (key) { transaction.objectStore("changes").delete(key); });
      newRejected.forEach(function (record) { transaction.objectStore("rejected").put(record); });
      saveState(transaction);
    }) : Promise.resolve();
    return saved.then(function () {
      renderAll();
      return progress;
    });
  }

  function sendPhoto(photo) {
    var form = new FormData();
    form.append("file", photo.blob, photo.name || "photo.jpg");
    form.append("item", photo.item);
    form.append("client_id", photo.key);
    form.append("captured_at", photo.captured_at || "");
    return post(URLS.photos, form, {}).then(function (response) {
      if (response.ok || response.status === 400) {
        return response.json().then(function (data) {
          var id = String(photo.item);
          problem = "";
          photoQueue = photoQueue.filter(function (other) { return other.key !== photo.key; });
          if (localUrls[photo.key]) { URL.revokeObjectURL(localUrls[photo.key]); delete localUrls[photo.key]; }
          var record = null;
          if (data.photo && server[id]) {
            if (!server[id].photos.some(function (known) { return known.id === data.photo.id; })) {
              server[id].photos.push(data.photo);
            }
          } else {
            record = { key: photo.key, sheet: SHEET, item: photo.item, outcome: "refused", message: fill(T.photo_refused, { message: data.error || response.status }) };
            rejected.push(record);
          }
          return (db ? run(["photos", "rejected", "sheets"], "readwrite", function (transaction) {
            transaction.objectStore("photos").delete(photo.key);
            if (record) { transaction.objectStore("rejected").put(record); }
            saveState(transaction);
          }) : Promise.resolve()).then(function () { renderItem(id); renderRejected(); return true; });
        });
      }
      failed(response);
      return false;
    });
  }

  function schedule(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sync, delay);
  }

  function sync() {
    if (!started) { return Promise.resolve(); }
    if (syncing) { return syncing; }
    if (!queue.length && !photoQueue.length) { renderNet(); return Promise.resolve(); }
    if (!navigator.onLine) { renderNet(); return Promise.resolve(); }
    syncing = run_();
    renderNet();
    return syncing;
  }

  function run_() {
    var loop = function () {
      if (queue.length) {
        return sendChanges().then(function (progress) { return progress ? loop() : "stuck"; });
      }
      if (photoQueue.length) {
        return sendPhoto(photoQueue[0]).then(function (progress) { return progress ? loop() : "stuck"; });
      }
      return "done";
    };
    return Promise.resolve().then(loop).then(function (outcome) {
      syncing = null;
      if (outcome === "done") {
        retryDelay = 2000;
      } else {
        schedule(retryDelay);
        retryDelay = Math.min(retryDelay * 2, 60000);
      }
      renderAll();
    }, function () {
      // No answer at all: the network is gone (or the server is). Keep everything and try again later.
      syncing = null;
      problem = "unreachable";
      schedule(retryDelay);
      retryDelay = Math.min(retryDelay * 2, 60000);
      renderAll();
    });
  }

  // --- input ---------------------------------------------------------------------------------------------------

  function itemOf(node) {
    var holder = node.closest("[data-item]");
    return holder ? holder.dataset.item : null;
  }

  function step(id, direction) {
    var item = items[id];
    var max = cents(item.max);
    var value = cents(current(id).score);
    var next;
    if (value === null) {
      next = direction > 0 ? max : max - 50; // an unscored item starts from the top: most items are scored near it
    } else {
      next = value + direction * 50;
    }
    next = Math.max(0, Math.min(max, next));
    if (value !== null && next === value) { return; }
    enqueue(id, { score: money(next) });
  }

  root.addEventListener("click", function (event) {
    if (!page.editable) { return; }
    var target = event.target.closest("button");
    if (!target || !root.contains(target)) { return; }
    var id = itemOf(target);
    if (!id) { return; }
    if (target.dataset.step) {
      step(id, parseInt(target.dataset.step, 10));
    } else if (target.dataset.present) {
      enqueue(id, { present: target.dataset.present === "true" });
    } else if (target.dataset.level) {
      enqueue(id, { level: target.dataset.level });
    } else if (target.hasAttribute("data-clear")) {
      enqueue(id, { clear: true });
    }
  });

  root.addEventListener("change", function (event) {
    var target = event.target;
    var id = itemOf(target);
    if (!id || !page.editable) { return; }
    if (target.matches("[data-points]")) {
      enqueue(id, target.value === "" ? { clear: true } : { score: target.value });
    } else if (target.matches("[data-photo-input]")) {
      Array.prototype.forEach.call(target.files || [], function (file) { addPhoto(id, file); });
      target.value = "";
    }
  });

  var remarkTimers = {};
  root.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.matches("[data-remark]") || !page.editable) { return; }
    var id = itemOf(target);
    clearTimeout(remarkTimers[id]);
    remarkTimers[id] = setTimeout(function () { saveRemark(id, target); }, 800);
  });
  root.addEventListener("focusout", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("[data-remark]") || !page.editable) { return; }
    var id = itemOf(target);
    clearTimeout(remarkTimers[id]);
    saveRemark(id, target);
  });

  function saveRemark(id, field) {
    if (field.value !== current(id).remark) { enqueue(id, { remark: field.value }); }
  }

  // A phone photo of several MB takes minutes on one bar of signal: a large one (or a HEIC the browser can read) is
  // re-encoded here as a JPEG of at most 2560 px; the server checks and cleans it whatever happens here.
  var SHRINK_ABOVE = 1.5 * 1024 * 1024, LONGEST = 2560;

  function shrink(file) {
    var heic = /heic|heif/i.test(file.type);
    if ((file.size <= SHRINK_ABOVE && !heic) || !window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : (heic && blob) || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function addPhoto(id, file) {
    var error = card(id).querySelector("[data-photo-error]");
    error.textContent = "";
    var captured = new Date(file.lastModified || Date.now()).toISOString();
    shrink(file).then(function (blob) {
      if (!/^image\/(jpeg|png|webp)$/.test(blob.type)) { error.textContent = T.photo_type; return; }
      if (blob.size > page.photo_max_mb * 1024 * 1024) { error.textContent = fill(T.photo_size, { mb: page.photo_max_mb }); return; }
      var photo = {
        key: uuid(),
        sheet: SHEET,
        item: parseInt(id, 10),
        blob: blob,
        name: blob === file ? file.name : (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg",
        captured_at: captured,
        at: Date.now()
      };
      photoQueue.push(photo);
      renderItem(id);
      renderNet();
      ready.then(function () {
        return db ? run(["photos"], "readwrite", function (t) { t.objectStore("photos").put(photo); }) : null;
      }).then(sync, function () { problem = "storage"; renderNet(); sync(); });
    });
  }

  // "下一未评": the next unscored item below the top of the screen (or the first one), brought into view.
  var next = document.querySelector("[data-next-unscored]");
  if (next) {
    next.addEventListener("click", function () {
      var cards = Array.prototype.slice.call(root.querySelectorAll(".sheet-item.is-unscored"));
      if (!cards.length) { return; }
      var below = cards.filter(function (node) { return node.getBoundingClientRect().top > 90; })[0] || cards[0];
      below.scrollIntoView({ behavior: "smooth", block: "center" });
      below.focus({ preventScroll: true });
      below.classList.remove("is-flash");
      void below.offsetWidth;
      below.classList.add("is-flash");
    });
  }

  // Submitting: only online, with the queue empty and every item scored; the server checks again.
  var submitForm = root.querySelector("[data-submit-form]");
  if (submitForm) {
    submitForm.addEventListener("submit", function (event) {
      var say = root.querySelector("[data-submit-problem]");
      say.textContent = "";
      if (submitForm.dataset.ready === "yes") { return; }
      if (!navigator.onLine) { event.preventDefault(); say.textContent = T.submit_offline; return; }
      var left = Object.keys(items).filter(function (id) {
        var state = current(id);
        var item = items[id];
        return state.score === null || state.score === undefined || (item.kind === "presence" && state.present === null);
      }).length;
      if (left) {
        event.preventDefault();
        say.textContent = fill(T.submit_unscored, { n: left });
        if (next) { next.click(); }
        return;
      }
      if (!queue.length && !photoQueue.length) {
        if (!window.confirm(T.submit_confirm)) { event.preventDefault(); }
        return;
      }
      // Changes still queued: send them first, then submit. A form cannot be submitted again from inside its own
      // submit event (promise callbacks run before the event ends), hence the new task.
      event.preventDefault();
      sync().then(function () {
        if (queue.length || photoQueue.length) { say.textContent = problem === "" ? T.submit_pending : T.submit_offline; return; }
        setTimeout(function () {
          if (!window.confirm(T.submit_confirm)) { return; }
          submitForm.dataset.ready = "yes";
          submitForm.requestSubmit();
        }, 0);
      });
    });
  }

  window.addEventListener("online", function () { problem = ""; retryDelay = 2000; sync(); });
  window.addEventListener("offline", renderNet);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { sync(); }
  });
  setInterval(function () { if (queue.length || photoQueue.length) { sync(); } }, 20000);

  // --- the service worker: keep this page and what it needs for the next time there is no network ----------------

  // Whether this page came through the worker (then the worker has just kept it); asked before it may claim the page.
  var cameThroughWorker = !!(navigator.serviceWorker && navigator.serviceWorker.controller);

  function keepForOffline() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) { return; }
    navigator.serviceWorker.register(URLS.worker, { scope: URLS.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [];
      document.querySelectorAll("link[rel=stylesheet][href], link[rel=icon][href], script[src], img[src]").forEach(function (node) {
        var address = node.href || node.src;
        if (address && address.indexOf("blob:") !== 0 && new URL(address, location.href).origin === location.origin) { urls.push(address); }
      });
      (root.dataset.swAssets || "").split(/\s+/).forEach(function (address) { if (address) { urls.push(address); } });
      if (!cameThroughWorker) { urls.unshift(URLS.page); } // the first visit did not pass through it
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "kept" && event.data.page === URLS.page && event.data.ok) {
          root.dataset.offlineReady = "yes";
          var mark = document.querySelector("[data-offline-ready]");
          if (mark) { mark.classList.remove("d-none"); }
        }
      });
      registration.active.postMessage({ type: "keep", user: page.user, urls: urls, page: URLS.page });
    }).catch(function () { /* no worker (private mode…): the page still works online, the queue still holds */ });
  }

  // --- start: the page as rendered, the server state kept on this device if newer, then the queue on top -------

  function start() {
    return openDb().then(function (opened) {
      db = opened;
      return run(["sheets", "meta"], "readonly", function (transaction, out) {
        transaction.objectStore("sheets").get(SHEET).onsuccess = function (event) { out.kept = event.target.result; };
        transaction.objectStore("meta").get("seq").onsuccess = function (event) { out.seq = event.target.result || 0; };
      });
    }).then(function (out) {
      var kept = out.kept;
      seq = Math.max(seq, out.seq || 0);
      if (kept && kept.items) {
        Object.keys(kept.items).forEach(function (id) {
          if (!server[id]) { return; }
          var mine = kept.items[id];
          var photos = server[id].photos.slice();
          (mine.photos || []).forEach(function (photo) {
            if (!photos.some(function (known) { return known.id === photo.id; })) { photos.push(photo); }
          });
          if ((mine.version || 0) > server[id].version) { server[id] = pick(mine); }
          server[id].photos = photos;
        });
      }
      return Promise.all([all("changes"), all("photos"), all("rejected")]);
    }).then(function (found) {
      var stored = found[0].sort(function (a, b) { return (a.seq || 0) - (b.seq || 0); }).filter(function (change) { return items[String(change.item)]; });
      // Changes made while the queue was loading come after the stored ones.
      queue = stored.concat(queue);
      photoQueue = found[1].sort(function (a, b) { return a.at - b.at; }).concat(photoQueue);
      rejected = found[2];
      return run(["sheets"], "readwrite", saveState);
    }).catch(function () {
      db = null;
      problem = "storage";
    }).then(function () {
      queue.forEach(function (change) { if (!change.seq) { seq += 1; change.seq = seq; } });
      started = true;
      renderAll();
      sync();
      keepForOffline();
    });
  }

  // Ask the browser to keep this site's storage (the queue) even when the phone runs short of space.
  if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }

  ready = start();
})();
