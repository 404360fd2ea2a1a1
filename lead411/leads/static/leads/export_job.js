// The export page's progress bar: asks for the job's progress every 1.5 s until the file
// is ready or the job failed, then shows the download link. Without JavaScript the page
// shows the same state on reload. Kept in a static file for the Content-Security-Policy.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("export-job");
  if (!box || !box.dataset.progressUrl) { return; }
  var bar = document.getElementById("export-progress");
  var download = document.getElementById("export-download");
  var refresh = document.getElementById("export-refresh");
  var number = new Intl.NumberFormat("en-US");
  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }
  function show(data) {
    box.dataset.status = data.status;
    if (bar) { bar.max = Math.max(data.total, 1); bar.value = data.processed; }
    if (field("processed")) { field("processed").textContent = number.format(data.processed); }
    if (field("total")) { field("total").textContent = number.format(data.total); }
    if (field("status_label")) { field("status_label").textContent = data.status_label; }
    if (data.download_url && download) {
      download.hidden = false;
      if (refresh) { refresh.hidden = true; }
    }
    if (data.status === "failed" || data.status === "expired") { window.location.reload(); }
  }
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (data.status === "queued" || data.status === "running") { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") { poll(); }
});
