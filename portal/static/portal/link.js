// The sign-in link's page (/my/link/<language>/#<token>). The token is after "#": browsers
// never send that part to a server, so it is in no request line, Referer or access log. Put it
// into the form, which the member's press on "Sign in" posts, and take it out of the address
// bar and this page's history entry. Without a token (a link copied without its end, a page
// opened again after that), say so and offer a new link.
(function () {
  "use strict";
  var ready = document.getElementById("link-ready");
  var missing = document.getElementById("link-missing");
  var field = document.getElementById("link-token");
  if (!ready || !missing || !field) {
    return;
  }
  var token = window.location.hash.replace(/^#/, "");
  if (token && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  if (/^[A-Za-z0-9_-]{20,100}$/.test(token)) {
    field.value = token;
    ready.hidden = false;
  } else {
    missing.hidden = false;
  }
})();
