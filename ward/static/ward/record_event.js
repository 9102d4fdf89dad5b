// The record-event page: typing a time means "at this time", so choose that option, and the time
// typed is never silently ignored (the server refuses "Now" with a changed time too).
(function () {
  "use strict";
  var form = document.getElementById("record-event");
  if (!form) return;
  var at = document.getElementById(form.dataset.atField);
  if (!at) return;
  var radios = form.querySelectorAll('input[name="' + form.dataset.whenField + '"]');

  function choose(value) {
    radios.forEach(function (radio) { if (radio.value === value) radio.checked = true; });
  }
  function untouched() {
    return Array.prototype.every.call(radios, function (radio) { return radio.checked === radio.defaultChecked; });
  }

  // A time typed before this script ran (a slow tablet) counts as well.
  if (at.value !== at.defaultValue && untouched()) choose("at");
  at.addEventListener("input", function () { choose("at"); });
  at.addEventListener("change", function () { choose("at"); });
  // "Now" chosen after typing a time: put the offered time back, so what is sent is what is shown.
  radios.forEach(function (radio) {
    if (radio.value !== "now") return;
    radio.addEventListener("change", function () { if (radio.checked) at.value = at.defaultValue; });
  });
})();
