// The ward board's live part: fetch the server-rendered rows every few seconds, and move the
// countdowns on every second in between. The server stays the judge of what is due or overdue;
// this script only repeats its formats (ward/templatetags/ward_time.py), keep the two in step.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) return;
  var status = document.getElementById("live-status");
  var alert = document.getElementById("live-alert");
  var clock = document.getElementById("ward-clock");
  var words = JSON.parse(document.getElementById("countdown-words").textContent);
  var pollMs = 1000 * Number(live.dataset.pollSeconds || 5);
  var timeOfDay = new Intl.DateTimeFormat("en-GB", {
    timeZone: live.dataset.zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  var lastSuccess = new Date();
  var inFlight = false;

  function duration(ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    var minutes = Math.floor(seconds / 60), hours = Math.floor(seconds / 3600), days = Math.floor(seconds / 86400);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (seconds < 60) return seconds + " " + words.s;
    if (seconds < 600) return minutes + " " + words.min + " " + pad(seconds % 60) + " " + words.s;
    if (hours < 1) return minutes + " " + words.min;
    if (days < 1) return hours + " " + words.h + " " + pad(minutes % 60) + " " + words.min;
    return days + " " + words.d + " " + (hours % 24) + " " + words.h;
  }

  function tick() {
    var now = Date.now();
    live.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      el.textContent = (ms >= 0 ? words.in : words.ago).replace("%(duration)s", duration(ms));
    });
    live.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = duration(Math.max(0, now - Date.parse(el.dataset.since)));
    });
    live.querySelectorAll("progress[data-from]").forEach(function (bar) {
      var from = Date.parse(bar.dataset.from), to = Date.parse(bar.dataset.to);
      if (bar.value >= 100 || !(to > from)) return;
      var percent = Math.max(0, Math.min(100, Math.floor((100 * (now - from)) / (to - from))));
      bar.value = percent;
      var label = bar.parentNode.querySelector("[data-percent]");
      if (label) label.textContent = percent;
    });
    if (clock) clock.textContent = timeOfDay.format(now).slice(0, 5);
  }

  function say(template, stale) {
    var text = template.replace("%(time)s", timeOfDay.format(lastSuccess));
    // Screen readers hear only a change between fresh and stale, not every refresh.
    if (stale !== status.classList.contains("stale")) alert.textContent = text;
    status.textContent = text;
    status.classList.toggle("stale", stale);
  }

  function poll() {
    if (inFlight) return;
    inFlight = true;
    fetch(live.dataset.url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        // Logged out (the session ended): reload, which leads to the log-in page.
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.reload();
          return;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) {
          var focusedId = document.activeElement && live.contains(document.activeElement) && document.activeElement.id;
          live.innerHTML = html;
          // Keyboard users keep their place across refreshes.
          if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
          lastSuccess = new Date();
          tick();
          say(live.dataset.updated, false);
        });
      })
      .catch(function () { say(live.dataset.stale, true); })
      .finally(function () { inFlight = false; });
  }

  setInterval(tick, 1000);
  setInterval(poll, pollMs);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  tick();
})();
