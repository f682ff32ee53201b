// Multi-file upload with drag and drop and a progress bar per file (no inline script under CSP).
// A form with [data-upload] keeps working without JavaScript; with it, each file goes up on its own
// request so one refused file does not hold back the others, and the page shows why it was refused.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file][name=files]");
  var zone = form.querySelector("[data-drop-zone]");
  var list = form.querySelector("[data-upload-list]");
  var en = document.documentElement.lang === "en";
  var pending = [];

  function row(file) {
    var item = document.createElement("li");
    item.className = "list-group-item small";
    var name = document.createElement("div");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.className = "app-progress";
    bar.max = 100;
    bar.value = 0;
    var note = document.createElement("div");
    note.className = "text-body-secondary";
    item.appendChild(name); item.appendChild(bar); item.appendChild(note);
    list.appendChild(item);
    return { bar: bar, note: note };
  }

  function send(file) {
    return new Promise(function (resolve) {
      var ui = row(file);
      var data = new FormData(form);
      data.delete("files");
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
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
          ui.note.textContent = en ? "Uploaded" : "已上传";
          ui.note.className = "text-success";
        } else {
          var reason = (result.rejected && result.rejected[0] && result.rejected[0][1]) || (result.error || xhr.status);
          ui.note.textContent = (en ? "Not uploaded: " : "未上传：") + reason;
          ui.note.className = "text-danger";
        }
        resolve();
      };
      xhr.onerror = function () {
        ui.note.textContent = en ? "Network error, please retry" : "网络错误，请重试";
        ui.note.className = "text-danger";
        resolve();
      };
      xhr.send(data);
    });
  }

  function uploadAll(files) {
    if (!files.length) { return; }
    var submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (file) { chain = chain.then(function () { return send(file); }); });
    chain.then(function () { window.setTimeout(function () { window.location.reload(); }, 1200); });
  }

  form.addEventListener("submit", function (event) {
    var link = form.querySelector("[name=link]");
    if (link && link.value) { return; }  // a video link goes with the plain form, files and all
    event.preventDefault();
    uploadAll(pending.length ? pending : input.files);
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
      zone.querySelector("[data-drop-count]").textContent = pending.length + (en ? " file(s) ready" : " 个文件待上传");
    });
  }
})();
