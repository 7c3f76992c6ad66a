// The admin console's concurrent-viewers chart (uPlot, served from /vendor): the total and the busiest rooms
// over 5 min / 1 h / 24 h / 7 d. The past comes from GET /api/v1/stats/history (one call per series when the
// range or the set of rooms changes), the live tail from the per-second `stats` events.

const RANGES = { '5m': 300, '1h': 3600, '24h': 86400, '7d': 604800 };  // seconds
const STEPS = { '5m': 1, '1h': 60, '24h': 60, '7d': 60 };             // the server's sampling, until it says
const MAX_ROOMS = 5;           // per-room series beside the total
const RELOAD_MIN_MS = 10000;   // when the busiest rooms change, reload their history at most this often
const LIVE_KEEP_S = 600;       // live points kept to bridge a history reload
const COLORS = ['#1f5fbf', '#c62828', '#1b7f3b', '#8a5a00', '#7b3fb0', '#00838f'];

export class ViewersChart {
  // fetchHistory(range, room|null) -> Promise<{range, step_s, points: [[t_ms, viewers], ...]}>
  constructor(container, noteEl, fetchHistory) {
    this.container = container;
    this.noteEl = noteEl;
    this.fetchHistory = fetchHistory;
    this.range = '5m';
    this.step = STEPS[this.range];
    this.rooms = [];
    this.xs = [];
    this.columns = [[]];   // [total[], room1[], ...] aligned with xs
    this.live = [];        // [{t, total, rooms: {room: n}}] newest last
    this.loadedAt = 0;
    this.generation = 0;
    this.plot = null;
    this.lastTop = '';
    this.build();
    new ResizeObserver(() => this.resize()).observe(container);
    // The first `stats` event loads the history, once the busiest rooms are known.
  }

  setRange(range) {
    if (!RANGES[range] || range === this.range) return;
    this.range = range;
    this.step = STEPS[range];
    this.load();
  }

  pointCount() { return this.xs.length; }
  seriesLabels() { return ['Total', ...this.rooms]; }

  // One `stats` message: remember it, append it to the chart, and reload when the busiest rooms changed.
  addStats(msg, viewersOf) {
    const rooms = Array.isArray(msg.rooms) ? msg.rooms.filter((r) => r && typeof r.room === 'string') : [];
    const t = (Number.isFinite(msg.time_ms) ? msg.time_ms : Date.now()) / 1000;
    const perRoom = {};
    for (const r of rooms) perRoom[r.room] = viewersOf(r);
    const total = msg.totals && Number.isFinite(msg.totals.viewers)
      ? msg.totals.viewers : Object.values(perRoom).reduce((a, b) => a + b, 0);
    const point = { t, total, rooms: perRoom };
    this.live.push(point);
    while (this.live.length && this.live[0].t < t - LIVE_KEEP_S) this.live.shift();

    const top = rooms.filter((r) => viewersOf(r) > 0 || r.live)
      .sort((a, b) => viewersOf(b) - viewersOf(a) || a.room.localeCompare(b.room))
      .slice(0, MAX_ROOMS).map((r) => r.room).sort();
    const topKey = top.join('\n');
    if (topKey !== this.rooms.slice().sort().join('\n') && Date.now() - this.loadedAt > RELOAD_MIN_MS) {
      this.load(top);
      return;
    }
    this.append(point);
    this.redraw();
  }

  append(p) {
    const n = this.xs.length;
    const last = n ? this.xs[n - 1] : -Infinity;
    if (p.t <= last - 0.5) return;  // older than what is drawn
    const values = [p.total, ...this.rooms.map((room) => (room in p.rooms ? p.rooms[room] : null))];
    // Coarse ranges keep one live point per server step (the newest), so the chart stays bounded.
    const sameStep = this.step > 1 && n && this.lastWasLive && Math.floor(p.t / this.step) === Math.floor(last / this.step);
    if (sameStep) {
      this.xs[n - 1] = p.t;
      values.forEach((v, i) => { this.columns[i][n - 1] = v; });
    } else {
      this.xs.push(p.t);
      values.forEach((v, i) => this.columns[i].push(v));
    }
    this.lastWasLive = true;
    const from = p.t - RANGES[this.range];
    let drop = 0;
    while (drop < this.xs.length && this.xs[drop] < from) drop++;
    if (drop) {
      this.xs.splice(0, drop);
      this.columns.forEach((c) => c.splice(0, drop));
    }
  }

  // Fetches the history of the total and of each room, merges it on one time axis, then the live tail.
  async load(rooms = this.rooms) {
    const gen = ++this.generation;
    this.loadedAt = Date.now();
    const range = this.range;
    const wanted = rooms.slice(0, MAX_ROOMS);
    // A room whose history fails (e.g. gone meanwhile) is drawn from the live data only.
    const settled = await Promise.allSettled([null, ...wanted].map((room) => this.fetchHistory(range, room)));
    let results = settled.map((s) => (s.status === 'fulfilled' ? s.value : null));
    let note = '';
    if (settled[0].status === 'rejected') {
      results = null;
      note = 'History is not available (' + settled[0].reason.message + '); showing the live data only.';
    }
    if (gen !== this.generation) return;
    this.rooms = wanted;
    this.xs = [];
    this.columns = [null, ...wanted].map(() => []);
    this.lastWasLive = false;
    if (results) {
      const step = Number(results[0] && results[0].step_s);
      if (step > 0) this.step = step;
      const byTime = new Map();
      results.forEach((res, i) => {
        for (const pt of Array.isArray(res && res.points) ? res.points : []) {
          if (!Array.isArray(pt) || !Number.isFinite(pt[0]) || !Number.isFinite(pt[1])) continue;
          const t = Math.round(pt[0] / 1000 / this.step) * this.step;
          let row = byTime.get(t);
          if (!row) byTime.set(t, (row = new Array(wanted.length + 1).fill(null)));
          row[i] = pt[1];
        }
      });
      for (const t of Array.from(byTime.keys()).sort((a, b) => a - b)) {
        this.xs.push(t);
        byTime.get(t).forEach((v, i) => this.columns[i].push(v));
      }
    }
    for (const p of this.live) this.append(p);
    this.noteEl.textContent = note;
    this.build();
  }

  build() {
    const uPlot = window.uPlot;
    if (!uPlot) {
      this.noteEl.textContent = 'The chart library did not load.';
      return;
    }
    const fg = getComputedStyle(document.body).color;
    const grid = 'rgba(128, 128, 128, 0.2)';
    const series = [{}, { label: 'Total', stroke: COLORS[0], width: 2.5, fill: 'rgba(31, 95, 191, 0.08)' }];
    this.rooms.forEach((room, i) => series.push({ label: room, stroke: COLORS[(i + 1) % COLORS.length], width: 1.5 }));
    const opts = {
      width: this.width(),
      height: this.height(),
      series,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] } },
      axes: [
        {
          stroke: fg, grid: { stroke: grid }, space: () => (this.range === '5m' ? 100 : 80),
          values: (_u, splits) => splits.map((t) => this.tick(t)),
        },
        { stroke: fg, grid: { stroke: grid }, size: 48 },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    if (this.plot) this.plot.destroy();
    this.plot = new uPlot(opts, [this.xs, ...this.columns], this.container);
    this.container.dataset.points = String(this.xs.length);
  }

  // One-line x labels: seconds on the 5 min range, the day on the 7 d range.
  tick(t) {
    const d = new Date(t * 1000);
    if (this.range === '5m') return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return this.range === '7d' ? d.toLocaleDateString([], { weekday: 'short' }) + ' ' + time : time;
  }

  redraw() {
    if (!this.plot) return;
    this.plot.setData([this.xs, ...this.columns]);
    this.container.dataset.points = String(this.xs.length);
  }

  width() { return Math.max(240, this.container.clientWidth || 600); }
  height() { return window.innerWidth < 640 ? 200 : 260; }

  resize() {
    if (this.plot) this.plot.setSize({ width: this.width(), height: this.height() });
  }
}
