/* The idle time-out's warning. The server signs a person out after the idle limit
   (accounts/middleware.py); two minutes before, this asks "Are you still there?". Staying
   signed in is one request; when the limit passes, the page reloads to the sign-in page, so a
   record is not left on an unattended screen. Any request (page, htmx) counts as activity. */
(function () {
  "use strict";
  var limit = parseInt(document.body.getAttribute("data-idle-seconds") || "0", 10);
  var dialog = document.getElementById("idle-warning");
  if (!limit || !dialog) { return; }
  var warnBefore = Math.min(120, Math.floor(limit / 3));
  var warnTimer, endTimer;

  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    warnTimer = setTimeout(function () {
      if (typeof dialog.showModal === "function" && !dialog.open) { dialog.showModal(); }
    }, (limit - warnBefore) * 1000);
    endTimer = setTimeout(function () { window.location.reload(); }, (limit + 5) * 1000);
  }

  dialog.querySelector("form[data-keepalive]").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 204) { dialog.close(); schedule(); } else { window.location.reload(); }
      }, function () { window.location.reload(); });
  });
  document.body.addEventListener("htmx:afterRequest", schedule);
  schedule();
})();
