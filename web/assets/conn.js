// The WebSocket connection every page uses: hello on every (re)connect, request/answer matching by
// `rid`, reconnection with jittered exponential backoff (1, 2, 4, 8, 16 s), and a status the page
// shows. Close codes 4000–4099 end the connection for good; anything else reconnects.

import { t } from './i18n.js';

const BACKOFF = [1, 2, 4, 8, 16];
const REQUEST_TIMEOUT = 20_000;
const HELLO_TIMEOUT = 15_000;

/** Why a connection ended for good, by close code. */
const FATAL = { 4000: 'room_deleted', 4003: 'hello_refused', 4004: 'room_not_found', 4029: 'too_many_requests' };

/** The socket address of a session; `channel` 'embed' is the read-only embed channel. */
export function wsUrl(code, channel) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws/${code}${channel ? `/${channel}` : ''}`;
}

export class Conn {
  /**
   * @param {string} code room code
   * @param {object} opts
   *   hello(): the hello message (without rid), asked for on every connect
   *   onMessage(msg): every server frame except welcome, session, and answers to requests
   *   onSession(msg, welcome): the hello was accepted
   *   onHelloError(err): return true to send a new hello (e.g. after dropping a bad token)
   *   onStatus(status): 'connecting' | 'connected' | 'reconnecting' | 'closed'
   *   onFatal(reason): the connection will not come back ('room_deleted', 'room_not_found', …)
   *   channel: 'embed' for the read-only embed channel (`/ws/{code}/embed`)
   */
  constructor(code, opts) {
    this.code = code;
    this.opts = opts;
    this.rid = 1;
    this.pending = new Map(); // rid → {resolve, reject, timer, sent}
    this.queue = []; // frames waiting for the session
    this.attempt = 0;
    this.ready = false;
    this.stopped = false;
    this.status = 'idle';
    this.welcome = null;
    this.helloRid = null;
    this.lastHelloError = null;
  }

  start() {
    this.stopped = false;
    this._setStatus('connecting');
    this._open();
    const wake = () => {
      if (this.stopped || this.ready) return;
      if (!this.ws || this.ws.readyState > 1) this._open();
    };
    addEventListener('online', wake);
    // The device lost its network: the socket cannot carry anything now, and a dead TCP connection
    // can take a long time to notice. Drop it, show "offline", and reconnect when 'online' fires.
    addEventListener('offline', () => {
      const ws = this.ws;
      if (this.stopped || !ws || ws.readyState > 1) return;
      // Without a network the closing handshake cannot finish: do not wait for its close event.
      ws.onclose = ws.onmessage = ws.onerror = null;
      try {
        ws.close();
      } catch {
        /* already closing */
      }
      this._closed({ code: 1006 });
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') wake();
    });
    return this;
  }

  /** Sends a request; resolves with the ack, rejects with `{code, message}`. */
  send(msg) {
    const rid = ++this.rid;
    const frame = JSON.stringify({ ...msg, rid });
    const limit = this.session?.max_message_bytes ?? this.welcome?.max_message_bytes;
    if (limit && new Blob([frame]).size > limit) {
      return Promise.reject({ code: 'message_too_large', message: t('error.message_too_large') });
    }
    if (this.stopped && !this.ready) {
      return Promise.reject({ code: 'disconnected', message: t('error.disconnected') });
    }
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, sent: false, frame };
      entry.timer = setTimeout(() => {
        this.pending.delete(rid);
        this.queue = this.queue.filter((r) => r !== rid);
        reject({ code: 'timeout', message: t('error.timeout') });
      }, REQUEST_TIMEOUT);
      this.pending.set(rid, entry);
      if (this.ready) this._transmit(rid);
      else this.queue.push(rid);
    });
  }

  /** Closes for good (page leaving, room deleted). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }

  _transmit(rid) {
    const entry = this.pending.get(rid);
    if (!entry) return;
    try {
      this.ws.send(entry.frame);
      entry.sent = true;
    } catch {
      this.queue.push(rid);
    }
  }

  _setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.opts.onStatus?.(status);
  }

  _open() {
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = this.ws.onerror = null;
      try {
        this.ws.close();
      } catch {
        /* already closed */
      }
    }
    this.ready = false;
    let ws;
    try {
      ws = new WebSocket(wsUrl(this.code, this.opts.channel));
    } catch {
      this._scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this._frame(msg);
    };
    ws.onclose = (e) => this._closed(e);
    ws.onerror = () => {}; // a close event follows
    // A socket that opens but never gets to a session is retried.
    this.timer = setTimeout(() => {
      if (!this.ready && this.ws === ws) ws.close();
    }, HELLO_TIMEOUT);
  }

  _hello() {
    this.helloRid = ++this.rid;
    this.ws.send(JSON.stringify({ ...this.opts.hello(), rid: this.helloRid }));
  }

  _frame(msg) {
    switch (msg.type) {
      case 'welcome':
        this.welcome = msg;
        this._hello();
        return;
      case 'session':
        clearTimeout(this.timer);
        this.ready = true;
        this.attempt = 0;
        this.lastHelloError = null;
        this.session = msg;
        this._setStatus('connected');
        this.opts.onSession?.(msg, this.welcome);
        for (const rid of this.queue.splice(0)) this._transmit(rid);
        return;
      case 'ack':
      case 'error': {
        if (msg.rid != null && msg.rid === this.helloRid) {
          if (msg.type === 'error') this._helloError(msg);
          return;
        }
        const entry = msg.rid != null ? this.pending.get(msg.rid) : null;
        if (entry) {
          this.pending.delete(msg.rid);
          clearTimeout(entry.timer);
          if (msg.type === 'ack') entry.resolve(msg);
          else entry.reject({ code: msg.code, message: msg.message });
          return;
        }
        break;
      }
      default: {
        // An answer frame other than ack (e.g. `people` for `list_people`) resolves its request.
        const entry = msg.rid != null ? this.pending.get(msg.rid) : null;
        if (entry) {
          this.pending.delete(msg.rid);
          clearTimeout(entry.timer);
          entry.resolve(msg);
        }
        break;
      }
    }
    this.opts.onMessage?.(msg);
  }

  _helloError(err) {
    this.lastHelloError = err;
    if (this.opts.onHelloError?.(err)) {
      // Try again at once on a fresh socket (the server may close this one).
      this._open();
      return;
    }
    this._fatal(err.code === 'room_not_found' ? 'room_not_found' : err.code || 'hello_refused');
  }

  _fatal(reason) {
    this.stopped = true;
    this.ready = false;
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = null;
      try {
        this.ws.close(1000);
      } catch {
        /* ignore */
      }
    }
    for (const [rid, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject({ code: reason, message: t('error.disconnected') });
      this.pending.delete(rid);
    }
    this.queue = [];
    this._setStatus('closed');
    this.opts.onFatal?.(reason, this.lastHelloError);
  }

  _closed(e) {
    this.ready = false;
    clearTimeout(this.timer);
    // Requests on the wire may or may not have landed: tell the page; unsent ones wait.
    for (const [rid, entry] of this.pending) {
      if (!entry.sent) continue;
      clearTimeout(entry.timer);
      entry.reject({ code: 'disconnected', message: t('error.disconnected') });
      this.pending.delete(rid);
    }
    if (this.stopped) {
      this._setStatus('closed');
      return;
    }
    if (e.code >= 4000 && e.code < 4100) {
      const helloCode = this.lastHelloError?.code;
      this._fatal(FATAL[e.code] || helloCode || 'hello_refused');
      return;
    }
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    this._setStatus('reconnecting');
    const base = BACKOFF[Math.min(this.attempt, BACKOFF.length - 1)] * 1000;
    this.attempt += 1;
    const delay = base * (0.75 + Math.random() * 0.5);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this._open(), delay);
  }
}

/** Keeps `el` showing the connection status: quiet when connected, visible otherwise. */
export function bindStatus(el) {
  return (status) => {
    el.dataset.status = status;
    const key =
      status === 'connected'
        ? 'conn.connected'
        : status === 'reconnecting'
          ? navigator.onLine === false
            ? 'conn.offline'
            : 'conn.reconnecting'
          : status === 'closed'
            ? 'conn.closed'
            : 'conn.connecting';
    el.textContent = t(key);
  };
}
