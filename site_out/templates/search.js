/* sunset: search the archived pages, offline. The page list comes from search-index.js
   (a plain script: file:// pages may not fetch files); results are built with textContent
   only, so nothing from the archived text is ever treated as markup. */
(function () {
  "use strict";
  var pages = window.SUNSET_PAGES || [];
  var input = document.getElementById("sunset-search");
  var results = document.getElementById("sunset-results");
  var status = document.getElementById("sunset-status");
  var list = document.getElementById("sunset-pages");
  if (!input || !results || !status) { return; }
  document.getElementById("sunset-search-form").style.display = "block";

  function fold(text) {
    var lowered = String(text || "").toLowerCase();
    return lowered.normalize ? lowered.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : lowered;
  }

  var folded = pages.map(function (page) {
    return { title: fold(page.t), text: fold(page.x), url: fold(page.o) };
  });

  function snippet(page, word) {
    var text = String(page.x || "");
    var at = fold(text).indexOf(word);
    if (at < 0) { return text.slice(0, 160); }
    var start = Math.max(0, at - 60);
    return (start > 0 ? "\u2026" : "") + text.slice(start, start + 200) + "\u2026";
  }

  function search() {
    var words = fold(input.value).split(/\s+/).filter(function (word) { return word; });
    while (results.firstChild) { results.removeChild(results.firstChild); }
    if (!words.length) {
      status.textContent = "";
      if (list) { list.style.display = ""; }
      return;
    }
    var found = [];
    pages.forEach(function (page, index) {
      var f = folded[index];
      var score = 0;
      for (var i = 0; i < words.length; i++) {
        var inTitle = f.title.indexOf(words[i]) >= 0;
        if (!inTitle && f.text.indexOf(words[i]) < 0 && f.url.indexOf(words[i]) < 0) { return; }
        score += inTitle ? 10 : 1;
      }
      found.push({ page: page, score: score });
    });
    found.sort(function (a, b) { return b.score - a.score; });
    status.textContent = found.length + (found.length === 1 ? " page found" : " pages found");
    if (list) { list.style.display = "none"; }
    found.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hit.page.u;
      link.textContent = hit.page.t || hit.page.o;
      item.appendChild(link);
      var context = document.createElement("div");
      context.className = "sunset-snippet";
      context.textContent = snippet(hit.page, words[0]);
      item.appendChild(context);
      results.appendChild(item);
    });
  }

  input.addEventListener("input", search);
  if (input.value) { search(); }
})();
