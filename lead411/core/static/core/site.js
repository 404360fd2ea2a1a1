// Progressive enhancement only: every control also works without JavaScript.
// Kept in a static file so a Content-Security-Policy without 'unsafe-inline' holds.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Changing the sort order submits its form, so the separate button can be hidden.
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("[data-autosubmit-button]");
    if (button) { button.hidden = true; }
  });
});
