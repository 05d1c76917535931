// The API client: session cookie + CSRF token, RFC 9457 problems, one shared SSE stream.
const CSRF_KEY = 'peon.csrf';
let csrf = sessionStorage.getItem(CSRF_KEY);
let unauthorized = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function onUnauthorized(fn) { unauthorized = fn; }
export function setCsrf(token) {
  csrf = token;
  if (token) sessionStorage.setItem(CSRF_KEY, token); else sessionStorage.removeItem(CSRF_KEY);
}
export function hasCsrf() { return !!csrf; }

/** Calls the API; answers {status, body, headers}; a problem answer throws ApiError. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const init = { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) };
  let res;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(path, init);
      break;
    } catch (e) {
      // a network blip (the browser saw an interface change): reads are safe to repeat, changes are not
      if (method !== 'GET' || attempt === 3) throw new ApiError(0, { detail: `Network error: ${e.message}` });
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
  const type = res.headers.get('Content-Type') || '';
  const json = type.includes('json') ? await res.json().catch(() => null) : null;
  if (res.status === 401 && path !== '/api/v2/login') unauthorized();
  if (!res.ok) throw new ApiError(res.status, json);
  return { status: res.status, body: json, headers: res.headers };
}

export const get = async (path) => (await call('GET', path)).body;
export const post = async (path, body = {}) => (await call('POST', path, body)).body;
export const patch = async (path, body) => (await call('PATCH', path, body)).body;
export const put = async (path, body) => (await call('PUT', path, body)).body;
export const del = async (path) => (await call('DELETE', path)).body;

export const enc = encodeURIComponent;

// ------------------------------------------------------------------ identity
let me = null;
export function setMe(m) { me = m; }
export function currentUser() { return me; }
const GRANT_LIMITED = new Set(['operator']);
const GLOBAL_READS = new Set(['server.read', 'schedule.read']);
const PER_SERVER = new Set(['server.read', 'server.secrets', 'server.settings', 'server.delete', 'server.power',
  'server.update', 'server.console', 'backup.read', 'backup.create', 'backup.restore', 'backup.delete',
  'schedule.read', 'schedule.write']);

/** Whether the signed-in user holds a permission (on a server when given): what is not allowed is not shown. */
export function may(permission, server) {
  if (!me || !me.permissions.includes(permission)) return false;
  if (!server || !PER_SERVER.has(permission) || GLOBAL_READS.has(permission) || !GRANT_LIMITED.has(me.role)) return true;
  return (me.grants[server] || []).includes(permission);
}

// ------------------------------------------------------------------ events
const TYPES = ['server.state', 'server.created', 'server.deleted', 'server.crashed', 'server.crashloop',
  'operation', 'schedule.run', 'plans.synced', 'stats', 'gap',
  'server.game', 'server.players', 'server.sleep', 'server.wake'];
const listeners = new Map();
let source = null;

/** Subscribes to one event type of the shared stream; answers the unsubscribe function. */
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

export function connectEvents() {
  if (source) return;
  source = new EventSource('/api/v2/events?stats=true');
  for (const t of TYPES) {
    source.addEventListener(t, (e) => {
      let data = {};
      try { data = JSON.parse(e.data); } catch { /* keep-alive or bad frame */ }
      for (const fn of listeners.get(t) || []) fn(data);
    });
  }
  source.addEventListener('open', () => { for (const fn of listeners.get('open') || []) fn(); });
}

export function disconnectEvents() {
  if (source) source.close();
  source = null;
}

/** Follows an operation until it ends, through the SSE stream plus one read (no polling). */
export function followOperation(op, onChange) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (o) => {
      onChange(o);
      if (!done && (o.status === 'succeeded' || o.status === 'failed')) { done = true; off(); resolve(o); }
    };
    const off = on('operation', (o) => { if (o.id === op.id) finish(o); });
    finish(op);
    // the operation may have ended between its creation and the subscription: read it once
    if (!done) get(`/api/v2/operations/${enc(op.id)}`).then(finish).catch(() => {});
  });
}
