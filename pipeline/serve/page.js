(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var form = $("form"), text = $("text"), file = $("file"), status = $("status");
  var view = $("view"), downloads = $("downloads"), go = $("go");
  var loaded = null; // {name, bytes} of the file opened or dropped, until the text is edited
  var urls = [];

  function say(message, bad) {
    status.textContent = message;
    status.className = bad ? "bad" : "";
  }

  function load(f) {
    if (!f) { return; }
    if (!/\.txt$/i.test(f.name)) { say(f.name + ": only .txt files can be translated here.", true); return; }
    f.arrayBuffer().then(function (buf) {
      var shown;
      try { shown = new TextDecoder("utf-8", { fatal: true }).decode(buf); }
      catch (e) { shown = new TextDecoder("windows-1252").decode(buf); }
      text.value = shown;
      loaded = { name: f.name, bytes: buf };
      say(f.name + " opened (" + buf.byteLength + " bytes). Translate it with the button or Ctrl+Enter.");
    }, function () { say(f.name + ": could not be read.", true); });
  }

  text.addEventListener("input", function () { loaded = null; });
  file.addEventListener("change", function () { load(file.files[0]); file.value = ""; });
  ["dragenter", "dragover"].forEach(function (type) {
    text.addEventListener(type, function (e) { e.preventDefault(); text.classList.add("drop"); });
  });
  text.addEventListener("dragleave", function () { text.classList.remove("drop"); });
  text.addEventListener("drop", function (e) {
    e.preventDefault();
    text.classList.remove("drop");
    if (e.dataTransfer && e.dataTransfer.files.length) { load(e.dataTransfer.files[0]); }
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });

  function show(data, seconds) {
    urls.splice(0).forEach(function (u) { URL.revokeObjectURL(u); });
    Array.prototype.forEach.call(downloads.querySelectorAll("a"), function (a) {
      var f = data.files[a.dataset.format];
      var url = URL.createObjectURL(new Blob([f.text], { type: f.type + ";charset=utf-8" }));
      urls.push(url);
      a.href = url;
      a.download = f.name;
    });
    downloads.hidden = false;
    view.srcdoc = data.files.html.text;
    view.hidden = false;
    var message = data.sentences + " sentence" + (data.sentences === 1 ? "" : "s") +
      " translated in " + seconds.toFixed(1) + " s.";
    if (data.detectedLanguage) {
      message += " Detected language: " + data.detectedLanguage.language + " (" +
        data.detectedLanguage.confidence + "%).";
    }
    say(message);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!text.value.trim()) { say("Paste an article or drop a .txt file first.", true); text.focus(); return; }
    var query = new URLSearchParams({ format: "all", source: $("source").value, target: $("target").value });
    var headers = { "Content-Type": "text/plain; charset=utf-8" };
    var key = $("key");
    if (key && key.value) { headers.Authorization = "Bearer " + key.value; }
    var body = text.value;
    if (loaded) { body = loaded.bytes; query.set("name", loaded.name); query.set("encoding", "auto"); }
    go.disabled = true;
    say("Translating…");
    var started = performance.now();
    fetch("/v1/translate?" + query.toString(), { method: "POST", headers: headers, body: body })
      .then(function (res) {
        return res.json().then(function (data) {
          if (!res.ok) { say(data.error || ("The server answered " + res.status + "."), true); return; }
          show(data, (performance.now() - started) / 1000);
        });
      })
      .catch(function (err) { say("The server did not answer: " + err.message, true); })
      .then(function () { go.disabled = false; });
  });
})();
