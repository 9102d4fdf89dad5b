// "Copy the link" on the patient page: shown only where the clipboard can be written; without
// script the link stays selectable in its read-only field.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });
})();
