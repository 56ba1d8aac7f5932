/*
 * The message tester without page reloads: post the send form with fetch
 * and redraw only the conversation from the JSON answer. Without this
 * script the form posts normally and the page redirects back to itself.
 */
(function () {
  "use strict";

  // Django's JavaScript catalogue (the rapidsms-jsi18n URL) defines these in
  // the page's language; without it the page still works, in English.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (all, name) { return String(values[name]); });
  };

  var form = document.getElementById("send-form");
  var conversation = document.getElementById("conversation");
  var numbers = document.getElementById("numbers-list");
  if (!form || !conversation || !window.fetch) { return; }
  var errors = document.getElementById("send-errors");
  var status = document.getElementById("send-status");
  var text = form.elements.namedItem("text");
  var button = form.querySelector("button[type=submit]");

  function showErrors(list) {
    errors.textContent = "";
    list.forEach(function (message) {
      var p = document.createElement("p");
      p.textContent = message;
      errors.appendChild(p);
    });
    errors.hidden = list.length === 0;
  }

  function errorMessages(payload) {
    var list = [];
    Object.keys(payload.errors || {}).forEach(function (field) {
      payload.errors[field].forEach(function (error) { list.push(error.message); });
    });
    return list.length ? list : [gettext("The message could not be sent.")];
  }

  function scrollToEnd() {
    var last = conversation.querySelector(".conversation li:last-child");
    if (last) { last.scrollIntoView({ block: "nearest" }); }
  }

  // One send at a time: a second click or Enter while one is on its way does nothing.
  var sending = false;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    // What is typed while the message is on its way is the next message: keep it.
    var sentText = text.value;
    button.disabled = true;
    status.textContent = gettext("Sending…");
    // form.action would be the input named "action", not the attribute.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (payload) { return { response: response, payload: payload }; });
      })
      .then(function (result) {
        var payload = result.payload;
        if (!payload.ok) {
          showErrors(errorMessages(payload));
          status.textContent = "";
          return;
        }
        showErrors([]);
        conversation.innerHTML = payload.conversation;
        if (numbers && payload.numbers) { numbers.innerHTML = payload.numbers; }
        if (payload.url && payload.url !== window.location.pathname) {
          // Another number: follow it, so the numbers list and title match.
          window.location.assign(payload.url);
          return;
        }
        if (text.value === sentText) {
          text.value = "";
          text.dispatchEvent(new Event("input"));
        }
        status.textContent = gettext("Sent.");
        scrollToEnd();
        text.focus();
      })
      .catch(function () {
        // Never post again by itself: the server may have routed the message already.
        showErrors([gettext("The server did not answer as expected. Reload the page to see what was sent.")]);
        status.textContent = "";
      })
      .finally(function () {
        sending = false;
        button.disabled = false;
      });
  });

  // A reply or a message from elsewhere came in with a live update.
  document.addEventListener("rapidsms:live-updated", function (event) {
    if (event.detail.regions.indexOf(conversation) !== -1) { scrollToEnd(); }
  });

  scrollToEnd();
})();
