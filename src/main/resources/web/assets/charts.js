import { svg } from './dom.js';

/** A tiny line of the last values (0..max), labelled for screen readers. */
export function sparkline(values, max, label) {
  const w = 90, hgt = 24;
  const s = svg('svg', { class: 'spark', viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': label });
  s.append(svg('polyline', { points: points(values, max, w, hgt) }));
  return s;
}

export function updateSparkline(s, values, max, label) {
  s.setAttribute('aria-label', label);
  s.firstChild.setAttribute('points', points(values, max, 90, 24));
}

function points(values, max, w, hgt) {
  if (!values.length) return '';
  const top = Math.max(max || 0, ...values, 1e-9);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(hgt - 1 - (v / top) * (hgt - 2)).toFixed(1)}`).join(' ');
}

/** A time graph of points [{at, value}] with a max label and the time span. */
export function graph(series, format, label) {
  const w = 600, hgt = 140, pad = 18;
  const s = svg('svg', { class: 'graph', viewBox: `0 0 ${w} ${hgt}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
  if (!series.length) {
    const t = svg('text', { x: 10, y: hgt / 2 });
    t.textContent = 'No samples yet (one every 15 s while the server runs).';
    s.append(t);
    return s;
  }
  const t0 = new Date(series[0].at).getTime(), t1 = new Date(series[series.length - 1].at).getTime();
  const span = Math.max(t1 - t0, 1);
  const top = Math.max(...series.map((p) => p.value), 1e-9);
  s.append(svg('line', { x1: 0, y1: pad, x2: w, y2: pad }), svg('line', { x1: 0, y1: hgt - pad, x2: w, y2: hgt - pad }));
  const pts = series.map((p) => {
    const x = ((new Date(p.at).getTime() - t0) / span) * (w - 4) + 2;
    const y = hgt - pad - (p.value / top) * (hgt - 2 * pad);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  s.append(svg('polyline', { points: pts.join(' ') }));
  const maxT = svg('text', { x: 4, y: pad - 4 });
  maxT.textContent = `max ${format(top)}`;
  const from = svg('text', { x: 4, y: hgt - 4 });
  from.textContent = new Date(t0).toLocaleTimeString();
  const to = svg('text', { x: w - 4, y: hgt - 4, 'text-anchor': 'end' });
  to.textContent = new Date(t1).toLocaleTimeString();
  s.append(maxT, from, to);
  return s;
}
