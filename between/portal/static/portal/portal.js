/* The family portal's small behaviours (no inline script: the Content Security Policy forbids it).
   - A tap that does not reach us keeps its form, with the same key: tapping again is safe.
   - After htmx replaces a card, focus moves to its heading so screen readers hear the result. */
(function () {
  "use strict";
  var lang = document.documentElement.lang === "es" ? "es" : "en";
  var offline = {
    en: "No connection. Please tap again: it will be saved only once.",
    es: "No hay conexión. Toque otra vez: se guardará una sola vez."
  };
  var failed = {
    en: "Something went wrong. Please try again.",
    es: "Algo salió mal. Por favor, intente otra vez."
  };

  function say(form, text) {
    var card = form && form.closest(".practice");
    var status = card && card.querySelector(".card-status");
    if (status) {
      status.innerHTML = "";
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = text;
      status.appendChild(p);
    }
  }

  document.addEventListener("htmx:sendError", function (event) {
    say(event.detail.elt, offline[lang]);
  });
  document.addEventListener("htmx:timeout", function (event) {
    say(event.detail.elt, offline[lang]);
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422 && event.detail.xhr.responseText) {
      return; // the card with its message is swapped in (see htmx:beforeSwap below)
    }
    say(event.detail.elt, failed[lang]);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // A refused form (422) comes back as the card with its messages: show it.
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var heading = event.detail.target && document.getElementById(event.detail.target.id + "-title");
    if (!heading) {
      var card = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest(".practice");
      heading = card && card.querySelector("h2");
    }
    if (heading) { heading.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("button[data-print]")) { window.print(); }
  });
})();
