/* Marquee: small progressive enhancements. Every feature here also works without this
   file: the like form posts and redirects, textareas keep their maxlength, the account
   menu is a <details>. Loaded with defer; no inline handlers (the CSP allows 'self' only). */
(function () {
  "use strict";

  /* ---- Likes without a page reload ------------------------------------------------ */

  function countText(counter, count) {
    // Both plural forms come from the server, already translated ("1 like", "2 likes").
    var template = count === 1 ? counter.dataset.one : counter.dataset.other;
    return template ? template.replace(/\d+/, String(count)) : String(count);
  }

  function showLiked(form, liked, count) {
    var button = form.querySelector(".like-button");
    var action = form.querySelector('input[name="action"]');
    button.setAttribute("aria-pressed", liked ? "true" : "false");
    button.classList.toggle("liked", liked);
    if (action) action.value = liked ? "unlike" : "like";
    var counter = form.parentNode.querySelector(".like-count");
    if (counter && typeof count === "number") counter.textContent = countText(counter, count);
  }

  function submitLike(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("like-form")) return;
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    var button = form.querySelector(".like-button");
    if (button.classList.contains("busy")) return; // one request at a time
    button.classList.add("busy");
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    // Not form.action: the form has an input named "action", which shadows the property.
    var url = form.getAttribute("action");
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual", // a redirect here means "log in first"
      headers: {
        Accept: "application/json",
        "X-CSRFToken": token ? token.value : "",
        "X-Requested-With": "XMLHttpRequest",
      },
    })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) {
          window.location.assign(form.dataset.loginUrl || url);
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) {
          // Rate limited, CSRF failure or anything unexpected: let the server's own page
          // explain it, exactly as without JavaScript.
          form.submit();
          return;
        }
        return response.json().then(function (data) {
          showLiked(form, !!data.liked, data.count);
        });
      })
      .catch(function () {
        form.submit();
      })
      .then(function () {
        button.classList.remove("busy");
      });
  }

  /* ---- Live character count for long text ------------------------------------------ */

  var counterId = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  function setupCounter(textarea) {
    var max = parseInt(textarea.getAttribute("maxlength") || textarea.dataset.maxChars, 10);
    // The form carries the translated wording: {left} characters left, and so on.
    var words = textarea.form && textarea.form.dataset;
    if (!max || !words || !words.charsLeft) return;
    var lang = document.documentElement.lang || undefined;
    var format = function (n) {
      return n.toLocaleString(lang);
    };
    // The visible count updates on every keystroke; the polite live region only after a
    // pause, so screen readers are not interrupted on every character.
    var visible = document.createElement("p");
    visible.className = "char-count";
    visible.id = (textarea.id || "textarea") + "-count-" + ++counterId;
    visible.setAttribute("aria-hidden", "true");
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", visible);
    visible.insertAdjacentElement("afterend", live);
    var describedBy = textarea.getAttribute("aria-describedby");
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.id = visible.id + "-hint";
    live.insertAdjacentElement("afterend", hint);
    textarea.setAttribute("aria-describedby", (describedBy ? describedBy + " " : "") + hint.id);

    var timer;
    function update(announce) {
      // A line break is one character here, for maxlength and for the server alike.
      var used = textarea.value.length;
      var left = max - used;
      var text =
        left >= 0
          ? fill(words.charsLeft, { left: format(left) })
          : fill(words.charsOver, { over: format(-left) });
      visible.textContent = format(used) + " / " + format(max) + " · " + text;
      visible.classList.toggle("over", left < 0);
      hint.textContent = fill(words.charsMax, { max: format(max) });
      if (announce) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          live.textContent = text;
        }, 900);
      }
    }
    textarea.addEventListener("input", function () {
      update(true);
    });
    update(false);
  }

  /* ---- The account menu closes like a menu ---------------------------------------- */

  function closeMenus(except) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  function init() {
    document.addEventListener("submit", submitLike);
    document.querySelectorAll(".like-form").forEach(function (form) {
      var counter = form.parentNode.querySelector(".like-count");
      if (counter) counter.setAttribute("aria-live", "polite");
    });
    document.querySelectorAll("form[data-chars-left] textarea").forEach(setupCounter);
    document.addEventListener("click", function (event) {
      closeMenus(event.target.closest && event.target.closest("details.account-menu"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var open = document.querySelector("details.account-menu[open]");
      if (open) {
        open.removeAttribute("open");
        open.querySelector("summary").focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
