// Follows a roster upload while it is checked and applied, then shows the result.
// The page works without this script: a <noscript> refresh does the same, more slowly.
(function () {
  "use strict";
  var box = document.querySelector("[data-roster-status-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-roster-status-url");
  var phaseEl = box.querySelector("[data-phase]");
  var rowsEl = box.querySelector("[data-rows-done]");
  var lang = document.documentElement.lang || undefined;
  var POLL_MS = 1000;

  function show(data) {
    var phase = data.phase || data.status;
    var label = phase && box.getAttribute("data-phase-" + phase);
    if (label && phaseEl) {
      phaseEl.textContent = label;
    }
    if (rowsEl && typeof data.rows_done === "number") {
      rowsEl.textContent = data.rows_done.toLocaleString(lang);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (!data.running) {
          window.location.reload();
          return;
        }
        show(data);
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        // A network hiccup or a restart of the server: slow down, keep trying.
        window.setTimeout(poll, POLL_MS * 5);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
