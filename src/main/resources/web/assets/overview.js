import { h, replace, fmtBytes, fmtTime, uptime, copyText } from './dom.js';
import * as api from './api.js';
import { sparkline, updateSparkline } from './charts.js';

const KEEP = 40; // sparkline points: 10 minutes at one stats event per 15 s

/** The address players connect to: its cluster node's (else this host's) and its first port. */
export function address(server) {
  const p = (server.ports || [])[0];
  const host = (server.node && server.node.address) || location.hostname;
  return p ? `${host}:${p.port}` : null;
}

/** The game beside Docker's state: ready and its players, starting, unhealthy, or asleep. */
export function gameBadge(s) {
  if (s.sleeping) return h('span', { class: 'badge', title: 'Starts at the first connection' }, 'sleeping');
  if (!s.gameState) return null;
  const players = s.players ? ` ${s.players.online}/${s.players.max}` : '';
  const cls = s.gameState === 'ready' ? 'running' : s.gameState === 'unhealthy' ? 'crashed' : 'warn';
  return h('span', { class: `badge ${cls}`, title: 'The game, as its probe sees it' }, `${s.gameState}${players}`);
}

export function stateBadge(state) {
  return h('span', { class: `badge ${state || ''}` }, state || 'unknown');
}

export function overview(main) {
  document.title = 'Servers · PEON';
  const rows = new Map(); // id -> {server, tr, cells, cpu: [], mem: []}
  const search = h('input', { type: 'search', id: 'search', placeholder: 'Name, game or description', 'aria-label': 'Search servers' });
  const stateFilter = h('select', { id: 'state-filter', 'aria-label': 'Filter by state' },
    h('option', { value: '' }, 'All states'), ['running', 'exited', 'created', 'crashed', 'missing'].map((s) => h('option', { value: s }, s)));
  const gameFilter = h('select', { id: 'game-filter', 'aria-label': 'Filter by game' }, h('option', { value: '' }, 'All games'));
  const tbody = h('tbody');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  const table = h('div', { class: 'table-wrap' }, h('table', { id: 'servers' },
    h('caption', { class: 'sr-only' }, 'Servers'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Server'), h('th', { scope: 'col' }, 'State'),
      h('th', { scope: 'col' }, 'Address'), h('th', { scope: 'col', class: 'hide-narrow' }, 'CPU'),
      h('th', { scope: 'col', class: 'hide-narrow' }, 'Memory'), h('th', { scope: 'col', class: 'hide-narrow' }, 'Uptime'),
      h('th', { scope: 'col', class: 'hide-narrow' }, 'Last crash'), h('th', { scope: 'col', class: 'hide-narrow' }, 'Schedule'))),
    tbody));
  replace(main,
    h('div', { class: 'row spread' }, h('h1', {}, 'Servers'),
      api.may('server.create') ? h('a', { class: 'button primary', href: '/new' }, 'New server') : null),
    h('div', { class: 'row', role: 'search' }, search, stateFilter, gameFilter), count, table);

  // sparklines start from the server's recent history, read once per row when it comes into view
  // (with 500 servers only the visible ones ask); live values then follow from the stats events
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      seen.unobserve(e.target);
      const r = rows.get(e.target.dataset.id);
      if (r && r.server.state === 'running') seed(r);
    }
  });
  async function seed(r) {
    try {
      const hist = await api.get(`/api/v2/servers/${encodeURIComponent(r.server.id)}/stats/history`);
      const pts = hist.recent.points.slice(-KEEP);
      const live = r.cpu.length;
      r.cpu = [...pts.map((p) => p.cpuPercent), ...r.cpu].slice(-KEEP);
      r.mem = [...pts.map((p) => p.memoryBytes), ...r.mem].slice(-KEEP);
      if (r.cpu.length > live) spark(r);
    } catch { /* the live values still come */ }
  }

  function row(s) {
    const cells = {
      name: h('td'), state: h('td'), address: h('td'), cpu: h('td', { class: 'hide-narrow' }),
      mem: h('td', { class: 'hide-narrow' }), up: h('td', { class: 'hide-narrow' }),
      crash: h('td', { class: 'hide-narrow' }), sched: h('td', { class: 'hide-narrow' }),
    };
    const r = { server: s, cells, cpu: [], mem: [], tr: h('tr', { dataset: { id: s.id } }, Object.values(cells)) };
    // the sparklines are made at the first sample: 500 stopped servers cost no SVG
    r.cpuText = h('span', { class: 'muted' }, '–');
    r.memText = h('span', { class: 'muted' }, '–');
    cells.cpu.append(r.cpuText);
    cells.mem.append(r.memText);
    fill(r);
    seen.observe(r.tr);
    return r;
  }

  function fill(r) {
    const s = r.server;
    replace(r.cells.name, h('a', { href: `/servers/${encodeURIComponent(s.id)}` }, s.id),
      s.description ? h('div', { class: 'muted' }, s.description) : null);
    replace(r.cells.state, stateBadge(s.state), ' ', gameBadge(s),
      s.pendingRecreate ? h('span', { class: 'badge warn' }, 'recreate pending') : null);
    const addr = address(s);
    replace(r.cells.address, addr ? [h('span', { class: 'addr' }, addr), ' ',
      h('button', { type: 'button', class: 'small', 'aria-label': `Copy the address of ${s.id}`, onclick: () => copyText(addr) }, 'Copy')] : '–');
    r.cells.up.textContent = s.state === 'running' ? uptime(s.startedAt) : '–';
    r.cells.crash.textContent = s.lastCrash ? `${fmtTime(s.lastCrash.at)} (exit ${s.lastCrash.exitCode})` : '–';
    replace(r.cells.sched, s.nextSchedule
      ? h('span', { class: 'badge', title: fmtTime(s.nextSchedule.at) }, `${s.nextSchedule.action} ${fmtTime(s.nextSchedule.at)}`) : '–');
    if (s.state !== 'running') { r.cpu = []; r.mem = []; spark(r); }
  }

  function spark(r) {
    const c = r.cpu.at(-1), m = r.mem.at(-1);
    if (!r.cpuSpark) {
      if (c == null) return;
      r.cpuSpark = sparkline([], 100, '');
      r.memSpark = sparkline([], 0, '');
      r.cells.cpu.prepend(r.cpuSpark);
      r.cells.mem.prepend(r.memSpark);
    }
    updateSparkline(r.cpuSpark, r.cpu, 100, c == null ? 'CPU: no samples' : `CPU ${c.toFixed(1)} %`);
    updateSparkline(r.memSpark, r.mem, 0, m == null ? 'Memory: no samples' : `Memory ${fmtBytes(m)}`);
    r.cpuText.textContent = c == null ? '–' : `${c.toFixed(1)} %`;
    r.memText.textContent = m == null ? '–' : fmtBytes(m);
  }

  function matches(s) {
    const q = search.value.trim().toLowerCase();
    return (!stateFilter.value || s.state === stateFilter.value)
      && (!gameFilter.value || s.game === gameFilter.value)
      && (!q || s.id.includes(q) || (s.description || '').toLowerCase().includes(q));
  }

  function applyFilter() {
    let shown = 0;
    for (const r of rows.values()) { r.tr.hidden = !matches(r.server); if (!r.tr.hidden) shown++; }
    count.textContent = `${shown} of ${rows.size} servers`;
    const games = [...new Set([...rows.values()].map((r) => r.server.game))].sort();
    if (games.join() !== [...gameFilter.options].slice(1).map((o) => o.value).join()) {
      const keep = gameFilter.value;
      replace(gameFilter, h('option', { value: '' }, 'All games'), games.map((g) => h('option', { value: g }, g)));
      gameFilter.value = games.includes(keep) ? keep : '';
    }
  }

  function upsert(s) {
    const r = rows.get(s.id);
    if (r) { r.server = s; fill(r); } else {
      const n = row(s);
      rows.set(s.id, n);
      const after = [...rows.keys()].sort().indexOf(s.id);
      const next = [...rows.keys()].sort()[after + 1];
      tbody.insertBefore(n.tr, next ? rows.get(next).tr : null);
    }
    applyFilter();
  }

  async function load() {
    const list = await api.get('/api/v2/servers');
    const seen = new Set(list.items.map((s) => s.id));
    for (const id of [...rows.keys()]) if (!seen.has(id)) { rows.get(id).tr.remove(); rows.delete(id); }
    const frag = document.createDocumentFragment();
    for (const s of list.items) {
      const r = rows.get(s.id);
      if (r) { r.server = s; fill(r); } else { const n = row(s); rows.set(s.id, n); frag.append(n.tr); }
    }
    tbody.append(frag);
    applyFilter();
    if (!list.items.length) count.textContent = 'No servers yet.';
    // time-to-usable: the list is on screen and live (docs/benchmarks.md)
    if (!performance.getEntriesByName('peon-usable').length) performance.mark('peon-usable');
  }

  const refresh = (id) => api.get(`/api/v2/servers/${encodeURIComponent(id)}`).then(upsert).catch(() => {});
  const offs = [
    api.on('server.state', (e) => {
      const r = rows.get(e.server);
      if (!r) return;
      r.server = { ...r.server, state: e.to, startedAt: e.to === 'running' ? e.at : r.server.startedAt };
      fill(r);
      applyFilter();
      refresh(e.server); // the rest (lastCrash, startedAt from Docker) follows in one read
    }),
    api.on('server.created', (e) => refresh(e.server)),
    api.on('server.crashed', (e) => refresh(e.server)),
    api.on('server.crashloop', (e) => refresh(e.server)),
    api.on('schedule.run', (e) => refresh(e.server)),
    ...['server.game', 'server.players', 'server.sleep', 'server.wake'].map((t) => api.on(t, (e) => refresh(e.server))),
    api.on('server.deleted', (e) => { const r = rows.get(e.server); if (r) { r.tr.remove(); rows.delete(e.server); applyFilter(); } }),
    api.on('stats', (e) => {
      for (const [id, v] of Object.entries(e.servers || {})) {
        const r = rows.get(id);
        if (!r) continue;
        r.cpu.push(v.cpuPercent); r.mem.push(v.memoryBytes);
        if (r.cpu.length > KEEP) { r.cpu.shift(); r.mem.shift(); }
        spark(r);
      }
    }),
    api.on('gap', load),
    api.on('open', load),
  ];
  for (const el of [search, stateFilter, gameFilter]) el.addEventListener('input', applyFilter);
  const ticker = setInterval(() => {
    for (const r of rows.values()) r.cells.up.textContent = r.server.state === 'running' ? uptime(r.server.startedAt) : '–';
  }, 30000);
  load().catch((e) => replace(count, h('span', { class: 'error' }, e.message)));
  return () => { offs.forEach((f) => f()); clearInterval(ticker); seen.disconnect(); };
}
