// Behaviour shared by every page. No inline scripts anywhere (CSP): pages opt in with data- attributes.
(function () {
  "use strict";

  // <form data-confirm="…"> or <button data-confirm="…">: ask before a destructive act.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <input type="checkbox" data-check-all="name">: ticks or clears every checkbox of that name (select the page).
  document.addEventListener("change", function (event) {
    var name = event.target.dataset && event.target.dataset.checkAll;
    if (!name) { return; }
    document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  // htmx asks for confirmation the same way (hx-confirm uses the browser dialog already); here we only make
  // sure a failed htmx request tells the user instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "alert alert-danger position-fixed bottom-0 end-0 m-3 shadow";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = (document.documentElement.lang === "en" ? "Request failed (" : "操作失败（") + status +
      (document.documentElement.lang === "en" ? "). Please retry." : "），请稍后重试。");
  });
})();
