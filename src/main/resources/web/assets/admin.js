import { h, replace, field, toast, fmtBytes, fmtTime, confirmDialog } from './dom.js';
import * as api from './api.js';
import { runOperation } from './server.js';

const ROLES = ['owner', 'admin', 'operator', 'viewer'];
const SERVER_PERMS = ['server.read', 'server.secrets', 'server.settings', 'server.delete', 'server.power', 'server.update',
  'server.console', 'backup.read', 'backup.create', 'backup.restore', 'backup.delete', 'schedule.read', 'schedule.write'];
const problemText = (ex) => (ex.problem?.errors ? ex.problem.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : ex.message);

export function adminPage(main, [page]) {
  const pages = { users: usersPage, keys: keysPage, audit: auditPage, system: systemPage };
  (pages[page] || ((m) => replace(m, h('h1', {}, 'Not found'))))(main);
}

// ------------------------------------------------------------------ users
function usersPage(main) {
  document.title = 'Users · PEON';
  if (!api.may('user.admin')) { replace(main, h('h1', {}, 'Users'), h('p', {}, 'Only owners manage users.')); return; }
  const tbody = h('tbody');
  const name = h('input', { id: 'user-name', autocomplete: 'off', required: true });
  const password = h('input', { id: 'user-password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const role = h('select', { id: 'user-role' }, ROLES.map((r) => h('option', { value: r, selected: r === 'viewer' }, r)));
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'panel' }, h('h2', {}, 'Add a user'),
    h('div', { class: 'form-grid' }, field('Name', name), field('Password', password, '10 to 256 characters'), field('Role', role)), err,
    h('button', { class: 'primary', type: 'submit' }, 'Add user'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await api.post('/api/v2/users', { name: name.value.trim(), password: password.value, role: role.value });
      name.value = ''; password.value = '';
      toast('User added');
      load();
    } catch (ex) { err.textContent = problemText(ex); }
  });
  replace(main, h('h1', {}, 'Users'), h('div', { class: 'panel table-wrap' }, h('table', { id: 'users' },
    h('thead', {}, h('tr', {}, ['Name', 'Role', 'Enabled', 'Grants', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody)), form);

  const change = (u, body) => api.patch(`/api/v2/users/${u.id}`, body).then(() => { toast(`${u.name} changed`); load(); }).catch((e) => toast(problemText(e), true));
  async function load() {
    const r = await api.get('/api/v2/users');
    replace(tbody, r.items.map((u) => {
      const roleSel = h('select', { 'aria-label': `Role of ${u.name}` }, ROLES.map((x) => h('option', { value: x, selected: x === u.role }, x)));
      roleSel.addEventListener('change', () => change(u, { role: roleSel.value }));
      return h('tr', {},
        h('td', {}, u.name), h('td', {}, roleSel),
        h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => change(u, { enabled: !u.enabled }) }, u.enabled ? 'Disable' : 'Enable')),
        h('td', {}, Object.entries(u.grants || {}).map(([s, ps]) => h('div', { class: 'muted' }, `${s}: ${ps.join(', ')}`)),
          h('button', { type: 'button', class: 'small', onclick: () => grants(u) }, 'Grant on a server…')),
        h('td', {}, h('button', { type: 'button', class: 'small', onclick: async () => {
          if (await confirmDialog(`Delete ${u.name}?`, h('p', {}, 'Their keys and grants go too.'), 'Delete', true)) {
            api.del(`/api/v2/users/${u.id}`).then(load).catch((e) => toast(problemText(e), true));
          }
        } }, 'Delete')));
    }));
  }
  async function grants(u) {
    const server = h('input', { id: 'grant-server', placeholder: 'game.name', autocomplete: 'off' });
    const boxes = SERVER_PERMS.map((p) => h('input', { type: 'checkbox', value: p }));
    const ok = await confirmDialog(`Per-server permissions of ${u.name}`, h('div', {},
      field('Server id', server),
      h('fieldset', {}, h('legend', {}, 'Permissions (empty removes the grant)'), boxes.map((b) => h('label', { class: 'inline' }, b, b.value), ' ')),
      h('p', { class: 'muted' }, 'Grants matter for operators only.')), 'Save grant');
    if (!ok) return;
    try {
      await api.put(`/api/v2/users/${u.id}/grants/${api.enc(server.value.trim())}`, { permissions: boxes.filter((b) => b.checked).map((b) => b.value) });
      toast('Grant saved');
      load();
    } catch (ex) { toast(problemText(ex), true); }
  }
  load().catch((e) => toast(e.message, true));
}

// ------------------------------------------------------------------ keys
function keysPage(main) {
  document.title = 'API keys · PEON';
  const all = api.may('key.admin');
  const tbody = h('tbody');
  const name = h('input', { id: 'key-name', required: true, autocomplete: 'off' });
  const expires = h('input', { id: 'key-expires', type: 'date' });
  const me = api.currentUser();
  const scope = h('select', { id: 'key-scope', multiple: true, size: 6 }, me.permissions.map((p) => h('option', { value: p }, p)));
  const secretBox = h('div', { 'aria-live': 'polite' });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'panel' }, h('h2', {}, 'New key'),
    h('div', { class: 'form-grid' }, field('Name', name), field('Expires (optional)', expires),
      field('Scope (optional: none selected = all your permissions)', scope)), err,
    h('button', { class: 'primary', type: 'submit' }, 'Create key'), secretBox);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const body = { name: name.value.trim() };
    const sc = [...scope.selectedOptions].map((o) => o.value);
    if (sc.length) body.scope = sc;
    if (expires.value) body.expiresAt = new Date(`${expires.value}T00:00:00`).toISOString();
    try {
      const k = await api.post('/api/v2/keys', body);
      replace(secretBox, h('p', {}, 'Copy this key now: it is shown only once.'), h('p', { class: 'secret-once', id: 'key-secret' }, k.secret));
      name.value = '';
      load();
    } catch (ex) { err.textContent = problemText(ex); }
  });
  replace(main, h('h1', {}, all ? 'API keys (everybody\u2019s)' : 'Your API keys'),
    h('div', { class: 'panel table-wrap' }, h('table', { id: 'keys' }, h('thead', {}, h('tr', {},
      ['Id', 'User', 'Name', 'Scope', 'Expires', 'Last used', ''].map((c) => h('th', { scope: 'col' }, c)))), tbody)), form);
  async function load() {
    const r = await api.get(`/api/v2/keys${all ? '?all=true' : ''}`);
    replace(tbody, r.items.length ? r.items.map((k) => h('tr', {},
      h('td', { class: 'addr' }, k.id), h('td', {}, k.user), h('td', {}, k.name), h('td', {}, k.scope ? k.scope.join(', ') : 'all'),
      h('td', {}, fmtTime(k.expiresAt)), h('td', {}, fmtTime(k.lastUsedAt)),
      h('td', {}, k.revokedAt ? `revoked ${fmtTime(k.revokedAt)}` : h('button', { type: 'button', class: 'small', onclick: () =>
        api.del(`/api/v2/keys/${api.enc(k.id)}`).then(load).catch((e) => toast(problemText(e), true)) }, 'Revoke'))))
      : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No keys.')));
  }
  load().catch((e) => toast(e.message, true));
}

// ------------------------------------------------------------------ audit
function auditPage(main) {
  document.title = 'Audit · PEON';
  const f = Object.fromEntries(['actor', 'action', 'target'].map((k) => [k, h('input', { id: `audit-${k}`, autocomplete: 'off' })]));
  const outcome = h('select', { id: 'audit-outcome' }, ['', 'success', 'denied', 'failure'].map((o) => h('option', { value: o }, o || 'any')));
  const from = h('input', { id: 'audit-from', type: 'datetime-local' });
  const tbody = h('tbody');
  const more = h('button', { type: 'button', hidden: true }, 'Older…');
  const chain = h('span', { 'aria-live': 'polite' });
  const form = h('form', { class: 'panel' },
    h('div', { class: 'form-grid' }, field('Actor', f.actor, 'user:alice, v1-key, scheduler'), field('Action', f.action, '* is a wildcard: server.*'),
      field('Target', f.target), field('Outcome', outcome), field('From (your time)', from)),
    h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, 'Search'),
      h('button', { type: 'button', onclick: verify }, 'Check the chain'), chain));
  replace(main, h('h1', {}, 'Audit log'), form, h('div', { class: 'panel table-wrap' }, h('table', { id: 'audit' },
    h('thead', {}, h('tr', {}, ['#', 'Time', 'Actor', 'Action', 'Target', 'Outcome', 'Source'].map((c) => h('th', { scope: 'col' }, c)))), tbody), more));
  let next = null;
  const query = (after) => {
    const q = new URLSearchParams();
    for (const [k, el] of Object.entries(f)) if (el.value.trim()) q.set(k, el.value.trim());
    if (outcome.value) q.set('outcome', outcome.value);
    if (from.value) q.set('from', new Date(from.value).toISOString());
    if (after) q.set('after', after);
    q.set('limit', '100');
    return `/api/v2/audit?${q}`;
  };
  async function load(after) {
    try {
      const r = await api.get(query(after));
      if (!after) replace(tbody);
      for (const e of r.items) {
        tbody.append(h('tr', {}, h('td', {}, e.id), h('td', {}, fmtTime(e.at)), h('td', {}, e.actor), h('td', {}, e.action),
          h('td', {}, e.target || '–'), h('td', {}, e.outcome), h('td', {}, e.source || '–')));
      }
      next = r.next;
      more.hidden = !next;
    } catch (ex) { toast(problemText(ex), true); }
  }
  async function verify() {
    chain.textContent = 'checking…';
    try {
      const r = await api.get('/api/v2/audit/verify');
      chain.textContent = `Chain intact: ${r.entries} entries.`;
    } catch (ex) {
      const p = ex.problem || {};
      chain.textContent = p.ok === false ? `Chain broken at entry ${p.brokenAt}: ${p.reason}` : ex.message;
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  more.addEventListener('click', () => load(next));
  load();
}

// ------------------------------------------------------------------ system
function systemPage(main) {
  document.title = 'System · PEON';
  const facts = h('dl', { class: 'facts', id: 'system' });
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const progress = h('div', { class: 'progress', hidden: true, role: 'progressbar', 'aria-label': 'Plan sync progress' }, h('div'));
  const sync = api.may('plan.sync') ? h('button', { type: 'button', onclick: async () => {
    sync.disabled = true;
    try {
      const op = await api.post('/api/v2/plans/sync', {});
      const fin = await runOperation(op, status, progress);
      if (fin.status === 'succeeded') status.textContent = `Plans synced; new: ${(fin.result?.added || []).join(', ') || 'none'}`;
      load();
    } catch (ex) { toast(problemText(ex), true); } finally { sync.disabled = false; }
  } }, 'Sync plans now') : null;
  replace(main, h('h1', {}, 'System'), h('div', { class: 'panel' }, facts), h('div', { class: 'panel row' }, h('h2', {}, 'Plans'), sync, progress, status));
  async function load() {
    const s = await api.get('/api/v2/system');
    replace(facts);
    const used = s.data?.usedBytes, free = s.data?.freeBytes;
    for (const [k, v] of [['Version', s.version],
      ['Docker engine', s.docker?.reachable ? `reachable, version ${s.docker.version}` : 'NOT reachable'],
      ['Servers', `${s.counts.servers} (${s.counts.running} running)`], ['Plans', s.counts.plans], ['Schedules', s.counts.schedules],
      ['Operations running', s.counts.operationsRunning], ['Data folder', `${fmtBytes(used)} used, ${fmtBytes(free)} free`]]) {
      facts.append(h('dt', {}, k), h('dd', {}, v));
    }
  }
  load().catch((e) => toast(e.message, true));
}

// ------------------------------------------------------------------ account
export function accountPage(main) {
  const me = api.currentUser();
  document.title = 'Account · PEON';
  const parts = [h('h1', {}, 'Your account'), h('div', { class: 'panel' }, h('dl', { class: 'facts' },
    h('dt', {}, 'Name'), h('dd', {}, me.name), h('dt', {}, 'Role'), h('dd', {}, me.role),
    h('dt', {}, 'Permissions'), h('dd', {}, me.permissions.join(', '))))];
  if (api.may('user.admin') && me.userId != null) {
    const p1 = h('input', { type: 'password', id: 'new-password', autocomplete: 'new-password', minlength: 10, required: true });
    const err = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'panel' }, h('h2', {}, 'Change your password'), field('New password', p1, 'You sign in again afterwards.'), err,
      h('button', { class: 'primary', type: 'submit' }, 'Change password'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try { await api.patch(`/api/v2/users/${me.userId}`, { password: p1.value }); location.assign('/login'); } catch (ex) { err.textContent = problemText(ex); }
    });
    parts.push(form);
  } else {
    parts.push(h('p', { class: 'muted' }, 'Ask an owner to change your password.'));
  }
  parts.push(h('p', {}, h('a', { href: '/admin/keys' }, 'Your API keys')));
  replace(main, ...parts);
}
