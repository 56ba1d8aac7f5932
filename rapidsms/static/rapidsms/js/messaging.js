/* The messaging page: count the ticked recipients and tick a whole page at once. */
(function () {
  "use strict";

  // Django's JavaScript catalogue (the rapidsms-jsi18n URL) defines these in
  // the page's language; without it the page still works, in English.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  };

  var boxes = Array.from(document.querySelectorAll("input[name=connections]"));
  var count = document.getElementById("selected-count");
  var selectPage = document.getElementById("select-page");

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (count) {
      count.textContent = ticked ? interpolate(
        ngettext("%(count)s selected on this page", "%(count)s selected on this page", ticked),
        { count: ticked }, true) : "";
    }
    if (selectPage) {
      selectPage.textContent = ticked === boxes.length
        ? gettext("Clear this page") : gettext("Select all on this page");
    }
  }

  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (selectPage && boxes.length) {
    selectPage.hidden = false;
    selectPage.addEventListener("click", function () {
      var all = boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !all; });
      update();
    });
  }
  update();
})();
