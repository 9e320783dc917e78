/* chatwarden web app: CSRF header for htmx, upload progress, keyboard shortcuts.
   Served as a file (the Content-Security-Policy allows no inline script). */
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // htmx requests carry the session's CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // Upload with a progress bar; without JavaScript the form still posts normally.
  function wireUpload(form) {
    var bar = document.getElementById(form.getAttribute("data-progress"));
    var status = document.getElementById("upload-status");
    form.addEventListener("submit", function (e) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      e.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      if (bar) { bar.hidden = false; bar.value = 0; }
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable && bar) {
          bar.value = Math.round(100 * ev.loaded / ev.total);
          if (status) { status.textContent = "Uploading… " + bar.value + "%"; }
        }
      });
      xhr.upload.addEventListener("load", function () {
        if (status) { status.textContent = "Uploaded. Scanning against the policy…"; }
        if (bar) { bar.removeAttribute("value"); }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", function () {
        if (status) { status.textContent = "The upload failed. Check the connection and try again."; }
      });
      xhr.send(new FormData(form));
    });
  }

  // Keyboard shortcuts: j/k move through table rows, Enter opens, n next, u up,
  // c confirm, d dismiss reason, e escalate, / filters.
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  var current = -1;
  function rows() {
    var t = document.querySelector('[data-keynav="rows"] tbody');
    return t ? Array.prototype.filter.call(t.rows, function (r) { return r.hasAttribute("data-href"); }) : [];
  }
  function select(i) {
    var rs = rows();
    if (!rs.length) { return; }
    current = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r, j) { r.classList.toggle("selected", j === current); });
    rs[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) { return; }
    var k = e.key, el;
    if (k === "j") { select(current + 1); e.preventDefault(); return; }
    if (k === "k") { select(current - 1); e.preventDefault(); return; }
    if (k === "Enter" && current >= 0) {
      var r = rows()[current];
      if (r) { window.location.assign(r.getAttribute("data-href")); e.preventDefault(); }
      return;
    }
    if (k === "/") {
      el = document.querySelector(".filters input, .filters select");
      if (el) { el.focus(); e.preventDefault(); }
      return;
    }
    if (k === "n") {
      el = document.getElementById("next-finding") || document.getElementById("next-page");
      if (el) { el.click(); e.preventDefault(); }
      return;
    }
    el = document.querySelector('[data-key="' + k + '"]');
    if (!el) { return; }
    e.preventDefault();
    if (el.tagName === "A" || el.tagName === "BUTTON") { el.click(); } else { el.focus(); }
  });

  // Misconduct forms: offer only the outcomes allowed for the subject type and regime (the
  // server checks them too).
  function wireOutcomes(form) {
    var allowed;
    try { allowed = JSON.parse(form.getAttribute("data-allowed") || "{}"); } catch (err) { return; }
    var st = form.querySelector('[name="subject_type"]');
    var regime = form.querySelector('[name="regime"]');
    var outcome = form.querySelector('[name="outcome"]');
    if (!st || !regime || !outcome) { return; }
    function narrow() {
      var ok = allowed[st.value + " " + regime.value];
      Array.prototype.forEach.call(outcome.options, function (o) {
        o.disabled = !!ok && o.value !== "" && ok.indexOf(o.value) < 0;
      });
    }
    st.addEventListener("change", narrow);
    regime.addEventListener("change", narrow);
    narrow();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var f = document.querySelector("form[data-progress]");
    if (f) { wireUpload(f); }
    Array.prototype.forEach.call(document.querySelectorAll("form.outcome-form"), wireOutcomes);
    var flagged = document.getElementById("flagged");
    if (flagged) { flagged.scrollIntoView({ block: "center" }); }
  });

  // After htmx swaps the queue, start the selection afresh.
  document.addEventListener("htmx:afterSwap", function () { current = -1; });
})();
