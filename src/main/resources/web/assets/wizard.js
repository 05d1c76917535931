import { h, replace, field, toast } from './dom.js';
import * as api from './api.js';
import { navigate } from './app.js';
import { isSecretName, runOperation } from './server.js';

export function wizard(main) {
  document.title = 'New server · PEON';
  const search = h('input', { type: 'search', id: 'plan-search', placeholder: 'Search plans', 'aria-label': 'Search plans' });
  const cards = h('div', { class: 'plan-list', id: 'plans' });
  const detail = h('div', { id: 'plan-detail' });
  replace(main, h('h1', {}, 'New server'),
    h('section', { class: 'panel', 'aria-labelledby': 'step1' }, h('h2', { id: 'step1' }, '1. Choose a game'), search, h('p'), cards),
    detail);
  let plans = [];
  let chosen = null;
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = plans.filter((p) => !q || p.id.includes(q) || (p.title || '').toLowerCase().includes(q) || (p.description || '').toLowerCase().includes(q));
    replace(cards, shown.length ? shown.map((p) => h('button', {
      type: 'button', class: 'plan-card', 'aria-pressed': String(chosen === p.id), dataset: { plan: p.id },
      onclick: () => choose(p.id),
    }, h('strong', {}, p.title || p.id), h('span', { class: 'muted' }, p.id), p.description ? h('p', {}, p.description) : null))
      : h('p', { class: 'muted' }, plans.length ? 'No plan matches.' : 'No plans yet: sync them on the System page.'));
  };
  search.addEventListener('input', draw);
  api.get('/api/v2/plans').then((r) => { plans = r.items; draw(); }).catch((e) => replace(cards, h('p', { class: 'error' }, e.message)));

  async function choose(id) {
    chosen = id;
    draw();
    let plan;
    try { plan = await api.get(`/api/v2/plans/${api.enc(id)}`); } catch (e) { replace(detail, h('p', { class: 'error' }, e.message)); return; }
    const name = h('input', { id: 'new-name', autocomplete: 'off', pattern: '[a-z0-9][a-z0-9_\\-]{0,62}', placeholder: 'generated when empty' });
    const description = h('input', { id: 'new-description', autocomplete: 'off', maxlength: 1000 });
    const inputs = plan.variables.map((v) => {
      const input = h('input', { name: v.name, dataset: { setting: v.name }, type: isSecretName(v.name) ? 'password' : 'text', autocomplete: 'off',
        required: v.required, placeholder: v.default ?? '' });
      return { v, input };
    });
    const portNames = [...new Set(plan.portGroups.flat().map((p) => p.name))];
    const portInputs = portNames.map((n) => ({ n, input: h('input', { type: 'number', min: 1, max: 65535, inputmode: 'numeric', placeholder: 'automatic', dataset: { port: n } }) }));
    const startNow = h('input', { type: 'checkbox', id: 'new-start', checked: true });
    const err = h('p', { class: 'error', role: 'alert' });
    const status = h('p', { class: 'muted', 'aria-live': 'polite', id: 'create-status' });
    const progress = h('div', { class: 'progress', hidden: true, role: 'progressbar', 'aria-label': 'Create progress' }, h('div'));
    const submit = h('button', { class: 'primary', type: 'submit', id: 'create' }, 'Create server');
    const form = h('form', { class: 'panel', 'aria-labelledby': 'step2', id: 'create-form' },
      h('h2', { id: 'step2' }, `2. Set up ${plan.title || plan.id}`),
      plan.description ? h('p', {}, plan.description) : null,
      h('div', { class: 'form-grid' }, field('Server name', name, 'a-z, 0-9, _ and -'), field('Description', description)),
      inputs.length ? h('h3', {}, 'Settings') : null,
      h('div', { class: 'form-grid' }, inputs.map(({ v, input }) => field(`${v.name}${v.required ? ' (required)' : ''}`, input, v.default != null ? `Default: ${v.default}` : null))),
      h('h3', {}, 'Ports'),
      h('p', { class: 'muted' }, 'The first of these groups with all ports free is used; if none is, the ports move to the orchestrator\u2019s free range. Set a port to choose it yourself.'),
      h('ul', { id: 'port-groups' }, plan.portGroups.map((g, i) => h('li', {}, `Group ${i + 1}: `, g.map((p) => `${p.name} ${p.port}/${p.protocol}`).join(', ')))),
      portInputs.length ? h('div', { class: 'form-grid' }, portInputs.map(({ n, input }) => field(n, input))) : null,
      h('p', {}, h('label', { class: 'inline' }, startNow, 'Start it when created')),
      err, h('div', { class: 'row' }, submit, progress), status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      const body = { game: plan.id, settings: {} };
      if (name.value.trim()) body.name = name.value.trim();
      if (description.value) body.description = description.value;
      for (const { v, input } of inputs) if (input.value !== '') body.settings[v.name] = input.value;
      const ports = {};
      for (const { n, input } of portInputs) if (input.value) ports[n] = Number(input.value);
      if (Object.keys(ports).length) body.ports = ports;
      submit.disabled = true;
      try {
        status.textContent = 'Creating…';
        const r = await api.call('POST', '/api/v2/servers', body);
        let server = r.body;
        if (r.status === 202) {
          // the create runs as an operation (image download first): its result holds the server
          const fin = await runOperation(r.body, status, progress);
          if (fin.status !== 'succeeded') throw new Error(fin.error?.detail || 'The create failed.');
          server = fin.result?.server || fin.result;
        }
        const id = server.id;
        status.textContent = `Created ${id}; ports ${(server.ports || []).map((p) => `${p.name} ${p.port}/${p.protocol}`).join(', ')}`;
        if (startNow.checked && api.may('server.power', id)) {
          const op = await api.post(`/api/v2/servers/${api.enc(id)}/power`, { action: 'start' });
          await runOperation(op, status, progress);
        }
        toast(`${id} created`);
        navigate(`/servers/${api.enc(id)}`);
      } catch (ex) {
        err.textContent = ex.problem?.errors ? ex.problem.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : ex.message;
        status.textContent = '';
      } finally {
        submit.disabled = false;
      }
    });
    replace(detail, form);
    name.focus();
  }
}
