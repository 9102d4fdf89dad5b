// The record-event page: typing a time means "at this time", so choose that option, and the time
// typed is never silently ignored.
(function () {
  "use strict";
  var form = document.getElementById("record-event");
  if (!form) return;
  var at = document.getElementById(form.dataset.atField);
  if (!at) return;
  at.addEventListener("input", function () {
    var choice = form.querySelector('input[name="' + form.dataset.whenField + '"][value="at"]');
    if (choice) choice.checked = true;
  });
})();
