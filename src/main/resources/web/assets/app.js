import { h, replace, field, toast } from './dom.js';
import * as api from './api.js';
import { overview } from './overview.js';
import { wizard } from './wizard.js';
import { serverPage } from './server.js';
import { adminPage, accountPage } from './admin.js';

// ------------------------------------------------------------------ theme
const THEME_KEY = 'peon.theme';
function applyTheme(t) {
  if (t) document.documentElement.dataset.theme = t; else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME_KEY));
function toggleTheme() {
  const dark = document.documentElement.dataset.theme
    ? document.documentElement.dataset.theme === 'dark'
    : matchMedia('(prefers-color-scheme: dark)').matches;
  const next = dark ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
}

// ------------------------------------------------------------------ routing
const routes = [
  [/^\/$/, overview],
  [/^\/new$/, wizard],
  [/^\/servers\/([^/]+)(?:\/([a-z]+))?$/, serverPage],
  [/^\/admin\/([a-z]+)$/, adminPage],
  [/^\/account$/, accountPage],
];
let cleanup = null;

export function navigate(path, replaceState = false) {
  if (replaceState) history.replaceState(null, '', path); else history.pushState(null, '', path);
  render();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname.startsWith('/api/') || a.getAttribute('href').startsWith('#')) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
addEventListener('popstate', () => render());

function layout() {
  const me = api.currentUser();
  const links = [['/', 'Servers']];
  if (api.may('server.create')) links.push(['/new', 'New server']);
  if (api.may('user.admin')) links.push(['/admin/users', 'Users']);
  links.push(['/admin/keys', 'API keys']);
  if (api.may('audit.read')) links.push(['/admin/audit', 'Audit']);
  if (api.may('system.read')) links.push(['/admin/system', 'System']);
  const nav = h('nav', { 'aria-label': 'Main' }, links.map(([href, text]) => h('a', { href }, text)));
  const header = h('header', { class: 'top' },
    h('a', { class: 'brand', href: '/' }, 'PEON'),
    nav,
    h('div', { class: 'who' },
      h('a', { href: '/account' }, me.name), h('span', { class: 'hide-narrow' }, `(${me.role})`),
      h('button', { type: 'button', class: 'small', onclick: toggleTheme, 'aria-label': 'Switch light or dark theme' }, 'Theme'),
      h('button', { type: 'button', class: 'small', onclick: logout }, 'Sign out')));
  const main = h('main', { id: 'main', tabindex: '-1' });
  replace(document.getElementById('app'), header, main);
  return { nav, main };
}

let shell = null;
function render() {
  if (cleanup) { try { cleanup(); } catch { /* page already gone */ } cleanup = null; }
  if (!api.currentUser()) return;
  if (!shell || !document.body.contains(shell.main)) shell = layout();
  for (const a of shell.nav.querySelectorAll('a')) {
    const on = a.pathname === '/' ? location.pathname === '/' || location.pathname.startsWith('/servers/')
      : location.pathname.startsWith(a.pathname);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const path = location.pathname;
  for (const [re, page] of routes) {
    const m = path.match(re);
    if (m) {
      const main = h('main', { id: 'main', tabindex: '-1' });
      shell.main.replaceWith(main);
      shell.main = main;
      cleanup = page(main, m.slice(1).map((x) => (x == null ? x : decodeURIComponent(x)))) || null;
      return;
    }
  }
  replace(shell.main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/' }, 'Back to the servers')));
}

// ------------------------------------------------------------------ sign-in
function loginPage(message) {
  shell = null;
  document.title = 'Sign in · PEON';
  const name = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert' }, message || '');
  const form = h('form', { class: 'panel login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to PEON'),
    field('User name', name), field('Password', password), err,
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    h('p', { class: 'muted' }, 'First start? The owner\u2019s generated password is in the file owner-password of the data folder.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await signIn(name.value.trim(), password.value);
    } catch (ex) {
      err.textContent = ex.status === 401 ? 'Wrong user name or password.' : ex.message;
    }
  });
  replace(document.getElementById('app'), h('main', { id: 'main', tabindex: '-1' }, form));
  name.focus();
}

async function signIn(name, password) {
  const r = await api.post('/api/v2/login', { name, password });
  api.setCsrf(r.csrfToken);
  const me = await api.get('/api/v2/me');
  api.setMe(me);
  if (me.passwordChangeRequired) return forcedChange(me, password);
  start();
}

/** First run: the owner signed in with the generated password and must choose their own. */
function forcedChange(me) {
  const p1 = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const p2 = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'panel login', 'aria-labelledby': 'pw-title' },
    h('h1', { id: 'pw-title' }, 'Choose your password'),
    h('p', {}, 'You signed in with the generated first-run password. Choose your own now; the file holding the generated one is then deleted.'),
    h('input', { name: 'username', autocomplete: 'username', value: me.name, readOnly: true, hidden: true }),
    field('New password', p1, '10 to 256 characters'), field('Repeat it', p2), err,
    h('button', { class: 'primary', type: 'submit' }, 'Save and continue'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (p1.value !== p2.value) { err.textContent = 'The two passwords differ.'; return; }
    try {
      await api.patch(`/api/v2/users/${me.userId}`, { password: p1.value });
      // a new password ends the sessions: sign in again with it
      await signIn(me.name, p1.value);
    } catch (ex) {
      err.textContent = ex.message;
    }
  });
  replace(document.getElementById('app'), h('main', { id: 'main', tabindex: '-1' }, form));
  p1.focus();
}

async function logout() {
  try { await api.post('/api/v2/logout'); } catch { /* already gone */ }
  history.replaceState(null, '', '/login');
  signedOut();
}

function signedOut(message) {
  api.setCsrf(null);
  api.setMe(null);
  api.disconnectEvents();
  if (cleanup) { try { cleanup(); } catch { /* gone */ } cleanup = null; }
  if (location.pathname !== '/login') history.replaceState(null, '', '/login' + (location.pathname === '/' ? '' : `?next=${encodeURIComponent(location.pathname)}`));
  loginPage(message);
}

function start() {
  const next = new URLSearchParams(location.search).get('next');
  if (location.pathname === '/login') history.replaceState(null, '', next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
  api.connectEvents();
  shell = null;
  render();
}

api.onUnauthorized(() => { if (api.currentUser()) signedOut('Your session ended; sign in again.'); });

async function boot() {
  try {
    const me = await api.get('/api/v2/me');
    if (!api.hasCsrf()) throw new Error('no CSRF token in this tab');
    api.setMe(me);
    if (me.passwordChangeRequired) return forcedChange(me);
    start();
  } catch {
    signedOut();
  }
}
document.documentElement.dataset.app = 'loaded'; // every module arrived (tests wait for it)
boot();

