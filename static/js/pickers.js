// Searchable pickers (core/widgets.py): every <select data-picker> becomes a Tom Select.
// With data-picker-url the options are searched on the server (within the user's data scope); a tree
// picker indents its regions by depth and shows their full path while searching. No inline script (CSP).
(function () {
  "use strict";
  if (!window.TomSelect) { return; }
  var en = document.documentElement.lang === "en";
  var words = en
    ? { none: "Nothing found", loading: "Searching…", more: "Type more to narrow the list", add: "Add" }
    : { none: "没有找到", loading: "正在查找…", more: "结果较多，请输入更多文字缩小范围", add: "添加" };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function setup(select) {
    if (select.tomselect || select.dataset.pickerReady) { return; }
    select.dataset.pickerReady = "1";
    var url = select.dataset.pickerUrl;
    var tree = select.dataset.picker === "tree";
    var options = {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxOptions: 200,
      allowEmptyOption: !select.multiple,
      placeholder: select.dataset.placeholder || "",
      plugins: select.multiple ? ["remove_button"] : [],
      closeAfterSelect: !select.multiple,
      hidePlaceholder: true,
      render: {
        no_results: function () { return '<div class="no-results">' + words.none + "</div>"; },
        loading: function () { return '<div class="spinner-border spinner-border-sm m-2" role="status"></div>'; },
        option: function (data, escape) {
          var searching = this.lastQuery && this.lastQuery.length > 0;
          var depth = tree && !searching ? Math.max(0, parseInt(data.depth || "0", 10) - 1) : 0;
          var label = tree && !searching && data.short ? data.short : data.text;
          return '<div class="picker-option picker-depth-' + Math.min(depth, 4) + '">' + escape(label) + "</div>";
        },
        item: function (data, escape) { return "<div>" + escape(data.text) + "</div>"; },
      },
    };
    if (url) {
      options.load = function (query, callback) {
        var separator = url.indexOf("?") === -1 ? "?" : "&";
        fetch(url + separator + "q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (json) { callback(json.results || []); })
          .catch(function () { callback(); });
      };
      options.shouldLoad = function (query) { return query.length >= 1; };
      options.loadThrottle = 250;
      if (!tree) { options.preload = "focus"; options.shouldLoad = function () { return true; }; }
    }
    return new window.TomSelect(select, options);  // it points the field's <label> at its search box
  }

  function setupAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-picker]"), setup);
  }

  document.addEventListener("DOMContentLoaded", function () { setupAll(document); });
  document.addEventListener("htmx:load", function (event) { setupAll(event.target); });
  window.appPickers = { setup: setup, setupAll: setupAll, escapeHtml: escapeHtml };
})();
