/* Ouderlijn volunteer console, part 1 of 2: building and updating the page's parts.
   No socket here (that is console.js). Everything from the server goes in with textContent,
   never innerHTML. Texts come from the page's YAML (the "texts" data block). */
(function () {
  'use strict';

  var T = JSON.parse(document.getElementById('texts').textContent);
  var ENTER_HINT_ID = 'enter-hint';

  // A text from the YAML, with {placeholders} filled in from vars.
  function t(key, vars) {
    var text = Object.prototype.hasOwnProperty.call(T, key) ? String(T[key]) : key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      var value = vars ? vars[name] : undefined;
      return value === undefined || value === null ? all : String(value);
    });
  }

  // A new element with a class and optional text (set as text, never parsed as HTML).
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A plain <button type="button"> with a class and a visible label.
  function button(className, label) {
    var node = el('button', className, label);
    node.type = 'button';
    return node;
  }

  // Sets an element's text only when it changed (keeps screen readers and selection calm).
  function setText(node, text) {
    var value = text === undefined || text === null ? '' : String(text);
    if (node.textContent !== value) node.textContent = value;
  }

  // "10:05" for an ISO time from the server, in the volunteer's own time zone.
  function clock(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) return '';
    return when.toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit' });
  }

  // Puts the nodes in `wanted` order as children of parent, moving only what is out of place.
  function arrange(parent, wanted) {
    wanted.forEach(function (node, index) {
      if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] || null);
    });
  }

  // The "asks for a … / topic … / waiting …" line of a queue item or conversation.
  function metaLine(item, prefix) {
    var parts = [];
    if (item.role_label) parts.push(t(prefix + '.asks', { role: item.role_label }));
    if (item.topic_label) parts.push(t(prefix + '.topic', { topic: item.topic_label }));
    if (prefix === 'queue') {
      var minutes = Number(item.waiting_minutes) || 0;
      parts.push(minutes > 0 ? t('queue.waiting', { minutes: minutes }) : t('queue.waiting_new'));
    } else if (item.channel) {
      var key = 'channel.' + item.channel;
      parts.push(t('conv.channel', { channel: T[key] !== undefined ? T[key] : item.channel }));
    }
    return parts.join(' ');
  }

  // One queue item's element: label, category mark (as text), details and "Oppakken".
  function buildQueueItem(id, onClaim) {
    var li = el('li', 'queue-item');
    li.dataset.id = String(id);
    var head = el('p', 'queue-head');
    var label = el('span', 'queue-label');
    var mark = el('span', 'mark');
    head.append(label, ' ', mark);
    var meta = el('p', 'queue-meta');
    var claim = button('button-primary claim');
    claim.dataset.key = 'claim:' + id;
    claim.append(el('span', '', t('queue.claim')), el('span', 'visually-hidden'));
    claim.addEventListener('click', function () { onClaim(id, claim); });
    var notYours = el('p', 'queue-note', t('queue.not_yours'));
    li.append(head, meta, claim, notYours);
    li.parts = { label: label, mark: mark, meta: meta, claim: claim, notYours: notYours };
    return li;
  }

  // Fills a queue item's element with the server's latest data for it.
  function fillQueueItem(li, item) {
    var p = li.parts;
    li.classList.toggle('is-urgent', !!item.urgent);
    li.classList.toggle('is-marked', !!item.category_label);
    setText(p.label, item.label);
    setText(p.mark, item.category_label || '');
    p.mark.hidden = !item.category_label;
    setText(p.meta, metaLine(item, 'queue'));
    setText(p.claim.lastChild, ' ' + item.label);
    p.claim.hidden = !item.may_claim;
    p.notYours.hidden = !!item.may_claim;
  }

  // Brings the queue list in line with the server's queue, reusing items by id.
  function renderQueue(list, empty, items, onClaim) {
    var old = {};
    Array.prototype.forEach.call(list.children, function (li) { old[li.dataset.id] = li; });
    var wanted = items.map(function (item) {
      var li = old[item.id] || buildQueueItem(item.id, onClaim);
      delete old[item.id];
      fillQueueItem(li, item);
      return li;
    });
    Object.keys(old).forEach(function (id) { old[id].remove(); });
    arrange(list, wanted);
    empty.hidden = items.length > 0;
  }

  // A labelled textarea with a submit button, as a small form (reply box or note box).
  function textForm(kind, id, label, submitLabel) {
    var form = el('form', 'compose compose-' + kind);
    var inputId = kind + '-' + id;
    var labelNode = el('label', 'compose-label', label);
    labelNode.htmlFor = inputId;
    var input = el('textarea', 'compose-input');
    input.id = inputId;
    input.name = kind;
    input.rows = kind === 'reply' ? 3 : 2;
    input.maxLength = 10000;
    input.dataset.key = inputId;
    input.setAttribute('aria-describedby', ENTER_HINT_ID + '-' + id);
    var row = el('div', 'compose-row');
    var send = el('button', kind === 'reply' ? 'button-primary' : 'button-secondary', submitLabel);
    send.type = 'submit';
    send.dataset.key = kind + '-send-' + id;
    row.append(send);
    form.append(labelNode, input, row);
    form.parts = { label: labelNode, input: input, row: row, send: send };
    return form;
  }

  // The canned-reply picker: a labelled <select> and an "Invoegen" button (never sends).
  function cannedPicker(id) {
    var wrap = el('div', 'canned');
    var select = el('select', 'canned-select');
    select.id = 'canned-' + id;
    select.dataset.key = select.id;
    var label = el('label', 'canned-label', t('conv.canned_label'));
    label.htmlFor = select.id;
    var insert = button('button-secondary canned-insert', t('conv.canned_insert'));
    insert.dataset.key = 'canned-insert-' + id;
    wrap.append(label, select, insert);
    return { wrap: wrap, select: select, insert: insert, signature: null };
  }

  // Fills the canned-reply <select> when the list of canned replies changed.
  function fillCanned(picker, canned) {
    var signature = JSON.stringify(canned || []);
    if (picker.signature === signature) return;
    picker.signature = signature;
    var first = el('option', '', t('conv.canned_choose'));
    first.value = '';
    var options = (canned || []).map(function (item, index) {
      var option = el('option', '', item.label);
      option.value = String(index);
      return option;
    });
    picker.select.replaceChildren.apply(picker.select, [first].concat(options));
    picker.wrap.hidden = options.length === 0;
  }

  // The three conversation actions; the bot confirms each in the desk panel.
  function actionButtons(id, onAction) {
    var group = el('div', 'actions');
    group.setAttribute('role', 'group');
    var heading = el('h4', 'actions-heading', t('conv.actions_heading'));
    heading.id = 'actions-' + id;
    var hint = el('p', 'hint', t('conv.actions_hint'));
    hint.id = 'actions-hint-' + id;
    group.setAttribute('aria-labelledby', heading.id);
    var row = el('div', 'actions-row');
    ['pass', 'release', 'close'].forEach(function (action) {
      var node = button('button-secondary action-' + action, t('conv.' + action));
      node.dataset.key = 'action-' + action + '-' + id;
      node.setAttribute('aria-describedby', hint.id);
      node.addEventListener('click', function () { onAction(id, action, node); });
      row.append(node);
    });
    group.append(heading, row, hint);
    return group;
  }

  // The tab and tab panel of one conversation, with its log and forms; `on` has the handlers.
  function buildView(id, on) {
    var tab = button('tab');
    tab.id = 'tab-' + id;
    tab.dataset.key = tab.id;
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-selected', 'false');
    tab.setAttribute('aria-controls', 'panel-' + id);
    tab.tabIndex = -1;
    var tabLabel = el('span', 'tab-label');
    var tabMark = el('span', 'tab-mark');
    var tabNew = el('span', 'tab-new', t('conv.tab_new'));
    tabNew.hidden = true;
    tab.append(tabLabel, ' ', tabMark, ' ', tabNew);
    tab.addEventListener('click', function () { on.select(id, false); });
    tab.addEventListener('keydown', function (event) { on.tabKey(id, event); });

    var panel = el('div', 'tabpanel');
    panel.id = 'panel-' + id;
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tab.id);
    panel.hidden = true;
    var title = el('h3', 'panel-title');
    var mark = el('p', 'mark panel-mark');
    var meta = el('p', 'panel-meta');
    var summary = el('div', 'summary');
    var logHeading = el('h4', 'log-heading', t('conv.log_heading'));
    var log = el('div', 'log conv-log');
    log.id = 'log-' + id;
    log.dataset.key = log.id;
    log.setAttribute('role', 'log');
    log.setAttribute('aria-live', 'polite');
    log.tabIndex = 0;
    var logEmpty = el('p', 'empty', t('conv.log_empty'));
    var typing = el('p', 'status typing');
    typing.setAttribute('role', 'status');
    var sending = el('p', 'status sending');
    sending.setAttribute('role', 'status');
    var reply = textForm('reply', id, '', t('conv.send'));
    var picker = cannedPicker(id);
    reply.insertBefore(picker.wrap, reply.parts.label);
    var hint = el('p', 'hint', t('conv.enter_hint'));
    hint.id = ENTER_HINT_ID + '-' + id;
    reply.insertBefore(hint, reply.parts.row);
    var note = textForm('note', id, t('conv.note_label'), t('conv.note_save'));
    var actions = actionButtons(id, on.action);
    // Blocking a parent: folded away, with what it does; the reason goes to the coordinators.
    var block = textForm('block', id, t('conv.block_label'), t('conv.block_save'));
    var blockBox = el('details', 'block-box');
    blockBox.append(el('summary', '', t('conv.block_heading')), el('p', 'hint', t('conv.block_hint')),
      block);
    panel.append(title, mark, meta, summary, logHeading, logEmpty, log, typing, reply, sending,
      note, actions, blockBox);

    var view = {
      id: id, tab: tab, tabLabel: tabLabel, tabMark: tabMark, tabNew: tabNew, panel: panel,
      title: title, mark: mark, meta: meta, summary: summary, log: log, logEmpty: logEmpty,
      typing: typing, sending: sending, reply: reply, note: note, block: block, picker: picker,
      lastId: 0, seenId: 0, stick: true, typingTimer: null, summarySignature: null
    };
    reply.addEventListener('submit', function (event) { event.preventDefault(); on.send(view, 'say'); });
    note.addEventListener('submit', function (event) { event.preventDefault(); on.send(view, 'note'); });
    block.addEventListener('submit', function (event) { event.preventDefault(); on.send(view, 'block'); });
    [reply.parts.input, note.parts.input].forEach(function (input) {
      input.addEventListener('keydown', function (event) { on.composeKey(view, input, event); });
    });
    reply.parts.input.addEventListener('input', function () { on.typed(view); });
    picker.insert.addEventListener('click', function () { on.insertCanned(view); });
    log.addEventListener('scroll', function () { if (!panel.hidden) view.stick = nearBottom(log); });
    return view;
  }

  // True when a log is scrolled (almost) to its end, so new messages may scroll it along.
  function nearBottom(log) {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  // The list under "what the parent already did with the bot" (tree route, FAQ titles, crisis).
  function renderSummary(view, summary) {
    var s = summary || {};
    var signature = JSON.stringify(s);
    if (view.summarySignature === signature) return;
    view.summarySignature = signature;
    var parts = [el('h4', 'summary-heading', t('conv.summary_heading'))];
    if (s.crisis) parts.push(el('p', 'mark summary-crisis', t('conv.crisis')));
    [['tree_route', 'conv.route'], ['faq_titles', 'conv.faq']].forEach(function (pair) {
      var items = Array.isArray(s[pair[0]]) ? s[pair[0]] : [];
      if (!items.length) return;
      parts.push(el('p', 'summary-label', t(pair[1])));
      var list = el(pair[0] === 'tree_route' ? 'ol' : 'ul', 'summary-list');
      items.forEach(function (text) { list.append(el('li', '', text)); });
      parts.push(list);
    });
    if (parts.length === 1) parts.push(el('p', 'empty', t('conv.summary_none')));
    view.summary.replaceChildren.apply(view.summary, parts);
  }

  // One message in a conversation log: who and when above the text (line breaks kept).
  function messageNode(message) {
    var from = ['parent', 'volunteer', 'note', 'system'].indexOf(message.from) >= 0 ? message.from : 'system';
    var node = el('div', 'msg msg-' + from);
    node.dataset.id = String(message.id);
    var who = message.name || '';
    if (from === 'note') who = t('conv.from_note', { name: message.name || '' });
    if (from === 'system') who = t('conv.from_system');
    var meta = el('p', 'msg-meta');
    meta.append(el('span', 'msg-name', who));
    var time = clock(message.at);
    if (time) {
      var stamp = el('time', 'msg-time', time);
      stamp.dateTime = message.at;
      meta.append(' ', stamp);
    }
    node.append(meta, el('p', 'msg-text', message.text));
    return node;
  }

  // Appends the messages the log does not show yet (a wiped history is rebuilt once).
  function renderMessages(view, messages) {
    var list = Array.isArray(messages) ? messages : [];
    var newest = list.length ? list[list.length - 1].id : 0;
    if (newest < view.lastId) {
      view.log.replaceChildren();
      view.lastId = 0;
    }
    var stick = view.stick || nearBottom(view.log);
    var added = list.filter(function (m) { return m.id > view.lastId; });
    added.forEach(function (m) { view.log.append(messageNode(m)); });
    if (added.length) view.lastId = added[added.length - 1].id;
    view.logEmpty.hidden = view.log.children.length > 0;
    if (stick && !view.panel.hidden) view.log.scrollTop = view.log.scrollHeight;
    return added;
  }

  // Fills a conversation's tab and panel with the server's latest data for it.
  function fillView(view, conv, canned) {
    setText(view.tabLabel, conv.label);
    setText(view.tabMark, conv.urgent ? t('conv.tab_urgent') : conv.category_label ? t('conv.tab_attention') : '');
    view.tabMark.hidden = !conv.category_label && !conv.urgent;
    view.tab.classList.toggle('is-urgent', !!conv.urgent);
    setText(view.title, conv.label);
    setText(view.mark, conv.category_label || '');
    view.mark.hidden = !conv.category_label;
    setText(view.meta, metaLine(conv, 'conv'));
    view.log.setAttribute('aria-label', t('conv.log_label', { label: conv.label }));
    setText(view.reply.parts.label, t('conv.reply_label', { label: conv.label }));
    fillCanned(view.picker, canned);
    renderSummary(view, conv.summary);
    return renderMessages(view, conv.messages);
  }

  // One desk message (what the bot tells the volunteer) with its answer buttons.
  function deskNode(message, onPress) {
    var node = el('div', 'desk-msg');
    node.dataset.id = String(message.id);
    node.append(el('p', 'msg-text', message.text));
    // Pass on, release and close already sit in the conversation's tab: not twice here.
    var buttons = (Array.isArray(message.buttons) ? message.buttons : []).filter(function (b) {
      return !/^v:(passmenu|release|closemenu|switch):/.test(b.id);
    });
    if (buttons.length) {
      var group = el('div', 'desk-buttons');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', t('desk.choices'));
      buttons.forEach(function (b) {
        var node2 = button('button-secondary desk-button', b.label);
        node2.dataset.key = 'desk:' + message.id + ':' + b.id;
        node2.addEventListener('click', function () { onPress(b, group); });
        group.append(node2);
      });
      node.append(group);
    }
    return node;
  }

  // Replaces a desk message's buttons with "Je koos: …" once one is pressed.
  function markChosen(group, label) {
    var chosen = el('p', 'desk-chosen', t('desk.chosen', { label: label }));
    group.replaceWith(chosen);
  }

  window.OuderlijnConsoleRender = {
    t: t, el: el, arrange: arrange, renderQueue: renderQueue, buildView: buildView, fillView: fillView,
    deskNode: deskNode, markChosen: markChosen, nearBottom: nearBottom, setText: setText
  };
}());
