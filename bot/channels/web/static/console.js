/* Ouderlijn volunteer console, part 2 of 2: the socket (/console/ws), the state frames and
   the controls. The page's parts are built by console_render.js (loaded before this file).
   Every state frame is merged into the page: the selected tab, typed text, focus and the
   scroll position of the logs stay as they are. */
(function () {
  'use strict';

  var R = window.OuderlijnConsoleRender;
  var t = R.t;
  var TYPING_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 6000;
  var NOTICE_SHOWN_MS = 10000;
  var AWAIT_DESK_MS = 20000;
  var MAX_DESK = 100;
  var csrf = document.body.dataset.csrf || '';

  var dom = {};
  ['conn-status', 'notice', 'available', 'available-state', 'me-name', 'me-role', 'queue-list',
    'queue-empty', 'tabs', 'panels', 'conv-empty', 'desk-log', 'desk-empty'].forEach(function (id) {
    dom[id.replace(/-(\w)/g, function (all, c) { return c.toUpperCase(); })] = document.getElementById(id);
  });

  var state = {
    socket: null, attempts: 0, timer: null, stopped: false, me: null, canned: [],
    views: {}, selected: null, claimed: null,
    pending: {}, inflight: [], lastDesk: 0,
    awaitFrom: null, awaitSince: 0, noticeTimer: null
  };

  // A random id for a frame, so a frame sent again after a reconnect is counted once.
  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
  }

  // True while the socket is open and frames can go out.
  function isOpen() {
    return state.socket !== null && state.socket.readyState === WebSocket.OPEN;
  }

  // Shows a short text in the page's status line (errors, "typ eerst iets" …).
  function notify(text) {
    R.setText(dom.notice, text);
    clearTimeout(state.noticeTimer);
    state.noticeTimer = setTimeout(function () { R.setText(dom.notice, ''); }, NOTICE_SHOWN_MS);
  }

  // Sends a frame; a kept frame waits for its ack and goes out again after a reconnect.
  function send(frame, keep) {
    frame.client_id = frame.client_id || uuid();
    if (keep) state.pending[frame.client_id] = frame;
    if (isOpen()) {
      state.socket.send(JSON.stringify(frame));
      if (keep) state.inflight.push(frame.client_id);
    } else if (keep) {
      notify(t('status.queued'));
    }
    return frame.client_id;
  }

  // Opens the console socket (the session cookie goes along; the CSRF token in the query).
  function connect() {
    clearTimeout(state.timer);
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket = new WebSocket(scheme + location.host + '/console/ws?csrf=' + encodeURIComponent(csrf));
    state.socket = socket;
    socket.addEventListener('open', function () { opened(socket); });
    socket.addEventListener('message', function (event) { onFrame(event.data); });
    socket.addEventListener('close', function (event) { closed(socket, event); });
  }

  // Connected: say so and send every frame that has no ack yet, in the original order.
  function opened(socket) {
    if (state.socket !== socket) return;
    state.attempts = 0;
    R.setText(dom.connStatus, t('status.connected'));
    state.inflight = [];
    Object.keys(state.pending).forEach(function (id) {
      socket.send(JSON.stringify(state.pending[id]));
      state.inflight.push(id);
    });
  }

  // Connection lost: try again with a growing pause (1 s … 30 s), unless signed out.
  function closed(socket, event) {
    if (state.socket !== socket) return;
    state.socket = null;
    state.inflight = [];
    if (event.code === 1008) {
      state.stopped = true;
      dom.available.disabled = true;
      R.setText(dom.connStatus, t('status.signed_out'));
      return;
    }
    state.attempts += 1;
    R.setText(dom.connStatus, t(state.attempts > 4 ? 'status.lost_long' : 'status.lost'));
    var delay = Math.min(30000, 1000 * Math.pow(2, state.attempts - 1));
    state.timer = setTimeout(connect, delay);
  }

  // Handles one frame from the server.
  function onFrame(raw) {
    var frame;
    try { frame = JSON.parse(raw); } catch (error) { return; }
    if (!frame || typeof frame !== 'object') return;
    if (frame.type === 'state') renderState(frame);
    else if (frame.type === 'desk') addDesk(frame.message);
    else if (frame.type === 'typing') showTyping(frame.handoff);
    else if (frame.type === 'ack') answered(frame.client_id, null);
    else if (frame.type === 'error') answered(null, frame.text);
  }

  // An ack or error answers the oldest frame in flight; a refused message goes back in its box.
  function answered(clientId, errorText) {
    var id = clientId || state.inflight[0];
    var at = state.inflight.indexOf(id);
    if (at >= 0) state.inflight.splice(at, 1);
    var frame = id ? state.pending[id] : null;
    if (id) delete state.pending[id];
    if (errorText) notify(errorText);
    if (!frame || (frame.type !== 'say' && frame.type !== 'note')) return;
    var view = state.views[frame.handoff];
    if (!view) return;
    if (errorText) putBack(view, frame);
    var waiting = Object.keys(state.pending).some(function (key) {
      return state.pending[key].handoff === view.id && state.pending[key].type === 'say';
    });
    if (!waiting) R.setText(view.sending, '');
  }

  // Puts a refused message back in its reply or note box, before what was typed since.
  function putBack(view, frame) {
    var input = (frame.type === 'say' ? view.reply : view.note).parts.input;
    input.value = input.value ? frame.text + '\n' + input.value : frame.text;
  }

  // Runs a re-render and puts the focus back if the focused element was rebuilt or moved.
  function keepFocus(render) {
    var before = document.activeElement;
    var key = before && before.dataset ? before.dataset.key : null;
    var column = before && before.closest ? before.closest('.column') : null;
    var fallback = column ? column.querySelector('h2') : null;
    render();
    var now = document.activeElement;
    if (now === before || (now && now !== document.body)) return;
    var again = key ? document.querySelector('[data-key="' + key.replace(/["\\]/g, '') + '"]') : null;
    if (again && again.offsetParent !== null) again.focus({ preventScroll: true });
    else if (fallback) fallback.focus({ preventScroll: true });
  }

  // Merges a state frame into the page: who I am, the queue, my conversations.
  function renderState(frame) {
    var queue = Array.isArray(frame.queue) ? frame.queue : [];
    var conversations = Array.isArray(frame.conversations) ? frame.conversations : [];
    var known = queue.concat(conversations).some(function (item) { return item.id === state.claimed; });
    if (!known) state.claimed = null;
    keepFocus(function () {
      renderMe(frame.me);
      state.canned = Array.isArray(frame.canned) ? frame.canned : [];
      R.renderQueue(dom.queueList, dom.queueEmpty, queue, claim);
      renderConversations(conversations);
    });
  }

  // The header: name, role and the availability toggle (a button with aria-pressed).
  function renderMe(me) {
    if (!me) return;
    state.me = me;
    R.setText(dom.meName, me.name);
    R.setText(dom.meRole, me.role_label || '');
    dom.available.disabled = state.stopped;
    dom.available.setAttribute('aria-pressed', me.available ? 'true' : 'false');
    R.setText(dom.availableState, t(me.available ? 'available.on' : 'available.off'));
  }

  // Brings tabs and panels in line with the conversations, reusing them by id.
  function renderConversations(conversations) {
    var old = state.views;
    var views = {};
    var tabs = conversations.map(function (conv) {
      var view = old[conv.id];
      var fresh = !view;
      if (fresh) view = createView(conv.id);
      delete old[conv.id];
      views[conv.id] = view;
      var added = R.fillView(view, conv, state.canned);
      noteArrivals(view, added, fresh);
      return view.tab;
    });
    Object.keys(old).forEach(function (id) {
      clearTimeout(old[id].typingTimer);
      old[id].tab.remove();
      old[id].panel.remove();
    });
    state.views = views;
    R.arrange(dom.tabs, tabs);
    dom.tabs.hidden = tabs.length === 0;
    dom.convEmpty.hidden = tabs.length > 0;
    chooseSelected(conversations);
  }

  // A new conversation's tab and panel, wired to this file's handlers.
  function createView(id) {
    var view = R.buildView(id, {
      select: select, tabKey: tabKey, action: action, send: sendCompose,
      composeKey: composeKey, typed: typed, insertCanned: insertCanned
    });
    dom.panels.append(view.panel);
    return view;
  }

  // New parent messages: clear "… typt" and mark the tab "nieuw bericht" if it is not in view.
  function noteArrivals(view, added, fresh) {
    var fromParent = added.some(function (m) { return m.from === 'parent'; });
    if (!fromParent) return;
    clearTyping(view);
    if (!fresh && (state.selected !== view.id || document.hidden)) view.tabNew.hidden = false;
  }

  // Keeps the selected tab; else the one I just claimed, my current one or the first.
  function chooseSelected(conversations) {
    var ids = conversations.map(function (c) { return c.id; });
    var wanted = state.selected;
    var claimedNow = state.claimed !== null && ids.indexOf(state.claimed) >= 0;
    if (claimedNow) {
      wanted = state.claimed;
      state.claimed = null;
    }
    if (ids.indexOf(wanted) < 0) {
      var current = conversations.filter(function (c) { return c.current; })[0];
      wanted = current ? current.id : ids.length ? ids[0] : null;
    }
    var focus = document.activeElement;
    var lost = !focus || focus === document.body || dom.deskLog.contains(focus);
    select(wanted, claimedNow && lost);
  }

  // Shows one conversation's panel (the others hidden) and keeps each log's scroll position.
  function select(id, focusTab) {
    state.selected = id;
    Object.keys(state.views).forEach(function (key) {
      var view = state.views[key];
      var on = view.id === id;
      view.tab.setAttribute('aria-selected', on ? 'true' : 'false');
      view.tab.tabIndex = on ? 0 : -1;
      if (!on && !view.panel.hidden) view.savedScroll = view.log.scrollTop;
      if (view.panel.hidden === on) {
        view.panel.hidden = !on;
        if (on) view.log.scrollTop = view.stick ? view.log.scrollHeight : view.savedScroll || 0;
      }
      if (on) view.tabNew.hidden = true;
    });
    if (focusTab && state.views[id]) state.views[id].tab.focus();
  }

  // Arrow keys, Home and End move between the tabs (and select the tab they land on).
  function tabKey(id, event) {
    var ids = Array.prototype.map.call(dom.tabs.children, function (tab) {
      return Number(tab.id.replace('tab-', ''));
    });
    var at = ids.indexOf(id);
    var next = null;
    if (event.key === 'ArrowRight') next = ids[(at + 1) % ids.length];
    else if (event.key === 'ArrowLeft') next = ids[(at - 1 + ids.length) % ids.length];
    else if (event.key === 'Home') next = ids[0];
    else if (event.key === 'End') next = ids[ids.length - 1];
    if (next === null || next === undefined) return;
    event.preventDefault();
    select(next, true);
  }

  // "Oppakken" on a queue item; the new conversation's tab opens when the state shows it.
  function claim(id) {
    state.claimed = id;
    state.awaitFrom = null;
    send({ type: 'claim', handoff: id }, true);
  }

  // Doorgeven / Terugzetten / Afsluiten: the bot asks to confirm in the desk panel.
  function action(id, name, node) {
    expectDesk(node);
    send({ type: 'action', action: name, handoff: id }, true);
  }

  // Remembers that the volunteer waits for the bot's answer in the desk panel.
  function expectDesk(from) {
    state.awaitFrom = from;
    state.awaitSince = Date.now();
  }

  // Sends the text of a reply box ("say"), note box ("note") or block reason ("block") and
  // empties the box.
  function sendCompose(view, kind) {
    var box = { say: view.reply, note: view.note, block: view.block }[kind] || view.note;
    var input = box.parts.input;
    var text = input.value.trim();
    if (!text) {
      notify(t('status.empty'));
      input.focus();
      return;
    }
    send({ type: kind, handoff: view.id, text: text }, true);
    input.value = '';
    if (kind === 'say') R.setText(view.sending, t('conv.sending'));
  }

  // Enter sends, Shift+Enter makes a new line (not while an input method is composing).
  function composeKey(view, input, event) {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    sendCompose(view, input === view.reply.parts.input ? 'say' : 'note');
  }

  // Tells the parent that the volunteer is typing, at most once every 3 seconds.
  function typed(view) {
    var now = Date.now();
    if (!isOpen() || now - (view.lastTyping || 0) < TYPING_EVERY_MS) return;
    view.lastTyping = now;
    send({ type: 'typing', handoff: view.id }, false);
  }

  // Puts the chosen canned reply into the reply box at the cursor, for editing (never sends).
  function insertCanned(view) {
    var select = view.picker.select;
    var item = select.value === '' ? null : state.canned[Number(select.value)];
    if (!item) {
      select.focus();
      return;
    }
    var input = view.reply.parts.input;
    var start = input.selectionStart;
    var before = input.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? ' ' : '';
    input.setRangeText(glue + item.text, start, input.selectionEnd, 'end');
    select.value = '';
    input.focus();
  }

  // "Ouder #K7 typt…" in the conversation's status line, for 6 seconds.
  function showTyping(handoff) {
    var view = state.views[handoff];
    if (!view) return;
    R.setText(view.typing, t('conv.typing', { label: view.tabLabel.textContent }));
    clearTimeout(view.typingTimer);
    view.typingTimer = setTimeout(function () { clearTyping(view); }, TYPING_SHOWN_MS);
  }

  // Hides a conversation's "… typt" line.
  function clearTyping(view) {
    clearTimeout(view.typingTimer);
    R.setText(view.typing, '');
  }

  // Adds a desk message; only the newest one keeps its buttons (focus follows if awaited).
  function addDesk(message) {
    if (!message || typeof message.id !== 'number' || message.id <= state.lastDesk) return;
    state.lastDesk = message.id;
    var log = dom.deskLog;
    var focus = document.activeElement;
    var stick = R.nearBottom(log);
    var focusInOld = log.contains(focus) && focus !== log;
    var awaited = state.claimed === null && state.awaitFrom !== null && focus === state.awaitFrom &&
      Date.now() - state.awaitSince < AWAIT_DESK_MS;
    Array.prototype.forEach.call(log.querySelectorAll('.desk-buttons'), function (group) { group.remove(); });
    var node = R.deskNode(message, press);
    log.append(node);
    while (log.children.length > MAX_DESK) log.firstElementChild.remove();
    dom.deskEmpty.hidden = true;
    if (stick || awaited || focusInOld) log.scrollTop = log.scrollHeight;
    var first = node.querySelector('button');
    if (awaited) state.awaitFrom = null;
    if (awaited && first) first.focus();
    else if (focusInOld) log.focus({ preventScroll: true });
  }

  // A desk button: send the press, show "Je koos: …" and keep the focus in the desk panel.
  function press(choice, group) {
    var hadFocus = group.contains(document.activeElement);
    var claimed = /^v:claim:(\d+)$/.exec(choice.id);
    send({ type: 'press', id: choice.id }, true);
    R.markChosen(group, choice.label);
    if (hadFocus) dom.deskLog.focus({ preventScroll: true });
    if (claimed) state.claimed = Number(claimed[1]);
    else expectDesk(dom.deskLog);
  }

  // The availability toggle: ask the server; the next state frame shows the new value.
  function toggleAvailable() {
    if (!state.me) return;
    send({ type: 'available', value: !state.me.available }, true);
  }

  // Coming back to the page marks the visible conversation as seen.
  function pageShown() {
    var view = state.views[state.selected];
    if (!document.hidden && view) view.tabNew.hidden = true;
  }

  // Back online: try at once instead of waiting for the next attempt.
  function backOnline() {
    if (!state.stopped && state.socket === null) connect();
  }

  dom.available.addEventListener('click', toggleAvailable);
  document.addEventListener('visibilitychange', pageShown);
  window.addEventListener('online', backOnline);
  connect();
}());
