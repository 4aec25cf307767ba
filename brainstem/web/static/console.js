/* brainstem web console: the little that needs a script. Every page works without it
   (forms post and links go); with it: keyboard review (j/k, n/u/f/p), decisions without a
   page load, the live queue (server-sent events), the promote dialog, paged fragments,
   and the theme toggle. No dependencies, no build step. */
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.content : "";

  // -- theme -------------------------------------------------------------------------------
  var root = document.documentElement;
  function currentTheme() {
    var t = root.getAttribute("data-theme");
    if (t) return t;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function setTheme(t) {
    root.setAttribute("data-theme", t);
    document.cookie = "bs_theme=" + t + "; path=/; max-age=31536000; samesite=strict";
    try { localStorage.setItem("bs_theme", t); } catch (e) { /* private mode */ }
  }
  if (!root.getAttribute("data-theme")) {
    try { var saved = localStorage.getItem("bs_theme"); if (saved) root.setAttribute("data-theme", saved); } catch (e) { /* none */ }
  }
  document.querySelectorAll("[data-theme-toggle]").forEach(function (b) {
    b.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    b.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      setTheme(next);
      b.setAttribute("aria-pressed", next === "dark" ? "true" : "false");
    });
  });
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // -- helpers -------------------------------------------------------------------------------
  var toastTimer = null;
  function toast(text) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = text;
    t.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.classList.remove("show"); }, 2600);
  }
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": CSRF, "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error((data.error && data.error.message) || ("HTTP " + r.status));
        return data;
      });
    });
  }
  function getHTML(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    });
  }
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  var LABELS = { noise: "Noise", useful: "Useful", false_positive: "False positive", promote: "Promote",
                 urgent: "Urgent", investigate: "Investigate", ignore: "Ignore" };

  // -- fragments (paged raw events) ------------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-fragment]");
    if (!a) return;
    var target = document.getElementById(a.getAttribute("data-target"));
    if (!target) return;
    ev.preventDefault();
    getHTML(a.getAttribute("data-fragment")).then(function (html) {
      target.innerHTML = html;
      target.focus && target.setAttribute("tabindex", "-1");
      target.focus();
    }).catch(function (e) { toast("Could not load: " + e.message); });
  });

  // -- reviewing ---------------------------------------------------------------------------------
  var reviewer = document.getElementById("reviewer");
  var note = document.getElementById("note");
  if (reviewer) {
    try { if (!reviewer.value) reviewer.value = localStorage.getItem("bs_reviewer") || ""; } catch (e) { /* none */ }
    reviewer.addEventListener("change", function () {
      try { localStorage.setItem("bs_reviewer", reviewer.value); } catch (e) { /* none */ }
    });
  }

  function decide(id, decision, row) {
    var fields = { decision: decision, notes: note ? note.value : "", reviewer: reviewer ? reviewer.value : "" };
    return post("/candidates/" + encodeURIComponent(id) + "/review", fields).then(function (data) {
      if (note) note.value = "";
      var label = LABELS[decision] || decision;
      if (row) {
        var slot = row.querySelector("[data-decision]");
        if (slot) {
          slot.innerHTML = "";
          var b = document.createElement("span");
          b.className = "dec dec-" + decision;
          b.textContent = label;
          slot.appendChild(b);
          slot.appendChild(document.createTextNode(" by " + data.reviewer));
        }
        row.setAttribute("data-reviewed", decision);
      }
      toast(label + " recorded" + (data.band ? " · now " + data.band.replace(/_/g, " ") : ""));
      return data;
    }).catch(function (e) { toast("Not recorded: " + e.message); throw e; });
  }

  var dialog = document.getElementById("promote-dialog");
  function promote(id, title, row) {
    if (!dialog || typeof dialog.showModal !== "function") {
      window.location.href = "/candidates/" + encodeURIComponent(id) + "#promote";
      return;
    }
    var form = document.getElementById("promote-form");
    form.reset();
    document.getElementById("promote-what").textContent = title;
    document.getElementById("promote-title-input").value = title.slice(0, 200);
    dialog.dataset.id = id;
    dialog.returnValue = "";
    dialog._row = row;
    dialog.showModal();
    document.getElementById("promote-title-input").focus();
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "promote") return;
      var id = dialog.dataset.id, row = dialog._row;
      var f = document.getElementById("promote-form");
      post("/candidates/" + encodeURIComponent(id) + "/promote", {
        title: f.elements.title.value, lesson: f.elements.lesson.value, hint: f.elements.hint.value,
        reviewer: reviewer ? reviewer.value : ""
      }).then(function (data) {
        if (row) {
          var slot = row.querySelector("[data-decision]");
          if (slot) {
            slot.innerHTML = "";
            var b = document.createElement("span");
            b.className = "dec dec-promote";
            b.textContent = "Promoted";
            var a = document.createElement("a");
            a.href = data.incident_url;
            a.textContent = "in memory";
            slot.appendChild(b);
            slot.appendChild(document.createTextNode(" · "));
            slot.appendChild(a);
          }
          row.setAttribute("data-reviewed", "promote");
          toast("Promoted to incident memory");
        } else {
          window.location.href = data.incident_url;
        }
      }).catch(function (e) { toast("Not promoted: " + e.message); });
    });
  }

  // -- the queue: selection and keys ------------------------------------------------------------
  var queue = document.querySelector("[data-queue]");
  var selectedId = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#list .cand")); }
  function select(row, scroll) {
    rows().forEach(function (r) { r.removeAttribute("aria-selected"); });
    if (!row) { selectedId = null; return; }
    row.setAttribute("aria-selected", "true");
    selectedId = row.getAttribute("data-id");
    row.focus({ preventScroll: !scroll });
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }
  function selected() {
    var all = rows();
    for (var i = 0; i < all.length; i++) if (all[i].getAttribute("data-id") === selectedId) return all[i];
    return null;
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var cur = selected();
    var i = cur ? all.indexOf(cur) + step : 0;
    if (i < 0) i = 0;
    if (i >= all.length) {
      var next = document.querySelector('#list a[rel="next"]');
      if (next) { toast("End of this page: Next → for more"); next.focus(); return; }
      i = all.length - 1;
    }
    select(all[i], true);
  }

  if (queue) {
    document.addEventListener("click", function (ev) {
      var row = ev.target.closest && ev.target.closest("#list .cand");
      if (row && !ev.target.closest("a, button, input")) select(row, false);
      var btn = ev.target.closest && ev.target.closest("#list .acts button[name=decision]");
      if (btn) {
        ev.preventDefault();
        var r = btn.closest(".cand");
        select(r, false);
        decide(r.getAttribute("data-id"), btn.value, r);
      }
      var pro = ev.target.closest && ev.target.closest("#list [data-promote]");
      if (pro) {
        ev.preventDefault();
        var pr = pro.closest(".cand");
        select(pr, false);
        promote(pr.getAttribute("data-id"), pr.getAttribute("data-title"), pr);
      }
    });
  }

  var detail = document.querySelector("[data-candidate]");
  if (detail) {
    var rf = document.querySelector("[data-review-form]");
    if (rf) rf.addEventListener("submit", function (ev) {
      var btn = ev.submitter;
      if (!btn || btn.name !== "decision") return;
      ev.preventDefault();
      decide(detail.getAttribute("data-candidate"), btn.value, null).then(function () {
        window.location.reload();
      });
    });
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(document.activeElement)) {
      if (ev.key === "Escape") document.activeElement.blur();
      return;
    }
    if (dialog && dialog.open) return;
    var key = ev.key;
    if (key === "t") { var tb = document.querySelector("[data-theme-toggle]"); if (tb) tb.click(); return; }
    if (queue) {
      var row = selected();
      if (key === "j" || key === "ArrowDown") { ev.preventDefault(); move(1); return; }
      if (key === "k" || key === "ArrowUp") { ev.preventDefault(); move(-1); return; }
      if (key === "/") { ev.preventDefault(); if (note) note.focus(); return; }
      if (!row) return;
      var id = row.getAttribute("data-id");
      if (key === "Enter" || key === "o") { ev.preventDefault(); window.location.href = "/candidates/" + encodeURIComponent(id); return; }
      var decision = { n: "noise", u: "useful", f: "false_positive" }[key];
      if (decision) {
        ev.preventDefault();
        decide(id, decision, row).then(function () { move(1); }, function () { /* shown */ });
        return;
      }
      if (key === "p") { ev.preventDefault(); promote(id, row.getAttribute("data-title"), row); }
      return;
    }
    if (detail) {
      var cid = detail.getAttribute("data-candidate");
      var d = { n: "noise", u: "useful", f: "false_positive" }[key];
      if (d) { ev.preventDefault(); decide(cid, d, null).then(function () { window.location.reload(); }); return; }
      if (key === "p") { ev.preventDefault(); promote(cid, detail.getAttribute("data-title"), null); }
    }
  });

  // -- the live queue ------------------------------------------------------------------------
  if (queue && window.EventSource) {
    var mark = queue.getAttribute("data-mark");
    var pending = false;
    var refresh = function () {
      if (pending) return;
      if (typing(document.activeElement) && document.activeElement.closest("#list")) return;
      pending = true;
      var before = {};
      rows().forEach(function (r) { before[r.getAttribute("data-id")] = true; });
      Promise.all([getHTML(queue.getAttribute("data-rows")), getHTML(queue.getAttribute("data-counts"))]).then(function (html) {
        var keep = selectedId;
        document.getElementById("list").innerHTML = html[0];
        document.getElementById("counts").innerHTML = html[1];
        var fresh = 0;
        rows().forEach(function (r) {
          if (!before[r.getAttribute("data-id")]) { r.classList.add("fresh"); fresh++; }
          if (r.getAttribute("data-id") === keep) select(r, false);
        });
        var live = document.getElementById("live");
        if (live && fresh) live.textContent = fresh + " new candidate" + (fresh === 1 ? "" : "s") + " arrived";
      }).catch(function () { /* the next mark tries again */ }).then(function () { pending = false; });
    };
    var source = new EventSource(queue.getAttribute("data-stream"));
    source.addEventListener("mark", function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (data.mark !== mark) { mark = data.mark; refresh(); }
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
})();
