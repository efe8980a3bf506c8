// Live preview of the rejection mail (/app/mail). When typing stops, the editor's draft is
// posted exactly as the "Preview" button posts it, and the preview panel is replaced by the
// one in the answer (nothing is saved). The page works without this script: the button does
// the same on the server. Plain JavaScript, no library; served from /static (CSP 'self').
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  var panel = document.getElementById("preview");
  if (!form || !panel || !window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  var timer = null;
  var sequence = 0;

  function problemsOf(doc) {
    var list = [];
    doc.querySelectorAll(".mail-form .error-message").forEach(function (node) {
      list.push(node.textContent.trim());
    });
    return list;
  }

  function show(doc) {
    var fresh = doc.getElementById("preview");
    if (!fresh) {
      return;
    }
    panel.innerHTML = fresh.innerHTML;
    var problems = problemsOf(doc);
    if (problems.length) {
      var items = document.createElement("ul");
      items.className = "preview-problems";
      problems.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        items.appendChild(item);
      });
      panel.appendChild(items);
    }
  }

  function refresh() {
    var data = new URLSearchParams(new FormData(form));
    data.set("intent", "preview");
    var mine = ++sequence;
    panel.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Live-Preview": "1" },
    })
      .then(function (answer) {
        return answer.text();
      })
      .then(function (html) {
        if (mine === sequence) {
          show(new DOMParser().parseFromString(html, "text/html"));
        }
      })
      .catch(function () {
        /* the preview button still works */
      })
      .then(function () {
        if (mine === sequence) {
          panel.removeAttribute("aria-busy");
        }
      });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 700);
  });
})();
