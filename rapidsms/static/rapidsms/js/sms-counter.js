/*
 * Live character and SMS segment counter for text areas.
 *
 * Mark a text area with data-sms-counter="ID", where ID is the element that
 * shows the count. The counting follows rapidsms.backends.encoding: GSM-7
 * text takes 160 septets in one SMS or 153 per part (extension characters
 * such as € and [ cost two and are never split), anything else goes as
 * UCS-2: 70 UTF-16 units in one SMS or 67 per part (an emoji costs two).
 * The server checks the text again; this only helps people write.
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

  var BASIC =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "\f^{}\\[~]|€";

  function isGsm7(chars) {
    return chars.every(function (c) {
      return BASIC.indexOf(c) !== -1 || EXTENDED.indexOf(c) !== -1;
    });
  }

  function cost(c, gsm) {
    if (gsm) { return EXTENDED.indexOf(c) !== -1 ? 2 : 1; }
    return c.length;  // a character outside the BMP is two UTF-16 units
  }

  function count(text) {
    var chars = Array.from(text);
    var gsm = isGsm7(chars);
    var single = gsm ? 160 : 70;
    var part = gsm ? 153 : 67;
    var units = 0;
    chars.forEach(function (c) { units += cost(c, gsm); });
    var segments = 0;
    if (units > single) {
      var used = 0;
      segments = 1;
      chars.forEach(function (c) {
        var n = cost(c, gsm);
        if (used + n > part) { segments += 1; used = 0; }
        used += n;
      });
    } else if (units > 0) {
      segments = 1;
    }
    return { characters: chars.length, units: units, segments: segments, gsm: gsm };
  }

  function describe(result, maxLength) {
    var parts = [
      interpolate(ngettext("%(count)s character", "%(count)s characters", result.characters),
                  { count: result.characters }, true),
      interpolate(ngettext("%(count)s SMS", "%(count)s SMS", result.segments),
                  { count: result.segments }, true),
      result.gsm ? "GSM-7" : gettext("UCS-2 (Unicode)")
    ];
    var text = parts.join(" · ");
    if (maxLength && result.characters > maxLength) {
      text += " · " + interpolate(
        ngettext("too long: at most %(count)s character", "too long: at most %(count)s characters",
                 maxLength), { count: maxLength }, true);
    }
    return text;
  }

  function attach(area) {
    var output = document.getElementById(area.getAttribute("data-sms-counter"));
    if (!output) { return; }
    var maxLength = parseInt(area.getAttribute("data-max-length") || "0", 10);
    function update() {
      var result = count(area.value);
      output.textContent = describe(result, maxLength);
      output.classList.toggle("over", Boolean(maxLength && result.characters > maxLength));
    }
    area.addEventListener("input", update);
    update();
  }

  window.rapidsmsSmsCount = count;
  document.querySelectorAll("textarea[data-sms-counter]").forEach(attach);
})();
