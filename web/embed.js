/*
 * handsup embed loader. Put this where a live poll should appear:
 *
 *   <script src="https://vote.example.org/embed.js" data-room="12345678"></script>
 *
 * Optional: data-activity="3" shows only that activity; data-title="…" names the frame for
 * screen readers. The script tag is replaced by an iframe of /embed/{code} that resizes itself
 * to fit its content (it listens for `handsup:resize` messages from that frame only).
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin;
  try {
    origin = new URL(script.src, location.href).origin;
  } catch (e) {
    return;
  }
  var room = String(script.getAttribute('data-room') || '').replace(/\D/g, '');
  if (room.length !== 8) {
    if (window.console) console.warn('handsup embed: data-room must be the 8-digit session code');
    return;
  }
  var src = origin + '/embed/' + room;
  var activity = script.getAttribute('data-activity');
  if (activity && /^\d+$/.test(activity)) src += '?activity=' + activity;

  var frame = document.createElement('iframe');
  // This loader sizes the frame to its content (below), so the page need not fit a fixed frame.
  frame.src = src + '#auto-height';
  frame.title = script.getAttribute('data-title') || 'Live poll';
  frame.className = 'handsup-embed';
  frame.setAttribute('scrolling', 'no');
  frame.style.cssText = 'display:block;border:0;width:100%;max-width:40rem;height:18rem;overflow:hidden;';
  script.parentNode.replaceChild(frame, script);

  window.addEventListener('message', function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== 'handsup:resize') return;
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) return;
    frame.style.height = Math.min(Math.ceil(height), 10000) + 'px';
  });
})();
