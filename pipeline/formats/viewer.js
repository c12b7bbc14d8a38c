(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("pipeline-data").textContent);
  var shared = data.shared || {};
  var provenance = data.provenance || {};
  var own = data.records || [];
  var flagLabels = data.labels || {};
  var panel = document.getElementById("prov");
  var body = document.getElementById("prov-body");
  var title = document.getElementById("prov-title");
  var closeBtn = document.getElementById("prov-close");

  // index -> [German span, English span]
  var pairs = {};
  var byIndex = {};
  Array.prototype.forEach.call(document.querySelectorAll(".s[data-i]"), function (el) {
    (pairs[el.dataset.i] = pairs[el.dataset.i] || []).push(el);
  });
  own.forEach(function (r, n) { byIndex[String(r.index !== undefined ? r.index : n)] = n; });

  var lit = null, selected = null, opener = null;

  function mark(i, cls, on) {
    (pairs[i] || []).forEach(function (el) { el.classList.toggle(cls, on); });
  }
  function light(i) {
    if (lit === i) return;
    if (lit !== null) mark(lit, "hl", false);
    lit = i;
    if (i !== null) mark(i, "hl", true);
  }
  function sentenceOf(node) {
    return node && node.closest ? node.closest(".s[data-i]") : null;
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function row(dl, name, value, code) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", name));
    var dd = el("dd");
    if (code) dd.appendChild(el("code", value)); else dd.textContent = String(value);
    dl.appendChild(dd);
  }
  function flagName(f) { return flagLabels[f] ? flagLabels[f][0] : f.replace(/_/g, " "); }

  function record(i) {
    var n = byIndex[i];
    var r = {};
    Object.keys(provenance).forEach(function (k) { r[k] = provenance[k]; });
    Object.keys(shared).forEach(function (k) { r[k] = shared[k]; });
    Object.keys(own[n] || {}).forEach(function (k) { r[k] = own[n][k]; });
    var els = pairs[i] || [];
    r.source = els[0] ? els[0].textContent : "";
    r.target = els[1] ? els[1].textContent : "";
    return r;
  }

  function fill(i) {
    var r = record(i);
    title.textContent = "Pair " + (Number(r.index) + 1) + " of " + own.length;
    body.textContent = "";
    var pair = el("div", null, "pair");
    [[r.source, r.src_lang || "de"], [r.target, r.tgt_lang || "en"]].forEach(function (side) {
      var p = pair.appendChild(el("p", side[0]));
      p.lang = side[1];
      p.dir = "auto";  // right to left where the text's first strong letter is
    });
    body.appendChild(pair);
    var dl = el("dl");
    var flags = (r.flags || []).slice();
    if (typeof r.score === "number" && r.score < data.low_score && flags.indexOf("low_score") < 0) {
      flags.push("low_score");
    }
    row(dl, "Flags", flags.length ? flags.map(flagName).join(", ") : "none");
    if (r.link !== undefined) {  // an alignment link: the human translation, MT and similarity
      row(dl, "Link", r.link + " (German " + (r.de || []).join(", ") + " | English " +
          (r.en || []).join(", ") + ")");
      row(dl, "Similarity", typeof r.similarity === "number" ? r.similarity.toFixed(3) : "—");
      row(dl, "Machine translation", r.mt === null || r.mt === undefined ? "—" : r.mt);
      row(dl, "German", r.de_path);
      row(dl, "English", r.en_path);
    }
    row(dl, "Score", typeof r.score === "number" ? r.score.toFixed(4) + " (mean log-prob)" : "—");
    if (r.tokens) row(dl, "Tokens", r.tokens.source + " → " + r.tokens.target);
    row(dl, "Index", r.index + " (paragraph " + r.paragraph + ", " + String(r.kind).replace("_", " ") + ")");
    row(dl, "Span", "[" + r.start + ", " + r.end + ")", true);
    if (r.pieces && r.pieces.length) {
      row(dl, "Pieces", r.pieces.map(function (p) { return "[" + p[0] + ", " + p[1] + ")"; }).join(" "), true);
    }
    row(dl, "Document", r.doc_path);
    row(dl, "sha256", r.doc_sha256, true);
    row(dl, "Encoding", r.doc_encoding);
    var m = r.model || {};
    if (m.repo) {
      row(dl, "Model", m.repo);
      row(dl, "Revision", m.revision, true);
    } else if (m.dir) {
      row(dl, "Model dir", m.dir);
    }
    Object.keys(m.files || {}).sort().forEach(function (name) {
      row(dl, name, m.files[name], true);
    });
    var e = r.engine || {};
    row(dl, "Engine", [e.name, e.version].filter(Boolean).join(" "));
    Object.keys(e.decoding || {}).forEach(function (k) {
      row(dl, k.replace(/_/g, " "), JSON.stringify(e.decoding[k]), true);
    });
    row(dl, "Splitter", r.splitter, true);
    row(dl, "Pipeline", r.pipeline, true);
    row(dl, "Signature", r.signature, true);
    body.appendChild(dl);
    var details = el("details");
    details.appendChild(el("summary", "Full record (JSON)"));
    details.appendChild(el("pre", JSON.stringify(r, null, 2)));
    body.appendChild(details);
  }

  function open(i, from) {
    if (selected !== null) mark(selected, "sel", false);
    selected = i;
    mark(i, "sel", true);
    opener = from || null;
    fill(i);
    panel.hidden = false;
  }
  function close() {
    if (selected !== null) mark(selected, "sel", false);
    selected = null;
    panel.hidden = true;
    if (opener) { opener.focus(); opener = null; }
  }

  document.addEventListener("mouseover", function (ev) {
    var s = sentenceOf(ev.target);
    light(s ? s.dataset.i : null);
  });
  document.addEventListener("focusin", function (ev) {
    var s = sentenceOf(ev.target);
    if (s) light(s.dataset.i);
  });
  document.addEventListener("focusout", function (ev) {
    if (!sentenceOf(ev.relatedTarget)) light(null);
  });
  document.addEventListener("click", function (ev) {
    var s = sentenceOf(ev.target);
    if (s) open(s.dataset.i, s);
  });
  document.addEventListener("keydown", function (ev) {
    var s = sentenceOf(ev.target);
    if (s && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      open(s.dataset.i, s);
      closeBtn.focus();
    } else if (ev.key === "Escape" && !panel.hidden) {
      close();
    }
  });
  closeBtn.addEventListener("click", close);
})();
