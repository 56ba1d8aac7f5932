/*
 * Live pages: every element marked data-live is redrawn every two seconds
 * from the page's own address, asked with the X-RapidSMS-Live header (the
 * server answers {"regions": {id: html}}). Nothing else on the page is
 * touched, so forms keep what is typed in them. A hidden tab does not ask;
 * a failed request is tried again, more slowly, and said on the page.
 */
(function () {
  "use strict";

  var gettext = window.gettext || function (text) { return text; };

  var INTERVAL = 2000;
  var SLOWEST = 30000;
  var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live][id]"));
  if (!regions.length || !window.fetch) { return; }

  var last = {};
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
    fetch(window.location.href, {
      headers: { "Accept": "application/json", "X-RapidSMS-Live": "1" },
      credentials: "same-origin",
      cache: "no-store"
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (payload) {
        apply(payload);
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
