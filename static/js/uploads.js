// Uploads that respect a village connection (no inline script under CSP: the rules come in a JSON block,
// #upload-rules, written by archives.forms.upload_rules from the server's own limits).
// Before a byte is sent, each chosen file is checked against the accepted types and the per-type size limits:
// a 52 MB PDF or an .exe is refused at once, saying why. The server still decides, by content.
// A refusal stays on screen until the user dismisses it; the page reloads only when every file was accepted.
// A form with [data-upload] keeps working without JavaScript; with it, each file goes up on its own request so
// one refused file does not hold back the others. Replace-a-version forms ([data-replace]) get the same checks.
(function () {
  "use strict";
  var source = document.getElementById("upload-rules");
  if (!source) { return; }
  var rules = JSON.parse(source.textContent);
  var text = rules.messages;
  var largest = rules.kinds.reduce(function (most, kind) { return Math.max(most, kind.max_bytes); }, 0);

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return values[key]; });
  }

  function kindOf(file) {
    var dot = file.name.lastIndexOf(".");
    var extension = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    var type = (file.type || "").toLowerCase();
    var byExtension = null;
    var byType = null;
    rules.kinds.forEach(function (kind) {
      if (extension && !byExtension && kind.extensions.indexOf(extension) >= 0) { byExtension = kind; }
      if (type && !byType && kind.types.indexOf(type) >= 0) { byType = kind; }
    });
    // A file with neither a name nor a type we can read (rare) goes to the server, which looks at its content.
    return { kind: byExtension || byType, unreadable: !extension && !type };
  }

  // The reason a file is refused before sending, or "" when it may go.
  function refusal(file) {
    if (file.size === 0) { return text.empty; }
    var found = kindOf(file);
    if (!found.kind && !found.unreadable) { return text.type; }
    var limit = found.kind ? found.kind.max_bytes : largest;
    if (file.size > limit) {
      var size = (file.size / 1048576).toFixed(1);
      return found.kind
        ? format(text.size, { kind: found.kind.label, limit: found.kind.max_mb, size: size })
        : format(text.size_any, { limit: Math.round(largest / 1048576), size: size });
    }
    return "";
  }

  function closeButton(target) {
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close flex-shrink-0";
    close.setAttribute("aria-label", text.dismiss);
    close.addEventListener("click", function () { target.remove(); });
    return close;
  }

  // A line that stays until dismissed: a refused file, or what is missing.
  function dismissible(element, lines, className) {
    element.classList.add("d-flex", "justify-content-between", "align-items-start", "gap-2");
    element.setAttribute("data-refusal", "");
    var body = document.createElement("div");
    lines.forEach(function (line) {
      var part = document.createElement("div");
      part.textContent = line[0];
      if (line[1]) { part.className = line[1]; }
      body.appendChild(part);
    });
    element.className += " " + className;
    element.appendChild(body);
    element.appendChild(closeButton(element));
    return element;
  }

  // ---- the upload form: several files, one request each ----
  var form = document.querySelector("form[data-upload]");
  if (form && window.FormData && window.XMLHttpRequest) {
    var input = form.querySelector("input[type=file][name=files]");
    var zone = form.querySelector("[data-drop-zone]");
    var list = form.querySelector("[data-upload-list]");
    var submit = form.querySelector("button[type=submit]");
    var pending = [];

    var listItem = function () {
      var item = document.createElement("li");
      item.className = "list-group-item small";
      list.appendChild(item);
      return item;
    };

    var refusedRow = function (name, reason) {
      dismissible(listItem(), [[name, ""], [format(text.refused, { reason: reason }), "text-danger"]], "");
    };

    var say = function (message, tone) {
      list.querySelectorAll("[data-upload-note]").forEach(function (old) { old.remove(); });
      var item = dismissible(listItem(), [[message, tone]], "");
      item.setAttribute("data-upload-note", "");
      return item;
    };

    var progressRow = function (file) {
      var item = listItem();
      var name = document.createElement("div");
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.className = "app-progress";
      bar.max = 100;
      bar.value = 0;
      var note = document.createElement("div");
      note.className = "text-body-secondary";
      item.appendChild(name); item.appendChild(bar); item.appendChild(note);
      return { item: item, bar: bar, note: note };
    };

    var send = function (file) {
      return new Promise(function (resolve) {
        var ui = progressRow(file);
        var data = new FormData(form);
        data.delete("files");
        data.append("files", file, file.name);
        var xhr = new XMLHttpRequest();
        var refuse = function (reason) {
          ui.item.remove();
          refusedRow(file.name, reason);
          resolve(false);
        };
        xhr.open("POST", form.action);
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) { ui.bar.value = Math.round(100 * event.loaded / event.total); }
        };
        xhr.onload = function () {
          var result = {};
          try { result = JSON.parse(xhr.responseText); } catch (error) { result = {}; }
          if (xhr.status === 200 && result.accepted && result.accepted.length) {
            ui.bar.value = 100; ui.bar.classList.add("done");
            ui.note.textContent = text.uploaded;
            ui.note.className = "text-success";
            resolve(true);
          } else {
            refuse((result.rejected && result.rejected[0] && result.rejected[0][1]) || result.error || xhr.status);
          }
        };
        xhr.onerror = function () { refuse(text.network); };
        xhr.send(data);
      });
    };

    var clearChoice = function () {
      pending = [];
      input.value = "";
      if (zone) { zone.querySelector("[data-drop-count]").textContent = ""; }
    };

    var uploadAll = function (files, refusedBefore) {
      submit.disabled = true;
      var accepted = 0;
      var chain = Promise.resolve();
      files.forEach(function (file) {
        chain = chain.then(function () { return send(file); }).then(function (ok) { if (ok) { accepted += 1; } });
      });
      chain.then(function () {
        submit.disabled = false;
        if (accepted === files.length && !refusedBefore) {
          window.setTimeout(function () { window.location.reload(); }, 800);
          return;
        }
        if (accepted) {  // keep the refusals on screen; the new materials show after a reload the user asks for
          var note = say(format(text.partial, { count: accepted }), "");
          var again = document.createElement("button");
          again.type = "button";
          again.className = "btn btn-sm btn-outline-primary mt-1";
          again.textContent = text.reload;
          again.addEventListener("click", function () { window.location.reload(); });
          note.firstChild.appendChild(again);
        }
      });
    };

    form.addEventListener("submit", function (event) {
      var files = pending.length ? pending.slice() : Array.prototype.slice.call(input.files);
      var link = form.querySelector("[name=link]");
      var hasLink = link && link.value.trim();
      if (!files.length && !hasLink) {
        event.preventDefault();
        say(text.missing, "text-danger");
        return;
      }
      list.querySelectorAll("[data-upload-note]").forEach(function (old) { old.remove(); });  // said before: stale now
      var allowed = files.filter(function (file) {
        var reason = refusal(file);
        if (reason) { refusedRow(file.name, reason); }
        return !reason;
      });
      var refused = files.length - allowed.length;
      if (hasLink) {  // a video link goes with the plain form, files and all: never with a refused file
        if (refused) { event.preventDefault(); clearChoice(); }
        return;
      }
      event.preventDefault();
      clearChoice();
      if (allowed.length) { uploadAll(allowed, refused); }
    });
    input.addEventListener("change", function () { pending = []; });
    if (zone) {
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("drop-active"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.remove("drop-active"); });
      });
      zone.addEventListener("drop", function (event) {
        pending = Array.prototype.slice.call(event.dataTransfer.files);
        zone.querySelector("[data-drop-count]").textContent = format(text.dropped, { count: pending.length });
      });
    }
  }

  // ---- replace a version: one file, posted normally once it passes the checks ----
  document.querySelectorAll("form[data-replace]").forEach(function (replace) {
    replace.noValidate = true;  // our message, in the page's words, rather than the browser's bubble
    replace.addEventListener("submit", function (event) {
      var field = replace.querySelector("input[type=file]");
      var file = field.files[0];
      var reason = file ? refusal(file) : text.missing_version;
      var old = replace.parentNode.querySelector("[data-replace-refusal='" + replace.action + "']");
      if (old) { old.remove(); }
      if (!reason) { return; }
      event.preventDefault();
      if (file) { field.value = ""; }
      var lines = file ? [[file.name, ""], [format(text.refused, { reason: reason }), ""]] : [[reason, ""]];
      var box = dismissible(document.createElement("div"), lines, "alert alert-danger small py-1 px-2 mb-0");
      box.setAttribute("role", "alert");
      box.setAttribute("data-replace-refusal", replace.action);
      replace.insertAdjacentElement("afterend", box);
    });
  });
})();
