/* Ouderlijn chat widget for a helpline's own website. Add to the page:
     <script src="https://CHAT-ADDRESS/static/widget.js" data-ouderlijn defer></script>
   (optional: data-label="Chat met ons"). It adds a launcher button at the bottom right that
   opens the chat (ORIGIN/widget) in an iframe. Nothing is loaded before the button is pressed.
   Messages from the iframe are accepted only from the chat's own origin. Styles are set from
   script (the host page's own CSS cannot reach them), no global names are added. */
(function () {
  'use strict';

  var script = document.currentScript || document.querySelector('script[data-ouderlijn]');
  if (!script || !script.src || document.querySelector('[data-ouderlijn-launcher]')) return;

  var chatOrigin = new URL(script.src, location.href).origin;
  // The one Dutch text here (the host page has no YAML); data-label overrides the button text.
  var NAME = 'Chat met Ouderlijn';
  var label = script.getAttribute('data-label') || NAME;
  var FRAME_ID = 'ouderlijn-chat-frame';
  var Z = '2147483000';
  var launcher = null;
  var frame = null;

  // Sets several style properties at once (CSSOM, allowed under a strict CSP).
  function css(node, props) {
    Object.keys(props).forEach(function (name) { node.style[name] = props[name]; });
  }

  // The round launcher button, bottom right.
  function makeLauncher() {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.setAttribute('data-ouderlijn-launcher', '');
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', FRAME_ID);
    css(button, {
      position: 'fixed', right: '16px', bottom: '16px', zIndex: Z, minHeight: '48px', minWidth: '48px',
      padding: '12px 20px', border: '2px solid #ffffff', borderRadius: '999px', background: '#1f5f66',
      color: '#ffffff', font: '600 16px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
      boxShadow: '0 4px 14px rgba(0, 0, 0, 0.25)', cursor: 'pointer', maxWidth: 'calc(100vw - 32px)'
    });
    button.addEventListener('click', toggle);
    button.addEventListener('focus', function () { showRing(button, button.matches(':focus-visible')); });
    button.addEventListener('blur', function () { showRing(button, false); });
    return button;
  }

  // A clear focus ring for keyboard users (pseudo-classes cannot be set from script).
  function showRing(node, on) {
    css(node, { outline: on ? '3px solid #1d4ed8' : '', outlineOffset: on ? '3px' : '' });
  }

  // The iframe with the chat; made on the first open only.
  function makeFrame() {
    var iframe = document.createElement('iframe');
    iframe.id = FRAME_ID;
    iframe.title = NAME;
    iframe.src = chatOrigin + '/widget';
    iframe.setAttribute('referrerpolicy', 'no-referrer');
    iframe.addEventListener('load', function () {
      iframe.contentWindow.postMessage({ type: 'ouderlijn:hello' }, chatOrigin);
    });
    css(iframe, {
      position: 'fixed', zIndex: Z, border: '0', background: '#ffffff', colorScheme: 'normal',
      boxShadow: '0 8px 28px rgba(0, 0, 0, 0.3)'
    });
    place(iframe);
    return iframe;
  }

  // Size and place the iframe: a panel above the launcher, or the full screen on phones.
  function place(iframe) {
    var small = window.innerWidth < 480 || window.innerHeight < 560;
    css(iframe, small
      ? { top: '0', left: '0', right: '0', bottom: '0', width: '100%', height: '100%', borderRadius: '0' }
      : { top: 'auto', left: 'auto', right: '16px', bottom: '80px', width: '400px', height: 'min(640px, calc(100vh - 100px))', borderRadius: '14px' });
  }

  // Opens the chat if it is closed, closes it if it is open.
  function toggle() {
    if (frame && frame.style.display !== 'none') close(true);
    else open();
  }

  // Shows the chat and moves the keyboard focus into it.
  function open() {
    if (!frame) {
      frame = makeFrame();
      document.body.appendChild(frame);
    }
    place(frame);
    frame.style.display = 'block';
    launcher.setAttribute('aria-expanded', 'true');
    frame.focus();
  }

  // Hides the chat (the conversation goes on) and gives focus back to the launcher.
  function close(returnFocus) {
    if (!frame || frame.style.display === 'none') return;
    frame.style.display = 'none';
    launcher.setAttribute('aria-expanded', 'false');
    if (returnFocus) launcher.focus();
  }

  // Messages from the chat: only from its own origin and its own iframe.
  function onMessage(event) {
    if (event.origin !== chatOrigin || !frame || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data !== 'object') return;
    if (data.type === 'ouderlijn:close') close(true);
    if (data.type === 'ouderlijn:exit') leave(data.url);
  }

  // "Snel weg" in the chat: the host page leaves too (only to an http(s) address).
  function leave(url) {
    var target;
    try { target = new URL(String(url)); } catch (err) { target = null; }
    if (frame) frame.remove();
    window.location.replace(target && /^https?:$/.test(target.protocol) ? target.href : 'about:blank');
  }

  // Escape on the host page closes an open chat and returns focus to the launcher.
  function onKey(event) {
    if (event.key === 'Escape' && frame && frame.style.display !== 'none') close(true);
  }

  // Adds the launcher once the page's body exists.
  function start() {
    launcher = makeLauncher();
    document.body.appendChild(launcher);
    window.addEventListener('message', onMessage);
    document.addEventListener('keydown', onKey);
    window.addEventListener('resize', function () { if (frame) place(frame); });
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
}());
