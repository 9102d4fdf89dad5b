// The patient chart is read once (nurses type into its forms, so it never reloads by itself). Once
// the page is a while old, the line saying when it was read says how long ago, in the warning colour,
// so that an open tablet's times and statuses are never taken for current ones.
(function () {
  "use strict";
  var line = document.getElementById("shown-at");
  if (!line) return;
  var shownAt = Date.parse(line.dataset.shownAt);
  var age = line.querySelector(".age");
  var OLD_AFTER_MINUTES = 2;

  function tick() {
    var minutes = Math.floor((Date.now() - shownAt) / 60000);
    if (isNaN(minutes) || minutes < OLD_AFTER_MINUTES) return;
    age.textContent = ", " + line.dataset.ageWords.replace("{minutes}", minutes);
    age.hidden = false;
    line.classList.add("stale");
  }

  tick();
  setInterval(tick, 15000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) tick(); });
})();
