import { h, replace, field, toast, fmtBytes, fmtTime, uptime, copyText, confirmDialog } from './dom.js';
import * as api from './api.js';
import { graph } from './charts.js';
import { address, gameBadge, stateBadge } from './overview.js';
import { navigate } from './app.js';

const SECRET_WORDS = ['pass', 'secret', 'token', 'key', 'gslt', 'rcon', 'auth', 'credential', 'cookie'];
export const isSecretName = (n) => SECRET_WORDS.some((w) => n.toLowerCase().includes(w));
const MASK = '********';
const TABS = [['', 'Overview'], ['console', 'Console'], ['settings', 'Settings'], ['schedules', 'Schedules'], ['backups', 'Backups']];

export function serverPage(main, [id, tab = '']) {
  document.title = `${id} · PEON`;
  const base = `/api/v2/servers/${api.enc(id)}`;
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Server sections' },
    TABS.filter(([t]) => t !== 'console' || api.may('server.console', id))
      .filter(([t]) => t !== 'backups' || api.may('backup.read', id))
      .filter(([t]) => t !== 'schedules' || api.may('schedule.read', id))
      .map(([t, label]) => h('a', { href: `/servers/${api.enc(id)}${t ? '/' + t : ''}`, 'aria-current': t === tab ? 'page' : null }, label)));
  const head = h('div');
  const body = h('section', { 'aria-label': TABS.find(([t]) => t === tab)?.[1] || 'Overview' });
  replace(main, head, tabs, body);
  const ctx = { id, base, body, server: null, offs: [], closers: [] };

  const drawHead = (s) => {
    ctx.server = s;
    const addr = address(s);
    replace(head,
      h('div', { class: 'row spread' },
        h('h1', {}, s.id, ' ', stateBadge(s.state), ' ', gameBadge(s)),
        powerBar(ctx)),
      s.description ? h('p', { class: 'muted', id: 'description' }, s.description) : null,
      addr ? h('p', {}, 'Address for players: ', h('span', { class: 'addr' }, addr), ' ',
        h('button', { type: 'button', class: 'small', onclick: () => copyText(addr) }, 'Copy address')) : null,
      s.lastStopReason && s.state !== 'running' ? h('p', { class: 'muted' }, `Last stop: ${s.lastStopReason}`) : null,
      s.pendingRecreate ? h('p', { class: 'notice' }, 'Settings changed: the container is recreated at the next start (data is kept).') : null);
  };
  const load = () => api.get(base).then(drawHead).catch((e) => {
    replace(head, h('h1', {}, id), h('p', { class: 'error', role: 'alert' }, e.status === 404 ? 'No such server.' : e.message));
    replace(body);
  });
  ctx.reload = load;
  ctx.offs.push(
    api.on('server.state', (e) => { if (e.server === id) load(); }),
    api.on('server.crashed', (e) => { if (e.server === id) load(); }),
    ...['server.game', 'server.players', 'server.sleep', 'server.wake'].map((t) => api.on(t, (e) => { if (e.server === id) load(); })),
    api.on('server.deleted', (e) => { if (e.server === id) { toast(`${id} was deleted`); navigate('/'); } }));
  load().then(() => {
    if (!ctx.server) return;
    ({ '': overviewTab, console: consoleTab, settings: settingsTab, schedules: schedulesTab, backups: backupsTab }[tab] || overviewTab)(ctx);
  });
  return () => { ctx.offs.forEach((f) => f()); ctx.closers.forEach((f) => f()); };
}

// ------------------------------------------------------------------ power
function powerBar(ctx) {
  const { id } = ctx;
  const bar = h('div', { class: 'row', id: 'power' });
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const progress = h('div', { class: 'progress', hidden: true, role: 'progressbar', 'aria-label': 'Operation progress', 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div'));
  if (api.may('server.power', id)) {
    const running = ctx.server.state === 'running';
    for (const [action, label, show] of [['start', 'Start', !running], ['stop', 'Stop', running], ['restart', 'Restart', running], ['kill', 'Kill', running]]) {
      if (!show) continue;
      bar.append(h('button', { type: 'button', class: action === 'start' ? 'primary' : action === 'kill' ? 'danger' : '', dataset: { action },
        onclick: async (e) => {
          if (action === 'kill' && !(await confirmDialog(`Kill ${id}?`, h('p', {}, 'The game gets no time to save.'), 'Kill', true))) return;
          for (const b of bar.querySelectorAll('button')) b.disabled = true;
          try {
            const op = await api.post(`${ctx.base}/power`, { action });
            await runOperation(op, status, progress);
          } catch (ex) {
            toast(ex.message, true);
          } finally {
            for (const b of bar.querySelectorAll('button')) b.disabled = false;
            e.target.disabled = false;
          }
        } }, label));
    }
  }
  if (api.may('server.delete', id)) {
    bar.append(h('button', { type: 'button', class: 'danger', id: 'delete', onclick: () => deleteServer(ctx) }, 'Delete'));
  }
  bar.append(progress, status);
  return bar;
}

/** Shows an operation's progress until it ends; answers the final operation. */
export async function runOperation(op, status, progress) {
  progress.hidden = false;
  const fin = await api.followOperation(op, (o) => {
    const pct = o.progress?.percent ?? (o.status === 'succeeded' ? 100 : 0);
    progress.firstChild.style.width = `${pct}%`;
    progress.setAttribute('aria-valuenow', pct);
    status.textContent = `${o.kind}: ${o.status}${o.progress?.message ? ' – ' + o.progress.message : ''}`;
  });
  progress.hidden = true;
  if (fin.status === 'failed') {
    status.textContent = `${fin.kind} failed: ${fin.error?.detail || fin.error?.title || ''}`;
    toast(status.textContent, true);
  }
  return fin;
}

async function deleteServer(ctx) {
  const files = h('input', { type: 'checkbox', id: 'delete-files' });
  const confirmId = h('input', { id: 'delete-confirm', autocomplete: 'off' });
  const ok = await confirmDialog(`Delete ${ctx.id}?`, h('div', {},
    h('p', {}, 'The game is stopped gracefully first.'),
    h('label', { class: 'inline' }, files, 'Also delete its files (cannot be undone)'),
    field('Type the server id to confirm', confirmId)), 'Delete', true);
  if (!ok) return;
  if (confirmId.value.trim() !== ctx.id) { toast('The id typed does not match; nothing was deleted.', true); return; }
  try {
    await api.del(`${ctx.base}?${files.checked ? `deleteFiles=true&confirm=${api.enc(ctx.id)}` : ''}`);
    toast(`${ctx.id} deleted`);
    navigate('/');
  } catch (ex) {
    toast(ex.message, true);
  }
}

// ------------------------------------------------------------------ overview tab
function overviewTab(ctx) {
  const s = ctx.server;
  const list = h('dl', { class: 'facts' });
  for (const [k, v] of [['Game', s.game], ['Image', s.image], ['Build', s.buildVersion || '–'],
    ['Ports', (s.ports || []).map((p) => `${p.name} ${p.port}/${p.protocol}`).join(', ') || '–'],
    ...(s.node ? [['Node', `${s.node.hostname || s.node.id} (${s.node.status}), players use ${s.node.address || '–'}`]] : []),
    ['Uptime', s.state === 'running' ? uptime(s.startedAt) : '–'],
    ['Restart policy', s.restartPolicy || '–'], ['Autostart', s.autostart ? 'yes' : 'no'],
    ['Last crash', s.lastCrash ? `${fmtTime(s.lastCrash.at)} (exit ${s.lastCrash.exitCode}${s.lastCrash.oomKilled ? ', out of memory' : ''})` : '–'],
    ['Next schedule', s.nextSchedule ? `${s.nextSchedule.action} at ${fmtTime(s.nextSchedule.at)}` : '–'],
    ['Memory limit', s.limits?.memory ? fmtBytes(s.limits.memory) : 'none']]) {
    list.append(h('dt', {}, k), h('dd', {}, v));
  }
  const graphs = h('div', { class: 'graphs' });
  const range = h('select', { id: 'graph-range', 'aria-label': 'Graph range' },
    h('option', { value: 'recent' }, 'Last hour (15 s)'), h('option', { value: 'longTerm' }, 'Last 24 hours (5 min)'));
  let hist = null;
  const draw = () => {
    if (!hist) return;
    const pts = hist[range.value].points;
    replace(graphs,
      h('div', {}, h('h3', {}, 'CPU'), graph(pts.map((p) => ({ at: p.at, value: p.cpuPercent })), (v) => `${v.toFixed(1)} %`, 'CPU over time')),
      h('div', {}, h('h3', {}, 'Memory'), graph(pts.map((p) => ({ at: p.at, value: p.memoryBytes })), fmtBytes, 'Memory over time')));
  };
  range.addEventListener('input', draw);
  replace(ctx.body, h('div', { class: 'panel' }, list),
    h('div', { class: 'panel' }, h('div', { class: 'row spread' }, h('h2', {}, 'Resources'), range), graphs));
  api.get(`${ctx.base}/stats/history`).then((r) => { hist = r; draw(); }).catch((e) => replace(graphs, h('p', { class: 'error' }, e.message)));
  ctx.offs.push(api.on('stats', (e) => {
    const v = e.servers?.[ctx.id];
    if (!v || !hist) return;
    hist.recent.points.push({ at: e.at, cpuPercent: v.cpuPercent, memoryBytes: v.memoryBytes });
    if (hist.recent.points.length > 240) hist.recent.points.shift();
    if (range.value === 'recent') draw();
  }));
}

// ------------------------------------------------------------------ console tab
function consoleTab(ctx) {
  const { id } = ctx;
  const out = h('div', { class: 'console', id: 'console', role: 'log', 'aria-live': 'off', tabindex: '0', 'aria-label': `Console of ${id}` });
  const state = h('span', { class: 'muted', id: 'console-state', 'aria-live': 'polite' }, 'connecting…');
  const input = h('input', { id: 'command', autocomplete: 'off', placeholder: 'say hello', class: 'grow', maxlength: 1024 });
  const filter = h('input', { type: 'search', id: 'log-filter', placeholder: 'Filter lines', 'aria-label': 'Filter console lines' });
  const older = h('button', { type: 'button', class: 'small' }, 'Load older lines');
  // the filter covers the lines loaded here; the whole log is searched on the server
  const search = h('a', { class: 'button', id: 'log-search', hidden: true, download: `${id}-search.log` }, 'Search the whole log');
  const form = h('form', { class: 'row' }, field('Command', input), h('button', { class: 'primary', type: 'submit' }, 'Send'));
  form.firstChild.classList.add('grow');
  replace(ctx.body, h('div', { class: 'panel' },
    h('div', { class: 'row spread' }, state, h('div', { class: 'row' }, filter, older,
      search, h('a', { class: 'button', href: `${ctx.base}/logs/download`, download: `${id}.log` }, 'Download log'))),
    out, form));
  let ws = null, firstSeq = null, closed = false, retry = 1000, timer = null;
  const MAX_LINES = 3000;

  const lineEl = (l) => {
    const el = h('div', { class: l.source === 'orchestrator' ? 'orc' : l.stream === 'stderr' ? 'stderr' : '', dataset: { seq: l.seq } }, l.text);
    el.hidden = !!filter.value && !l.text.toLowerCase().includes(filter.value.toLowerCase());
    return el;
  };
  const note = (text) => { out.append(h('div', { class: 'note' }, text)); scroll(); };
  const scroll = () => {
    while (out.childElementCount > MAX_LINES) out.firstChild.remove();
    out.scrollTop = out.scrollHeight;
  };
  filter.addEventListener('input', () => {
    const q = filter.value.toLowerCase();
    search.hidden = !filter.value;
    search.href = `${ctx.base}/logs/download?q=${encodeURIComponent(filter.value.slice(0, 200))}`;
    for (const el of out.children) if (el.dataset.seq) el.hidden = !!q && !el.textContent.toLowerCase().includes(q);
  });

  async function connect() {
    if (closed) return;
    state.textContent = 'connecting…';
    try {
      const t = await api.post('/api/v2/console/tickets', { server: id });
      const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new WebSocket(`${proto}//${location.host}/api/v2/servers/${api.enc(id)}/console?history=${firstSeq == null ? 200 : 0}&ticket=${api.enc(t.ticket)}`);
    } catch (ex) {
      state.textContent = `cannot connect: ${ex.message}`;
      return schedule();
    }
    ws.addEventListener('open', () => { retry = 1000; state.textContent = 'connected'; });
    ws.addEventListener('message', (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      switch (m.type) {
        case 'line': {
          if (firstSeq == null) firstSeq = m.seq;
          const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 30;
          out.append(lineEl(m));
          if (atBottom) scroll();
          break;
        }
        case 'history': {
          const frag = document.createDocumentFragment();
          for (const l of m.lines) frag.append(lineEl(l));
          if (m.lines.length) firstSeq = m.lines[0].seq;
          out.prepend(frag);
          older.disabled = !m.more;
          break;
        }
        case 'state': state.textContent = `server ${m.state}`; break;
        case 'dropped': note(`[${m.count} messages dropped: this viewer read too slowly]`); break;
        case 'throttled': note(`[throttled: ${m.detail} (${m.skipped} lines not shown live; they are in the log download)]`); break;
        case 'error': note(`[error: ${m.detail}]`); break;
        default: break;
      }
    });
    ws.addEventListener('close', (e) => {
      ws = null;
      if (closed) return;
      if (e.code === 1000 && /not running|stopped/.test(e.reason)) {
        state.textContent = 'server not running: the console reconnects when it starts';
        return; // the server.state event reconnects
      }
      state.textContent = `disconnected (${e.code}${e.reason ? ' ' + e.reason : ''}); reconnecting…`;
      schedule();
    });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(connect, retry);
    retry = Math.min(retry * 2, 30000);
  }
  older.addEventListener('click', () => {
    if (ws && ws.readyState === 1 && firstSeq != null) ws.send(JSON.stringify({ type: 'history', before: firstSeq, limit: 100 }));
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    if (!ws || ws.readyState !== 1) { toast('The console is not connected.', true); return; }
    ws.send(JSON.stringify({ type: 'command', text }));
    input.value = '';
  });
  ctx.offs.push(api.on('server.state', (e) => {
    if (e.server === id && e.to === 'running' && !ws) { retry = 1000; connect(); }
  }));
  ctx.closers.push(() => { closed = true; clearTimeout(timer); if (ws) ws.close(1000, 'page left'); });
  connect();
}

// ------------------------------------------------------------------ settings tab
async function settingsTab(ctx) {
  const s = ctx.server;
  const editable = api.may('server.settings', ctx.id);
  let plan = null;
  try { plan = await api.get(`/api/v2/plans/${api.enc(s.game)}`); } catch { /* plan gone: edit the current settings only */ }
  const vars = plan ? plan.variables : Object.keys(s.settings || {}).map((name) => ({ name, required: false, default: null }));
  const inputs = new Map();
  const grid = h('div', { class: 'form-grid' });
  for (const v of vars) {
    const current = (s.settings || {})[v.name];
    const masked = current === MASK;
    const secret = isSecretName(v.name);
    const input = h('input', {
      name: v.name, type: secret ? 'password' : 'text', autocomplete: secret ? 'new-password' : 'off',
      value: masked ? '' : current ?? '', placeholder: masked ? 'hidden (unchanged)' : v.default ?? '',
      disabled: !editable, 'aria-required': v.required ? 'true' : null, dataset: { setting: v.name },
    });
    inputs.set(v.name, { input, initial: masked ? null : current ?? '' });
    grid.append(field(`${v.name}${v.required ? ' *' : ''}`, input,
      masked ? 'Secret: hidden from you; type a new value to replace it.' : v.default != null ? `Default: ${v.default}` : null));
  }
  const description = h('textarea', { id: 'set-description', rows: 2, disabled: !editable, maxlength: 1000 });
  description.value = s.description || '';
  const policy = h('select', { id: 'set-restart', disabled: !editable }, ['no', 'on-failure', 'always'].map((p) => h('option', { value: p, selected: p === s.restartPolicy }, p)));
  const autostart = h('input', { type: 'checkbox', id: 'set-autostart', checked: !!s.autostart, disabled: !editable });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'panel', id: 'settings-form' },
    h('h2', {}, 'Settings'),
    s.pendingRecreate ? h('p', { class: 'notice' }, 'Pending: the container is recreated with these settings at the next start.') : null,
    field('Description', description), grid,
    h('div', { class: 'form-grid' }, field('Restart policy', policy), h('div', {}, h('label', { class: 'inline' }, autostart, 'Start with the orchestrator'))),
    err, editable ? h('button', { class: 'primary', type: 'submit' }, 'Save settings') : h('p', { class: 'muted' }, 'You may view these settings but not change them.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const body = {};
    const settings = {};
    for (const [name, { input, initial }] of inputs) {
      if (input.value !== (initial ?? '') && !(initial === null && input.value === '')) settings[name] = input.value;
    }
    for (const v of vars) {
      if (v.required && inputs.get(v.name).initial !== null && !inputs.get(v.name).input.value) { err.textContent = `${v.name} is required.`; return; }
    }
    if (Object.keys(settings).length) body.settings = settings;
    if (description.value !== (s.description || '')) body.description = description.value;
    if (policy.value !== s.restartPolicy) body.restartPolicy = policy.value;
    if (autostart.checked !== !!s.autostart) body.autostart = autostart.checked;
    if (!Object.keys(body).length) { toast('Nothing changed.'); return; }
    try {
      await api.patch(ctx.base, body);
      toast('Settings saved');
      await ctx.reload();
      settingsTab(ctx);
    } catch (ex) {
      err.textContent = ex.problem.errors ? ex.problem.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : ex.message;
    }
  });
  replace(ctx.body, form);
}

// ------------------------------------------------------------------ schedules tab
async function schedulesTab(ctx) {
  const editable = api.may('schedule.write', ctx.id);
  const list = h('tbody');
  const panel = h('div', { class: 'panel' }, h('h2', {}, 'Schedules'),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Action', 'When', 'Time zone', 'Next run (your time)', 'Last run', ''].map((c) => h('th', { scope: 'col' }, c)))), list)));
  replace(ctx.body, panel);
  const load = async () => {
    const r = await api.get(`${ctx.base}/schedules`);
    replace(list, r.items.length ? r.items.map((sc) => h('tr', {},
      h('td', {}, sc.action, sc.updateMode ? ` (${sc.updateMode})` : ''),
      h('td', { class: 'addr' }, sc.cron || fmtTime(sc.at)),
      h('td', {}, sc.timeZone),
      h('td', {}, sc.enabled ? fmtTime(sc.nextRun) : 'disabled',
        sc.enabled && sc.nextRuns?.length > 1 ? h('div', { class: 'muted' }, `then ${sc.nextRuns.slice(1).map(fmtTime).join(' · ')}`) : null),
      h('td', {}, sc.lastRun ? `${fmtTime(sc.lastRun)} ${sc.lastResult?.status || ''}` : '–'),
      h('td', {}, editable ? [
        h('button', { type: 'button', class: 'small', onclick: () => api.patch(`${ctx.base}/schedules/${sc.id}`, { enabled: !sc.enabled }).then(load).catch((e) => toast(e.message, true)) }, sc.enabled ? 'Disable' : 'Enable'), ' ',
        h('button', { type: 'button', class: 'small', onclick: () => api.del(`${ctx.base}/schedules/${sc.id}`).then(load).catch((e) => toast(e.message, true)) }, 'Delete')] : null)))
      : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No schedules.')));
  };
  await load().catch((e) => toast(e.message, true));
  ctx.offs.push(api.on('schedule.run', (e) => { if (e.server === ctx.id) load(); }));
  if (!editable) return;
  const action = h('select', { id: 'sch-action' }, ['restart', 'stop', 'start', 'update'].map((a) => h('option', { value: a }, a)));
  const kind = h('select', { id: 'sch-kind' }, h('option', { value: 'cron' }, 'Repeating (cron)'), h('option', { value: 'at' }, 'Once'));
  const cron = h('input', { id: 'sch-cron', value: '0 4 * * *', class: 'addr' });
  const at = h('input', { id: 'sch-at', type: 'datetime-local' });
  const zone = h('input', { id: 'sch-zone', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const err = h('p', { class: 'error', role: 'alert' });
  const cronField = field('Cron expression', cron, 'minute hour day-of-month month day-of-week; e.g. "0 4 * * *" = every day at 04:00, "*/30 * * * *" = every 30 minutes, "0 6 * * MON" = Mondays at 06:00');
  const atField = field('Date and time (your time)', at);
  atField.hidden = true;
  kind.addEventListener('input', () => { cronField.hidden = kind.value !== 'cron'; atField.hidden = kind.value !== 'at'; });
  const form = h('form', { class: 'panel' }, h('h2', {}, 'New schedule'),
    h('div', { class: 'form-grid' }, field('Action', action), field('Kind', kind), cronField, atField, field('Time zone (IANA)', zone)), err,
    h('button', { class: 'primary', type: 'submit' }, 'Add schedule'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    const body = { action: action.value, timeZone: zone.value.trim() };
    if (kind.value === 'cron') body.cron = cron.value.trim();
    else if (!at.value) { err.textContent = 'Choose a date and time.'; return; } else body.at = new Date(at.value).toISOString();
    try {
      await api.post(`${ctx.base}/schedules`, body);
      toast('Schedule added');
      await load();
    } catch (ex) {
      err.textContent = ex.problem.errors ? ex.problem.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : ex.message;
    }
  });
  ctx.body.append(form);
}

// ------------------------------------------------------------------ backups tab
async function backupsTab(ctx) {
  const { id } = ctx;
  const list = h('tbody');
  const status = h('span', { class: 'muted', 'aria-live': 'polite' });
  const progress = h('div', { class: 'progress', hidden: true, role: 'progressbar', 'aria-label': 'Backup progress' }, h('div'));
  const create = api.may('backup.create', id)
    ? h('button', { type: 'button', class: 'primary', id: 'backup-create', onclick: async () => {
      create.disabled = true;
      try {
        const op = await api.post(`${ctx.base}/backups`, {});
        const fin = await runOperation(op, status, progress);
        if (fin.status === 'succeeded') { toast('Backup made'); await load(); }
      } catch (ex) { toast(ex.message, true); } finally { create.disabled = false; }
    } }, 'Back up now') : null;
  replace(ctx.body, h('div', { class: 'panel' }, h('div', { class: 'row spread' }, h('h2', {}, 'Backups'), h('div', { class: 'row' }, progress, status, create)),
    h('div', { class: 'table-wrap' }, h('table', { id: 'backups' }, h('thead', {}, h('tr', {}, ['Made', 'Size', 'Files', 'Origin', 'Locked', ''].map((c) => h('th', { scope: 'col' }, c)))), list))));
  async function load() {
    const r = await api.get(`${ctx.base}/backups`);
    replace(list, r.items.length ? r.items.map((b) => {
      const bbase = `${ctx.base}/backups/${api.enc(b.id)}`;
      return h('tr', { dataset: { backup: b.id } },
        h('td', {}, fmtTime(b.createdAt)), h('td', {}, fmtBytes(b.size)), h('td', {}, b.files), h('td', {}, b.origin),
        h('td', {}, b.locked ? 'locked' : '–'),
        h('td', { class: 'row' },
          h('a', { class: 'button small', href: `${bbase}/download`, download: `${id}-${b.id}.tar.zst` }, 'Download'),
          api.may('backup.create', id) ? h('button', { type: 'button', class: 'small', onclick: () => api.post(`${bbase}/${b.locked ? 'unlock' : 'lock'}`).then(load).catch((e) => toast(e.message, true)) }, b.locked ? 'Unlock' : 'Lock') : null,
          api.may('backup.restore', id) ? h('button', { type: 'button', class: 'small', dataset: { restore: b.id }, onclick: () => restore(b) }, 'Restore…') : null,
          api.may('backup.delete', id) && !b.locked ? h('button', { type: 'button', class: 'small', onclick: async () => {
            if (await confirmDialog('Delete this backup?', h('p', {}, fmtTime(b.createdAt)), 'Delete', true)) api.del(bbase).then(load).catch((e) => toast(e.message, true));
          } }, 'Delete') : null));
    }) : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No backups yet.')));
  }
  async function restore(b) {
    const bbase = `${ctx.base}/backups/${api.enc(b.id)}`;
    let dry;
    try { dry = await api.post(`${bbase}/restore`, { dryRun: true }); } catch (ex) { toast(ex.message, true); return; }
    const changes = dry.changes || [];
    const shown = changes.slice(0, 200);
    const diff = h('div', { id: 'restore-diff' },
      h('p', {}, changes.length ? `${changes.length} change(s) to the server folder:` : 'The server folder already matches this backup.'),
      h('ul', { class: 'diff' }, shown.map((c) => h('li', { class: c.change }, `${c.change}: ${c.path}`))),
      changes.length > shown.length ? h('p', { class: 'muted' }, `…and ${changes.length - shown.length} more`) : null,
      h('p', {}, 'The server is stopped during the restore and a pre-restore backup is made first.'));
    if (!(await confirmDialog(`Restore the backup of ${fmtTime(b.createdAt)}?`, diff, 'Restore', true))) return;
    try {
      const op = await api.post(`${bbase}/restore`, {});
      const fin = await runOperation(op, status, progress);
      if (fin.status === 'succeeded') toast('Restored');
      await load();
    } catch (ex) { toast(ex.message, true); }
  }
  await load().catch((e) => toast(e.message, true));
}
