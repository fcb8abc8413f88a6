/*
 * Chat widget for the American Express care assistant: a launcher bubble that opens a chat panel talking
 * to Rasa's socket.io channel. No framework, no CDN: it loads widget.css and socket.io.min.js from the
 * folder it was loaded from.
 *
 *   <script src="https://chat.example.com/widget.js"></script>
 *   <script>AmexCareChat.init({serverUrl: "https://bot.example.com", title: "...", initialMessage: "..."});</script>
 *
 * Every text (the bot's and the user's) is put in the page with textContent, never as HTML; phone numbers
 * and email addresses become <a href="tel:..."> / <a href="mailto:..."> elements built here.
 *
 * What the user typed is kept on the device (localStorage, so a reload shows the conversation) only
 * masked, more broadly than the server masks (maskForDevice): every number of 4 digits or more, and the
 * word after a secret's name. The screen shows what they typed until they reload; "Clear" removes the
 * conversation from the screen and the device.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var BASE = script && script.src ? new URL("./", script.src).href : "/";
  var DEFAULTS = {
    serverUrl: "",          // the Rasa server; "" means the page's own origin
    socketPath: "/socket.io",
    title: "Chat with us",
    subtitle: "Automated assistant",
    initialMessage: "",     // shown by the widget when a conversation starts (not sent to the bot)
    placeholder: "Type your message",
    storageKey: "amexcare", // prefix of the localStorage / sessionStorage keys
    maxLength: 4000,
    // A bot message that starts with one of these is a case note: it gets "Copy" and "Download" controls.
    caseNoteTitles: ["Case note"]
  };
  var MAX_TRANSCRIPT = 200;
  var TYPING_TIMEOUT_MS = 30000;
  // An email address, or a phone number of 8-15 digits in groups separated by single spaces or dashes.
  var LINKS = /([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})|(\+?\d(?:[ -]?\d){7,14})/g;
  var instance = null;
  // Digits of any script, in groups separated by whitespace, dashes or . / _ , (as bot/privacy/redaction.py).
  var DIGIT_RUN = /\p{Nd}(?:[\s\u200b-\u200d\u2060\ufeff\-\u2010-\u2015\u2212./_,]*\p{Nd})*/gu;
  var NAMED_SECRET = /\b(cvv2?|cvc2?|cid|csc|security[\s_-]*code|otp|one[\s-]*time[\s-]*(?:password|passcode|code|pin)|verification\s+code|pin|password|passwd|pwd|passcode|ssn|aadhaa?r|pan)\b(\s*(?:[:=#-]|\b(?:is|was|hai)\b)?\s*)(\S+)/gi;

  /* The user's text as it is kept on the device: numbers of 4 digits or more, and what follows a
     secret's name, masked. Broader than the server's masking on purpose: nothing to check it against. */
  function maskForDevice(text) {
    return String(text)
      .replace(NAMED_SECRET, function (all, name, sep) { return name + sep + "[***]"; })
      .replace(DIGIT_RUN, function (run) { return run.replace(/\P{Nd}/gu, "").length >= 4 ? "[****]" : run; });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Append `text` to `parent` as text nodes, with phone numbers and emails as links. */
  function appendLinkified(parent, text) {
    var last = 0;
    var match;
    LINKS.lastIndex = 0;
    while ((match = LINKS.exec(text)) !== null) {
      if (match.index > 0 && /[\w@.]/.test(text.charAt(match.index - 1))) continue;
      var link = el("a", "amexcare-link", match[0]);
      link.href = match[1] ? "mailto:" + match[1] : "tel:" + match[2].replace(/[ -]/g, "");
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function storage(kind, prefix) {
    function key(name) { return prefix + "." + name; }
    return {
      get: function (name, fallback) {
        try {
          var value = window[kind].getItem(key(name));
          return value === null ? fallback : JSON.parse(value);
        } catch (e) {
          return fallback;
        }
      },
      set: function (name, value) {
        try { window[kind].setItem(key(name), JSON.stringify(value)); } catch (e) { /* private mode, full */ }
      },
      remove: function (name) {
        try { window[kind].removeItem(key(name)); } catch (e) { /* unavailable */ }
      }
    };
  }

  function loadOnce(tag, attrs, done) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    node.onload = function () { done(true); };
    node.onerror = function () { done(false); };
    document.head.appendChild(node);
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function Widget(config) {
    var local = storage("localStorage", config.storageKey);
    var session = storage("sessionStorage", config.storageKey);
    var transcript = local.get("transcript", []);
    if (!Array.isArray(transcript)) transcript = [];
    // Kept by an older version unmasked: masked now.
    transcript = transcript.filter(function (e) { return e && typeof e.text === "string"; }).map(function (e) {
      return e.who === "user" ? {who: "user", text: maskForDevice(e.text)} : e;
    });
    var sessionId = local.get("session", null);
    var socket = null;
    var ready = false;
    var pending = [];
    var typingTimer = null;

    var root = el("div", "amexcare-root");
    var launcher = el("button", "amexcare-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", "Open chat: " + config.title);
    launcher.setAttribute("aria-expanded", "false");
    launcher.appendChild(chatIcon());

    var panel = el("section", "amexcare-panel");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", config.title);
    panel.hidden = true;

    var header = el("header", "amexcare-header");
    var heading = el("div", "amexcare-heading");
    heading.appendChild(el("h2", "amexcare-title", config.title));
    heading.appendChild(el("p", "amexcare-subtitle", config.subtitle));
    var restart = el("button", "amexcare-restart", "New chat");
    restart.type = "button";
    // The accessible name starts with the visible text (WCAG 2.5.3: a voice user says what they see).
    restart.setAttribute("aria-label", "New chat: start a new conversation (clears this one from this device)");
    var clear = el("button", "amexcare-clear", "Clear");
    clear.type = "button";
    clear.setAttribute("aria-label", "Clear: remove this chat from the screen and from this device");
    var close = el("button", "amexcare-close", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Close chat");
    header.appendChild(heading);
    header.appendChild(restart);
    header.appendChild(clear);
    header.appendChild(close);

    var log = el("div", "amexcare-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    var typing = el("div", "amexcare-msg amexcare-bot amexcare-typing");
    var dots = el("div", "amexcare-bubble");
    // Read out as words (an aria-label on a plain div is not announced); the dots are decoration.
    dots.appendChild(el("span", "amexcare-sr", "The assistant is typing"));
    for (var i = 0; i < 3; i++) {
      var dot = el("span", "amexcare-dot");
      dot.setAttribute("aria-hidden", "true");
      dots.appendChild(dot);
    }
    typing.appendChild(dots);
    typing.hidden = true;
    var replies = el("div", "amexcare-replies");
    replies.setAttribute("role", "group");
    replies.setAttribute("aria-label", "Suggested choices");
    var status = el("div", "amexcare-status");
    status.setAttribute("role", "status");

    var form = el("form", "amexcare-form");
    var input = el("input", "amexcare-input");
    input.type = "text";
    input.maxLength = config.maxLength;
    input.autocomplete = "off";
    input.placeholder = config.placeholder;
    input.setAttribute("aria-label", "Your message");
    var sendButton = el("button", "amexcare-send", "Send");
    sendButton.type = "submit";
    form.appendChild(input);
    form.appendChild(sendButton);

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(status);
    panel.appendChild(replies);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(launcher);

    function scrollDown() { log.scrollTop = log.scrollHeight; }

    function isCaseNote(entry) {
      return entry.who === "bot" && config.caseNoteTitles.some(function (title) {
        return entry.text.indexOf(title) === 0;
      });
    }

    /* The case note's controls: copy it to the clipboard, or save it as a .txt file (nothing leaves the
       device; the note never holds a card number). */
    function caseNoteControls(text) {
      var bar = el("div", "amexcare-note-actions");
      var copy = el("button", "amexcare-copy", "Copy");
      copy.type = "button";
      copy.setAttribute("aria-label", "Copy: copy this case note");
      copy.addEventListener("click", function () {
        var done = function () { setStatus("Case note copied."); };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { setStatus("Copy failed: select the text instead."); });
        }
      });
      var download = el("a", "amexcare-download", "Download");
      download.href = URL.createObjectURL(new Blob([text + "\n"], {type: "text/plain;charset=utf-8"}));
      download.download = "amex-case-note.txt";
      download.setAttribute("aria-label", "Download: save this case note as a text file");
      bar.appendChild(copy);
      bar.appendChild(download);
      return bar;
    }

    function renderEntry(entry) {
      var row = el("div", "amexcare-msg amexcare-" + (entry.who === "user" ? "user" : "bot"));
      var bubble = el("div", "amexcare-bubble");
      appendLinkified(bubble, entry.text);
      if (isCaseNote(entry)) bubble.appendChild(caseNoteControls(entry.text));
      row.appendChild(bubble);
      log.insertBefore(row, typing);
    }

    /* The choices of the bot's messages since the user last spoke: an answer can offer follow-ups
       ("What to have ready") and then ask "Was this helpful?"; both stay clickable. */
    function renderReplies() {
      replies.textContent = "";
      var offered = [];
      for (var i = transcript.length - 1; i >= 0 && transcript[i].who === "bot"; i--) {
        if (transcript[i].replies) offered = transcript[i].replies.concat(offered);
      }
      offered.forEach(function (reply) {
        var button = el("button", "amexcare-reply", reply.title);
        button.type = "button";
        button.addEventListener("click", function () { send(reply.title, reply.payload); });
        replies.appendChild(button);
      });
    }

    function add(entry) {
      // The screen shows the entry as it is; the device keeps the user's words masked.
      transcript.push(entry.who === "user" ? {who: "user", text: maskForDevice(entry.text)} : entry);
      if (transcript.length > MAX_TRANSCRIPT) transcript = transcript.slice(-MAX_TRANSCRIPT);
      local.set("transcript", transcript);
      renderEntry(entry);
      renderReplies();
      scrollDown();
    }

    function setTyping(on) {
      typing.hidden = !on;
      clearTimeout(typingTimer);
      if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS);
      scrollDown();
    }

    function setStatus(text) {
      status.textContent = text;
      status.hidden = !text;
    }

    function emit(message) {
      if (!ready) {
        pending.push(message);
        return;
      }
      socket.emit("user_uttered", {message: message, session_id: sessionId});
    }

    function send(text, payload) {
      text = String(text).trim();
      if (!text) return;
      add({who: "user", text: text});
      setTyping(true);
      emit(payload || text);
    }

    function onBotMessage(data) {
      if (!data || typeof data !== "object") return;
      var text = typeof data.text === "string" ? data.text : "";
      var attachment = data.attachment && data.attachment.payload;
      if (!text && attachment && typeof attachment.src === "string") text = attachment.src;
      if (!text) return;
      var quick = Array.isArray(data.quick_replies) ? data.quick_replies : [];
      var choices = quick.filter(function (r) { return r && r.title && r.payload; }).map(function (r) {
        return {title: String(r.title), payload: String(r.payload)};
      });
      setTyping(false);
      add(choices.length ? {who: "bot", text: text, replies: choices} : {who: "bot", text: text});
    }

    function requestSession() {
      ready = false;
      socket.emit("session_request", {session_id: sessionId});
    }

    function connect() {
      if (typeof window.io !== "function") {
        setStatus("The chat could not load. Please try again later.");
        return;
      }
      socket = window.io(config.serverUrl || undefined, {
        path: config.socketPath,
        transports: ["websocket", "polling"]
      });
      socket.on("connect", function () {
        setStatus("");
        requestSession();
      });
      socket.on("session_confirm", function (data) {
        var id = typeof data === "string" ? data : data && data.session_id;
        if (!id) return;
        sessionId = id;
        local.set("session", id);
        ready = true;
        var queued = pending;
        pending = [];
        queued.forEach(emit);
      });
      socket.on("bot_uttered", onBotMessage);
      socket.on("disconnect", function () {
        ready = false;
        setStatus("Connection lost. Reconnecting\u2026");
      });
      socket.on("connect_error", function () {
        setStatus("Can't reach the assistant right now. Retrying\u2026");
      });
    }

    function setOpen(open) {
      panel.hidden = !open;
      root.classList.toggle("amexcare-open", open);
      launcher.setAttribute("aria-expanded", String(open));
      launcher.setAttribute("aria-label", (open ? "Close chat: " : "Open chat: ") + config.title);
      session.set("open", open);
      if (open) {
        if (!transcript.length && config.initialMessage) add({who: "bot", text: String(config.initialMessage)});
        scrollDown();
        input.focus();
      }
    }

    launcher.addEventListener("click", function () { setOpen(panel.hidden); });
    close.addEventListener("click", function () { setOpen(false); launcher.focus(); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { setOpen(false); launcher.focus(); }
    });
    /* Forget the conversation on this device and on the screen; the next message starts a new one. */
    function forget() {
      transcript = [];
      sessionId = null;
      local.remove("transcript");
      local.remove("session");
      Array.prototype.slice.call(log.querySelectorAll(".amexcare-msg:not(.amexcare-typing)"))
        .forEach(function (node) { log.removeChild(node); });
      setTyping(false);
      if (socket && socket.connected) requestSession();
    }

    restart.addEventListener("click", function () {
      forget();
      if (config.initialMessage) add({who: "bot", text: String(config.initialMessage)});
      renderReplies();
      input.focus();
    });
    clear.addEventListener("click", function () {
      forget();
      renderReplies();
      input.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      input.value = "";
      send(text);
    });

    log.appendChild(typing);
    transcript.forEach(renderEntry);
    renderReplies();
    setStatus("");

    this.mount = function () {
      document.body.appendChild(root);
      setOpen(session.get("open", false) === true);
      if (typeof window.io === "function") {
        connect();
      } else {
        loadOnce("script", {src: BASE + "socket.io.min.js"}, connect);
      }
    };
    this.open = function () { setOpen(true); };
    this.close = function () { setOpen(false); };
  }

  function init(options) {
    if (instance) return instance;
    var config = {};
    Object.keys(DEFAULTS).forEach(function (name) {
      config[name] = options && options[name] !== undefined ? options[name] : DEFAULTS[name];
    });
    instance = new Widget(config);
    var start = function () {
      loadOnce("link", {rel: "stylesheet", href: BASE + "widget.css"}, function () { instance.mount(); });
    };
    if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
    return instance;
  }

  window.AmexCareChat = {init: init};
})();
