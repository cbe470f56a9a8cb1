/* Small behaviours without inline script (the Content Security Policy forbids it). */
(function () {
  "use strict";

  function copyFrom(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!target) { return; }
    var done = function () {
      if (status) { status.textContent = status.getAttribute("data-copied") || "Copied."; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(target.value || target.textContent).then(done, function () {
        target.select(); document.execCommand("copy"); done();
      });
    } else {
      target.select(); document.execCommand("copy"); done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (button) { copyFrom(button); return; }
    if (event.target.closest("button[data-print]")) { window.print(); }
  });
})();
