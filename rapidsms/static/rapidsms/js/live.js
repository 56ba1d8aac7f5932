/*
 * Live pages: every element marked data-live is redrawn every second from
 * the page's own address, asked with the X-RapidSMS-Live header (the server
 * answers {"regions": {id: html}}). The answer's ETag is sent back as
 * If-None-Match, so a page that has not changed answers an empty 304
 * without drawing anything. Nothing else on the page is touched, so forms
 * keep what is typed in them. A hidden tab does not ask; a failed request
 * is tried again, more slowly, and said on the page.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };

  // A message from elsewhere shows within about a second of being stored.
  var INTERVAL = 1000;
  var SLOWEST = 30000;
  var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live][id]"));
  if (!regions.length || !window.fetch) { return; }

  var last = {};
  var version = null;  // the ETag of the regions last drawn
  var delay = INTERVAL;
  var timer = null;
  var notice = document.createElement("p");
  notice.className = "hint live-notice";
  notice.setAttribute("role", "status");
  regions[0].parentNode.insertBefore(notice, regions[0]);

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, delay);
  }

  function apply(payload) {
    var changed = [];
    regions.forEach(function (region) {
      var html = (payload.regions || {})[region.id];
      if (typeof html !== "string" || html === last[region.id]) { return; }
      last[region.id] = html;
      region.innerHTML = html;
      changed.push(region);
    });
    if (changed.length) {
      document.dispatchEvent(new CustomEvent("rapidsms:live-updated", { detail: { regions: changed } }));
    }
  }

  function update() {
    if (document.hidden) { schedule(); return; }
    var headers = { "Accept": "application/json", "X-RapidSMS-Live": "1" };
    if (version) { headers["If-None-Match"] = version; }
    fetch(window.location.href, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 304) { return null; }  // nothing new
        if (!response.ok) { throw new Error(String(response.status)); }
        version = response.headers.get("ETag");
        return response.json();
      })
      .then(function (payload) {
        if (payload) { apply(payload); }
        notice.textContent = "";
        delay = INTERVAL;
      })
      .catch(function () {
        notice.textContent = gettext("Live updates paused: the server did not answer. Trying again…");
        delay = Math.min(delay * 2, SLOWEST);
      })
      .finally(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { delay = INTERVAL; update(); }
  });
  window.rapidsmsLiveUpdate = update;
  update();
})();
