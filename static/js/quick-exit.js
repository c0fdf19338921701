// Quick exit: someone reading on a watched or shared device must be able to leave at once.
// The link works without this script (it is an ordinary link to a neutral site); the script
// blanks the page before the next one arrives and replaces this page in the history, so the
// back button does not bring it back. Escape pressed twice within a second does the same.
// Either way it first empties this site's storage in the browser: the only things kept there
// are drafts (drafts.js), and nobody looking at the device later should find a half-written
// testimony. This script runs on every page, so drafts go even where no composer is.
(function () {
  "use strict";
  var ESCAPE_WINDOW_MS = 1000;
  var lastEscape = 0;

  function forgetStorage() {
    ["localStorage", "sessionStorage"].forEach(function (name) {
      try {
        window[name].clear();
      } catch (error) {
        // Storage turned off or refused: there is nothing kept to clear.
      }
    });
  }

  function leave(link) {
    forgetStorage();
    document.title = "";
    if (document.body) {
      document.body.hidden = true;
    }
    window.location.replace(link.href);
  }

  function exitLink() {
    return document.getElementById("quick-exit");
  }

  document.addEventListener("click", function (event) {
    var link = exitLink();
    if (link && event.target instanceof Node && link.contains(event.target)) {
      event.preventDefault();
      leave(link);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = Date.now();
    var link = exitLink();
    if (link && now - lastEscape <= ESCAPE_WINDOW_MS) {
      lastEscape = 0;
      leave(link);
      return;
    }
    lastEscape = now;
  });
})();
