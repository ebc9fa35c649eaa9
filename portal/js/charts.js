// Hand-drawn SVG charts for the fairness page: no library, every element
// made with createElementNS and every text set with textContent, so nothing
// published is ever parsed as markup.

const NS = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

const pct = (x) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;

// A scale top that makes small ratios visible: the next of 5%, 10%, 20%,
// 50%, 100% above the largest value.
function niceTop(v) {
  for (const t of [0.05, 0.1, 0.2, 0.5, 1]) if (v <= t) return t;
  return 1;
}

// Horizontal bars of drawn share, one row per group, with the ratio the
// rules ask for as a dashed tick. rows: [{label, drawn, eligible, ratio
// (0..1, or null when the group has no single ratio)}].
export function shareChart(title, rows, ratioLabel) {
  const W = 640, left = 150, right = 110, rowH = 26, top = 34;
  const H = top + rows.length * rowH + 28;
  const plotW = W - left - right;
  const maxV = Math.max(0.0001, ...rows.map((r) => Math.max(r.eligible ? r.drawn / r.eligible : 0, r.ratio || 0)));
  const topV = niceTop(maxV * 1.05);
  const x = (v) => left + (Math.min(v, topV) / topV) * plotW;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  svg.appendChild(svgEl('title', {}, title));
  svg.appendChild(svgEl('text', { x: 0, y: 16, class: 'chart-title' }, title));
  // Grid: 0, half, top.
  for (const g of [0, topV / 2, topV]) {
    svg.appendChild(svgEl('line', { x1: x(g), y1: top - 6, x2: x(g), y2: H - 22, class: 'grid' }));
    svg.appendChild(svgEl('text', { x: x(g), y: H - 8, class: 'axis', 'text-anchor': 'middle' }, pct(g)));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const share = r.eligible ? r.drawn / r.eligible : 0;
    const g = svgEl('g', { class: 'row' });
    g.appendChild(svgEl('text', { x: left - 8, y: y + 16, class: 'label', 'text-anchor': 'end' }, r.label));
    g.appendChild(svgEl('rect', { x: left, y: y + 4, width: Math.max(0, x(share) - left), height: rowH - 10, class: 'bar' }));
    if (r.ratio !== null && r.ratio !== undefined) {
      const rx = x(r.ratio);
      const tick = svgEl('line', { x1: rx, y1: y + 1, x2: rx, y2: y + rowH - 3, class: 'ratio' });
      tick.appendChild(svgEl('title', {}, `${ratioLabel} ${pct(r.ratio)}`));
      g.appendChild(tick);
    }
    g.appendChild(svgEl('text', { x: W - right + 8, y: y + 16, class: 'value' }, `${r.drawn}/${r.eligible} = ${pct(share)}`));
    svg.appendChild(g);
  });
  return svg;
}

// Vertical bars: how many objects were checked once, twice, ... in a year,
// with the cap of R9 (2) marked. counts: {"1": n1, "2": n2, ...}.
export function checksChart(title, counts, xLabel, yLabel, cap = 2) {
  const keys = Object.keys(counts).map(Number).filter((k) => k > 0);
  const maxK = Math.max(cap + 1, ...keys);
  const W = 640, H = 260, left = 56, bottom = 44, top = 34, right = 16;
  const plotW = W - left - right, plotH = H - top - bottom;
  const maxN = Math.max(1, ...keys.map((k) => counts[k]));
  const bw = plotW / maxK;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  svg.appendChild(svgEl('title', {}, title));
  svg.appendChild(svgEl('text', { x: 0, y: 16, class: 'chart-title' }, title));
  svg.appendChild(svgEl('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: 'grid' }));
  svg.appendChild(svgEl('text', { x: left - 6, y: top + 4, class: 'axis', 'text-anchor': 'end' }, maxN));
  svg.appendChild(svgEl('text', { x: left - 6, y: H - bottom, class: 'axis', 'text-anchor': 'end' }, 0));
  svg.appendChild(svgEl('text', { x: 12, y: top + plotH / 2, class: 'axis', transform: `rotate(-90 12 ${top + plotH / 2})`, 'text-anchor': 'middle' }, yLabel));
  for (let k = 1; k <= maxK; k++) {
    const n = counts[k] || 0;
    const h = (n / maxN) * plotH;
    const x0 = left + (k - 1) * bw;
    const bar = svgEl('rect', { x: x0 + bw * 0.15, y: H - bottom - h, width: bw * 0.7, height: h, class: k > cap ? 'bar over' : 'bar' });
    bar.appendChild(svgEl('title', {}, `${k}: ${n}`));
    svg.appendChild(bar);
    svg.appendChild(svgEl('text', { x: x0 + bw / 2, y: H - bottom - h - 4, class: 'value', 'text-anchor': 'middle' }, n));
    svg.appendChild(svgEl('text', { x: x0 + bw / 2, y: H - bottom + 16, class: 'axis', 'text-anchor': 'middle' }, k));
  }
  const cx = left + cap * bw;
  svg.appendChild(svgEl('line', { x1: cx, y1: top, x2: cx, y2: H - bottom, class: 'ratio' }));
  svg.appendChild(svgEl('text', { x: left + plotW / 2, y: H - 6, class: 'axis', 'text-anchor': 'middle' }, xLabel));
  return svg;
}
