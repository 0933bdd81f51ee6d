/* Ouderlijn parent chat (page and widget iframe): start screen, WebSocket with resume and
   re-send, message log, status lines and quick exit. Plain JS, no framework, no build step.
   Every text comes from web_chat_nl.yaml via the JSON block #texts. Server text is only
   ever put in the page with textContent. The frames are described in the web spec (#12). */
(function () {
  'use strict';

  var KEY_SESSION = 'ouderlijn.session', KEY_LAST = 'ouderlijn.last', KEY_PENDING = 'ouderlijn.pending';
  var MAX_CHARS = 10000, TYPING_HIDE_MS = 6000, TYPING_SEND_MS = 3000, ESCAPE_TWICE_MS = 800;
  var RETRY_MIN_MS = 1000, RETRY_MAX_MS = 30000, RESEND_MS = 5000;
  // Web addresses, and phone numbers a phone can call (112, 113, 0800-…, 070-312 28 87).
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+|\b11[23]\b(?![.\w])|\b0[1-9]\d{1,3}-\d{2,4}(?: ?\d{2,4}){0,3}\b/gi;

  var body = document.body;
  var texts = readTexts();
  var widget = body.getAttribute('data-mode') === 'widget';
  var exitUrl = safeUrl(body.getAttribute('data-exit-url'));
  var allowedOrigins = (body.getAttribute('data-allowed-origins') || '').split(/\s+/).filter(Boolean);
  var hostOrigin = null; // the embedding site, once it said hello from an allowed origin
  var el = {};
  var state = freshState();
  var HANDLERS = { message: onMessage, ack: onAck, typing: onTyping, queue: onQueue, status: onStatus, error: onError, session: onSession };

  // The per-conversation state; a new one after "end" or on a fresh start.
  function freshState() {
    return { token: null, socket: null, connected: false, stopped: true, lost: false, lastId: 0, historyId: 0,
      anchor: null, pending: [], bubbles: {}, own: {}, retryMs: RETRY_MIN_MS, retryTimer: null, typingTimer: null,
      typingSentAt: 0, lastEscape: 0, escapeTimer: null, noticeKind: '', lastBanner: '', lastQueue: '' };
  }

  // Reads the page's texts (the YAML as JSON) from the data block.
  function readTexts() {
    try { return JSON.parse(document.getElementById('texts').textContent) || {}; } catch (err) { return {}; }
  }

  // One text by key, with {name} placeholders filled in.
  function t(key, vars) {
    var value = texts[key];
    if (typeof value !== 'string') return key;
    return value.replace(/\{(\w+)\}/g, function (all, name) {
      return vars && vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : all;
    });
  }

  // Only http(s) addresses may be used as the quick-exit target.
  function safeUrl(value) {
    var url;
    try { url = new URL(value || '', location.href); } catch (err) { return 'about:blank'; }
    return /^https?:$/.test(url.protocol) ? url.href : 'about:blank';
  }

  // sessionStorage that never throws (private modes may refuse it): read, write, forget all.
  function storeGet(key) { try { return sessionStorage.getItem(key); } catch (err) { return null; } }
  function storeSet(key, value) { try { sessionStorage.setItem(key, value); } catch (err) { /* memory only */ } }
  function storeClear() { try { sessionStorage.clear(); } catch (err) { /* nothing stored */ } }

  // 32 random bytes, base64url: the session token.
  function randomToken() {
    var bytes = crypto.getRandomValues(new Uint8Array(32));
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // A random UUID v4 for client_id (randomUUID needs https, so build one when absent).
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.from(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return hex.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  }

  // Small helper: a new element with a class and (plain) text.
  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Finds the elements, wires the events and resumes a running conversation.
  function init() {
    ['start-screen', 'chat-screen', 'start-button', 'start-title', 'farewell', 'log-scroll', 'log', 'hours-banner',
      'queue-status', 'typing-status', 'notice', 'composer', 'message-input', 'forget-button',
      'quick-exit', 'widget-close'].forEach(function (id) {
      el[id.replace(/-(\w)/g, function (all, c) { return c.toUpperCase(); })] = document.getElementById(id);
    });
    el.quickExit.addEventListener('click', quickExit);
    el.startButton.addEventListener('click', startChat);
    el.composer.addEventListener('submit', onSubmit);
    el.messageInput.addEventListener('keydown', onInputKey);
    el.messageInput.addEventListener('input', sendTypingSoon);
    el.forgetButton.addEventListener('click', forget);
    el.widgetClose.addEventListener('click', closeWidget);
    document.addEventListener('keydown', onGlobalKey);
    window.addEventListener('online', reconnectNow);
    if (widget) window.addEventListener('message', onHostMessage);
    if (storeGet(KEY_SESSION)) resumeChat();
  }

  // "Start het gesprek": only now a token is made and stored, and the socket opens.
  function startChat() {
    state = freshState();
    state.token = randomToken();
    storeSet(KEY_SESSION, state.token);
    el.farewell.textContent = '';
    showScreen(true);
    connect();
    el.messageInput.focus();
  }

  // A reload mid-conversation: straight back to the chat, un-acked messages shown again.
  function resumeChat() {
    state = freshState();
    state.token = storeGet(KEY_SESSION);
    state.historyId = Number(storeGet(KEY_LAST)) || 0;
    try { state.pending = JSON.parse(storeGet(KEY_PENDING) || '[]'); } catch (err) { state.pending = []; }
    state.pending = Array.isArray(state.pending) ? state.pending.filter(function (e) { return e && e.frame && e.frame.client_id; }) : [];
    state.pending.forEach(function (entry) {
      var bubble = addOwn(entry.label, entry.frame.client_id);
      state.anchor = state.anchor || bubble;
    });
    showScreen(true);
    connect();
  }

  // Shows the chat (true) or the start screen (false).
  function showScreen(chat) {
    el.startScreen.hidden = chat;
    el.chatScreen.hidden = !chat;
  }

  // Opens the WebSocket for this session.
  function connect() {
    state.stopped = false;
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket;
    try { socket = new WebSocket(scheme + location.host + '/ws?session=' + encodeURIComponent(state.token)); } catch (err) { onClose(); return; }
    state.socket = socket;
    socket.addEventListener('open', function () { if (socket === state.socket) onOpen(); });
    socket.addEventListener('message', function (event) { if (socket === state.socket) onFrame(event); });
    socket.addEventListener('close', function () { if (socket === state.socket) onClose(); });
  }

  // Connected: resume after the last message we have, then re-send what is not acked yet.
  function onOpen() {
    state.connected = true;
    state.retryMs = RETRY_MIN_MS;
    send({ type: 'resume', after: state.lastId });
    sendHead();
    if (!state.lost) return;
    state.lost = false;
    setNotice(t('conn_back'), 'back');
    setTimeout(function () { if (state.noticeKind === 'back') setNotice('', ''); }, 4000);
  }

  // Connection gone: say so and try again with a growing pause (1 s … 30 s).
  function onClose() {
    state.connected = false;
    state.socket = null;
    if (state.stopped) return;
    state.lost = true;
    setNotice(t('conn_lost'), 'conn');
    var wait = state.retryMs + Math.floor(Math.random() * 500);
    state.retryMs = Math.min(state.retryMs * 2, RETRY_MAX_MS);
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(function () { if (!state.stopped) connect(); }, wait);
  }

  // Back online (the browser says so): try at once instead of waiting for the timer.
  function reconnectNow() {
    if (state.stopped || state.connected || state.socket) return;
    clearTimeout(state.retryTimer);
    state.retryMs = RETRY_MIN_MS;
    connect();
  }

  // Closes the socket for good (end of conversation or quick exit).
  function disconnect() {
    var socket = state.socket;
    state.stopped = true;
    state.socket = null;
    state.connected = false;
    clearTimeout(state.retryTimer);
    if (socket) socket.close();
  }

  // Sends one frame if the socket is open; returns whether it went out.
  function send(frame) {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
    state.socket.send(JSON.stringify(frame));
    return true;
  }

  // One frame from the server.
  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (err) { return; }
    if (frame && Object.prototype.hasOwnProperty.call(HANDLERS, frame.type)) HANDLERS[frame.type](frame);
  }

  // A token from the server (only sent when we connected without one).
  function onSession(frame) {
    if (typeof frame.token === 'string') storeSet(KEY_SESSION, state.token = frame.token);
  }

  // A bot, volunteer (or replayed own) message: show it once, in order, with its buttons.
  function onMessage(m) {
    var id = Number(m.id);
    if (!(id > state.lastId)) return;
    state.lastId = id;
    storeSet(KEY_LAST, String(id));
    if (m.from === 'parent' && m.client_id && state.own[m.client_id]) return; // shown already
    hideTyping();
    if (m.end) return endConversation(m.text);
    clearChoices();
    appendEntry(renderMessage(m), id <= state.historyId, false);
  }

  // Builds the element for one message from the server.
  function renderMessage(m) {
    var from = m.from === 'volunteer' || m.from === 'parent' ? m.from : 'bot';
    var node = from === 'parent' ? ownBubble(m.text) : make('div', 'msg msg-' + from);
    if (from !== 'parent') {
      var who = from === 'bot' ? t('who_bot', { name: m.name || t('bot_default_name') })
        : t('who_volunteer', { name: m.name || t('volunteer_default_name') });
      node.appendChild(make('p', 'msg-who', who));
      node.appendChild(fillText(make('p', 'bubble'), m.text));
    }
    var time = formatTime(m.at);
    if (time) {
      var stamp = make('time', '', time);
      stamp.setAttribute('datetime', m.at);
      node.appendChild(make('p', 'msg-meta')).appendChild(stamp);
    }
    if (from !== 'parent' && Array.isArray(m.buttons) && m.buttons.length) node.appendChild(renderChoices(m.buttons));
    return node;
  }

  // "10:05" for an ISO time, or '' when there is none.
  function formatTime(at) {
    var date = new Date(typeof at === 'string' ? at : NaN);
    return isNaN(date.getTime()) ? '' : date.toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit' });
  }

  // Puts text in a node as text nodes, with web addresses turned into safe links.
  function fillText(node, text) {
    var last = 0;
    text = typeof text === 'string' ? text : '';
    text.replace(URL_PATTERN, function (found, offset) {
      var match = found.replace(/[.,;:!?)\]}'"]+$/, '');
      var phone = /^\d/.test(match);
      var href = phone ? 'tel:' + match.replace(/\D/g, '')
        : safeUrl(/^www\./i.test(match) ? 'https://' + match : match);
      if (href === 'about:blank') return found;
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = make('a', phone ? 'phone' : '', match);
      link.href = href;
      if (!phone) {
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.appendChild(make('span', 'visually-hidden', ' ' + t('link_new_window')));
      }
      node.appendChild(link);
      last = offset + match.length;
      return found;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
    return node;
  }

  // The answer buttons of the latest message.
  function renderChoices(buttons) {
    var group = make('div', 'choices');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', t('choices_label'));
    buttons.forEach(function (b) {
      if (!b || typeof b.id !== 'string' || typeof b.label !== 'string') return;
      var button = group.appendChild(make('button', 'choice', b.label));
      button.type = 'button';
      button.addEventListener('click', function () { pressChoice(b); });
    });
    return group;
  }

  // Removes older buttons: only the latest message's buttons can be pressed.
  function clearChoices() {
    var hadFocus = false;
    el.log.querySelectorAll('.choices').forEach(function (group) {
      hadFocus = hadFocus || group.contains(document.activeElement);
      group.remove();
    });
    if (hadFocus) el.messageInput.focus();
  }

  // Adds a message to the log; replayed history goes above restored un-sent messages.
  function appendEntry(node, isHistory, force) {
    var log = el.log, box = el.logScroll;
    var atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    if (isHistory && state.anchor && state.anchor.parentNode === log) log.insertBefore(node, state.anchor);
    else log.appendChild(node);
    // A long answer is read from its top; anything else just comes into view.
    if (force || atEnd) scrollLogTo(node);
  }

  // Scrolls the log box itself (never the page): a long answer from its top, else the end.
  function scrollLogTo(node) {
    var box = el.logScroll;
    var top = node.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTop = node.offsetHeight > box.clientHeight ? top : box.scrollHeight;
  }

  // The parent's own message element ("U" is read out, not shown).
  function ownBubble(text) {
    var node = make('div', 'msg msg-parent');
    node.appendChild(make('p', 'msg-who visually-hidden', t('who_you')));
    node.appendChild(fillText(make('p', 'bubble'), text));
    return node;
  }

  // Shows the parent's own message in the log, marked "sending" until acked.
  function addOwn(label, clientId) {
    var node = ownBubble(label);
    node.classList.add('msg-sending');
    node.appendChild(make('p', 'msg-meta', t('sending')));
    state.bubbles[clientId] = node;
    state.own[clientId] = true;
    appendEntry(node, false, true);
    return node;
  }

  // Sends a text or button frame reliably: shown at once, kept until its ack arrives. One
  // at a time, in order: a message refused for a moment (busy, too fast) is never overtaken.
  function sendReliable(frame, label) {
    frame.client_id = uuid();
    state.pending.push({ frame: frame, label: label });
    savePending();
    addOwn(label, frame.client_id);
    if (state.noticeKind === 'error') setNotice('', '');
    if (state.pending.length === 1) send(frame);
  }

  // Sends the oldest message that is not acked yet (the next goes when its ack arrives).
  function sendHead() {
    if (state.pending.length) send(state.pending[0].frame);
  }

  // Keeps the un-acked messages in sessionStorage, so a reload can send them again.
  function savePending() {
    storeSet(KEY_PENDING, JSON.stringify(state.pending));
  }

  // Takes a message out of the pending list; returns it (or null).
  function takePending(clientId) {
    var i = state.pending.findIndex(function (entry) { return entry.frame.client_id === clientId; });
    if (i < 0) return null;
    var entry = state.pending.splice(i, 1)[0];
    savePending();
    return entry;
  }

  // The server stored our message: no longer "sending".
  function onAck(frame) {
    if (takePending(frame.client_id)) sendHead();
    if (state.noticeKind === 'error') setNotice('', '');
    var node = state.bubbles[frame.client_id];
    if (!node) return;
    delete state.bubbles[frame.client_id];
    node.classList.remove('msg-sending');
    node.querySelector('.msg-meta').remove();
  }

  // An error from the server; a refused message goes back into the input box.
  function onError(frame) {
    setNotice(typeof frame.text === 'string' && frame.text ? frame.text : t('error_generic'), 'error');
    if (frame.code === 'busy' || frame.code === 'rate_limited') return resendLater(frame.client_id);
    var entry = frame.client_id ? takePending(frame.client_id) : null;
    var node = entry && state.bubbles[frame.client_id];
    if (!entry) return;
    sendHead();
    delete state.bubbles[frame.client_id];
    if (entry.frame.type === 'text' && entry.frame.text !== '/vergeet') putBack(entry.frame.text);
    if (!node) return;
    if (frame.code === 'too_long' || entry.frame.type === 'button') return node.remove();
    node.classList.remove('msg-sending');
    node.classList.add('msg-failed');
    node.querySelector('.msg-meta').textContent = t('not_sent');
  }

  // Not stored yet (server busy, or too fast): stays "sending" and goes again in a few seconds.
  function resendLater(clientId) {
    setTimeout(function () {
      state.pending.forEach(function (entry) { if (entry.frame.client_id === clientId) send(entry.frame); });
    }, RESEND_MS);
  }

  // Puts refused text back in the input, before whatever the parent typed since.
  function putBack(text) {
    var now = el.messageInput.value;
    el.messageInput.value = now ? text + '\n' + now : text;
  }

  // "… typt": shown for at most 6 seconds, or until a message arrives.
  function onTyping(frame) {
    var name = frame.name || (frame.from === 'bot' ? t('bot_default_name') : '');
    el.typingStatus.textContent = name ? t('typing', { name: name }) : t('typing_someone');
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, TYPING_HIDE_MS);
  }

  // Empties the typing line.
  function hideTyping() {
    clearTimeout(state.typingTimer);
    el.typingStatus.textContent = '';
  }

  // Place in the queue and expected wait; place null hides the line.
  function onQueue(frame) {
    var text = '', minutes = frame.wait_minutes;
    if (typeof frame.place === 'number') {
      var key = typeof minutes !== 'number' ? 'queue_place' : minutes === 1 ? 'queue_wait_one' : 'queue_wait';
      text = t(key, { place: frame.place, minutes: minutes }) + ' ' + t('queue_hint');
    }
    if (text === state.lastQueue) return;
    state.lastQueue = text;
    el.queueStatus.textContent = text;
  }

  // Open or closed: when closed, a banner with opening hours and contact.
  function onStatus(frame) {
    var key = frame.open === false ? [frame.opening_hours, frame.contact].join('|') : '';
    if (key === state.lastBanner) return;
    state.lastBanner = key;
    var banner = el.hoursBanner;
    banner.textContent = '';
    if (frame.open !== false) return;
    banner.appendChild(make('p', 'banner-title', t('closed_title') + ' ' + t('closed_bot')));
    if (frame.opening_hours) banner.appendChild(make('p', '', t('closed_hours', { hours: frame.opening_hours })));
    if (frame.contact) banner.appendChild(fillText(make('p'), t('closed_contact', { contact: frame.contact })));
  }

  // The status line for connection trouble and errors; kind tells what is shown.
  function setNotice(text, kind) {
    state.noticeKind = kind;
    el.notice.textContent = text;
  }

  // The form: send the typed text (Enter or the send button).
  function onSubmit(event) {
    event.preventDefault();
    var text = el.messageInput.value;
    if (!text.trim()) return;
    if (Array.from(text).length > MAX_CHARS) return setNotice(t('too_long_local'), 'error');
    el.messageInput.value = '';
    sendReliable({ type: 'text', text: text }, text);
    el.messageInput.focus();
  }

  // Enter sends, Shift+Enter makes a new line.
  function onInputKey(event) {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (el.composer.requestSubmit) el.composer.requestSubmit();
    else onSubmit(event);
  }

  // Tells the server the parent is typing, at most once every 3 seconds.
  function sendTypingSoon() {
    var now = Date.now();
    if (!el.messageInput.value.trim() || now - state.typingSentAt < TYPING_SEND_MS) return;
    if (send({ type: 'typing' })) state.typingSentAt = now;
  }

  // An answer button: its label becomes the parent's own message.
  function pressChoice(button) {
    clearChoices();
    sendReliable({ type: 'button', id: button.id }, button.label);
  }

  // "Gesprek beëindigen en wissen": the engine asks to confirm, then ends with end:true.
  function forget() {
    sendReliable({ type: 'text', text: '/vergeet' }, t('forget_button'));
  }

  // The last message of an erased conversation: wipe everything, back to the start.
  function endConversation(text) {
    disconnect();
    storeClear();
    el.log.textContent = '';
    [el.hoursBanner, el.queueStatus, el.typingStatus, el.notice].forEach(function (line) { line.textContent = ''; });
    el.messageInput.value = '';
    state = freshState();
    showScreen(false);
    el.startButton.textContent = el.startButton.getAttribute('data-label-new');
    el.farewell.textContent = typeof text === 'string' ? t('farewell') : '';
    el.startTitle.focus();
  }

  // "Snel weg": close, forget, remove the conversation and leave (the host page too).
  function quickExit() {
    send({ type: 'exit' }); // a waiting or live conversation ends; the volunteer is told
    disconnect();
    storeClear();
    el.logScroll.remove();
    el.messageInput.value = '';
    if (postToHost({ type: 'ouderlijn:exit', url: exitUrl })) {
      // The host page leaves and takes this frame with it; leave too if it does not.
      setTimeout(function () { location.replace(exitUrl); }, 300);
    } else {
      location.replace(exitUrl);
    }
  }

  // Escape twice quickly leaves; in the widget a single Escape hides the chat.
  function onGlobalKey(event) {
    if (event.key !== 'Escape' || event.isComposing) return;
    var now = Date.now();
    clearTimeout(state.escapeTimer);
    if (now - state.lastEscape < ESCAPE_TWICE_MS) return quickExit();
    state.lastEscape = now;
    if (widget) state.escapeTimer = setTimeout(closeWidget, ESCAPE_TWICE_MS);
  }

  // The host page says hello: accept it only from an allowed origin, and remember it.
  function onHostMessage(event) {
    if (event.source !== window.parent || allowedOrigins.indexOf(event.origin) < 0) return;
    if (!event.data || event.data.type !== 'ouderlijn:hello') return;
    hostOrigin = event.origin;
    el.widgetClose.hidden = false;
  }

  // Posts to the host page, only to the origin that said hello (never to "*").
  function postToHost(data) {
    if (!widget || !hostOrigin || window.parent === window) return false;
    window.parent.postMessage(data, hostOrigin);
    return true;
  }

  // Widget: ask the host page to hide the chat (the conversation goes on).
  function closeWidget() {
    postToHost({ type: 'ouderlijn:close' });
  }

  init();
}());
