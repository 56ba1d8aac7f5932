/* The messaging page: count the ticked recipients and tick a whole page at once. */
(function () {
  "use strict";

  var boxes = Array.from(document.querySelectorAll("input[name=connections]"));
  var count = document.getElementById("selected-count");
  var selectPage = document.getElementById("select-page");

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (count) { count.textContent = ticked ? ticked + " selected on this page" : ""; }
    if (selectPage) {
      selectPage.textContent = ticked === boxes.length ? "Clear this page" : "Select all on this page";
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
