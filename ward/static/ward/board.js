// The ward board's live part: fetch the server-rendered rows every few seconds, and move the
// countdowns on every second in between. The server stays the judge of what is due or overdue;
// this script only repeats its formats (ward/templatetags/ward_time.py), keep the two in step.
// It also keeps the red-flag list and the page title current, tells of a new red flag (title,
// and if the nurse switched them on, a sound and a browser notification), and says so plainly
// when the board could not be refreshed: stale data must never pass for current.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) return;
  var status = document.getElementById("live-status");
  var alert = document.getElementById("live-alert");
  var banner = document.getElementById("stale-banner");
  var flags = document.getElementById("red-flags");
  var clock = document.getElementById("ward-clock");
  var words = JSON.parse(document.getElementById("countdown-words").textContent);
  var pollMs = 1000 * Number(live.dataset.pollSeconds || 5);
  // A refresh that has not answered by then counts as failed: a hung connection is no better.
  var timeoutMs = Math.min(8000, 2 * pollMs);
  // Past this without a good refresh the board is stale, even if no request has failed yet.
  var staleAfterMs = 15000;
  var timeOfDay = new Intl.DateTimeFormat("en-GB", {
    timeZone: live.dataset.zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  var lastSuccess = new Date();
  var inFlight = false;
  var stale = false;
  var flagCount = 0;
  var flashTimer = null;
  var seenFlags = signatureIds(flags.dataset.signature);

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
    if (!stale && now - lastSuccess.getTime() > staleAfterMs) markStale();
    // A stale board's countdowns stop where they are, greyed: moving them on would look current.
    if (!stale) {
      document.querySelectorAll("#board-live [data-countdown], #red-flags [data-countdown]").forEach(function (el) {
        var ms = Date.parse(el.getAttribute("datetime")) - now;
        el.textContent = (ms >= 0 ? words.in : words.ago).replace("%(duration)s", duration(ms));
      });
      document.querySelectorAll("#board-live [data-since], #red-flags [data-since]").forEach(function (el) {
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
    }
    if (clock) clock.textContent = timeOfDay.format(now).slice(0, 5);
  }

  function lastTime() { return timeOfDay.format(lastSuccess).slice(0, 5); }

  function titleText() {
    var title = live.dataset.title;
    if (flagCount > 0) title = "(" + flagCount + ") " + title;
    if (stale) title = "⚠ " + live.dataset.staleTitle + " " + lastTime() + " · " + title;
    return title;
  }
  function setTitle() { document.title = titleText(); }

  function say(template, isStale) {
    var text = template.replace("%(time)s", timeOfDay.format(lastSuccess));
    // Screen readers hear only a change between fresh and stale, not every refresh.
    if (isStale !== status.classList.contains("stale")) alert.textContent = text;
    status.textContent = text;
    status.classList.toggle("stale", isStale);
  }

  function markStale() {
    stale = true;
    document.body.classList.add("board-stale");
    banner.textContent = "⚠ " + live.dataset.staleBanner.replace("%(time)s", lastTime());
    say(live.dataset.stale, true);
    setTitle();
  }

  function markFresh() {
    lastSuccess = new Date();
    stale = false;
    document.body.classList.remove("board-stale");
    banner.textContent = "";
    say(live.dataset.updated, false);
  }

  function signatureIds(signature) {
    var ids = {};
    (signature || "").split(",").forEach(function (part) { if (part) ids[part.split(":")[0]] = true; });
    return ids;
  }

  // The red-flag list sits outside the part replaced on every refresh, so that a screen reader
  // announces it when it changes, not every five seconds.
  function updateRedFlags() {
    var next = document.getElementById("red-flags-next");
    if (!next) return;
    flagCount = Number(next.dataset.count || 0);
    var signature = next.dataset.signature || "";
    if (signature !== flags.dataset.signature) {
      flags.innerHTML = next.innerHTML;
      flags.dataset.signature = signature;
      var ids = signatureIds(signature);
      var fresh = Object.keys(ids).some(function (id) { return !seenFlags[id]; });
      seenFlags = ids;
      if (fresh) announceNewFlag();
    }
    setTitle();
  }

  function announceNewFlag() {
    flashTitle();
    if (setting("sound")) beep();
    if (setting("notify") && "Notification" in window && Notification.permission === "granted") {
      try {
        new Notification(live.dataset.newFlag, { body: flags.textContent.trim().slice(0, 200), tag: "red-flag" });
      } catch (error) { /* some browsers allow notifications from a service worker only */ }
    }
  }

  // The title alternates for half a minute, or until the nurse looks at the tab.
  function flashTitle() {
    clearInterval(flashTimer);
    var flashes = 0;
    flashTimer = setInterval(function () {
      flashes += 1;
      if (flashes > 30 || (!document.hidden && flashes > 6)) {
        clearInterval(flashTimer);
        setTitle();
        return;
      }
      document.title = flashes % 2 ? "⚠ " + live.dataset.newFlag + " · " + titleText() : titleText();
    }, 1000);
  }

  // Three short tones, made on the spot: no sound file to load.
  var audio = null;
  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    var start = audio.currentTime + 0.05;
    [0, 0.25, 0.5].forEach(function (offset, index) {
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = index === 2 ? 1175 : 880;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.22);
    });
  }

  // The nurse's choices, remembered by this browser.
  function setting(name) {
    try { return window.localStorage.getItem("board." + name) === "on"; } catch (error) { return false; }
  }
  function remember(name, on) {
    try { window.localStorage.setItem("board." + name, on ? "on" : "off"); } catch (error) { /* private mode */ }
  }

  function setUpSettings() {
    var box = document.getElementById("alert-settings");
    var sound = document.getElementById("sound-on"), notify = document.getElementById("notify-on");
    if (!box) return;
    box.hidden = false;
    sound.checked = setting("sound");
    sound.addEventListener("change", function () {
      remember("sound", sound.checked);
      if (sound.checked) beep();  // a first sound while the nurse is here: browsers allow audio after a tap
    });
    if (!("Notification" in window)) {
      notify.closest("label").hidden = true;
      return;
    }
    notify.checked = setting("notify") && Notification.permission === "granted";
    notify.addEventListener("change", function () {
      if (!notify.checked) { remember("notify", false); return; }
      Notification.requestPermission().then(function (answer) {
        notify.checked = answer === "granted";
        remember("notify", notify.checked);
      });
    });
  }

  // What the nurse had opened (her last actions, a row's "More") stays open across refreshes.
  function openDetails() {
    return Array.prototype.filter.call(live.querySelectorAll("details[id]"), function (d) { return d.open; })
      .map(function (d) { return d.id; });
  }

  function poll() {
    if (inFlight) return;
    inFlight = true;
    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, timeoutMs);
    fetch(live.dataset.url, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        // Logged out (the session ended): reload, which leads to the log-in page.
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.reload();
          return;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text().then(function (html) {
          var focusedId = document.activeElement && live.contains(document.activeElement) && document.activeElement.id;
          var opened = openDetails();
          live.innerHTML = html;
          opened.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
          // Keyboard users keep their place across refreshes.
          if (focusedId && document.getElementById(focusedId)) document.getElementById(focusedId).focus();
          markFresh();
          updateRedFlags();
          tick();
        });
      })
      .catch(function () { markStale(); })
      .finally(function () { clearTimeout(timer); inFlight = false; });
  }

  setUpSettings();
  updateRedFlags();
  setInterval(tick, 1000);
  setInterval(poll, pollMs);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  tick();
})();
