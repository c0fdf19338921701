// The profile's time zone: a person who never chose one has UTC, which is rarely where
// they are. Where the page marks the field so, this preselects the zone the browser reports
// (it is only a suggestion: nothing is saved until the person saves the form). Without
// this script the field simply stays as it was.
(function () {
  "use strict";

  function preselect() {
    var select = document.querySelector("select[data-preselect-browser-zone]");
    if (!select || !window.Intl || !Intl.DateTimeFormat) {
      return;
    }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) {
      return;
    }
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === zone) {
        select.value = zone;
        return;
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", preselect);
  } else {
    preselect();
  }
})();
