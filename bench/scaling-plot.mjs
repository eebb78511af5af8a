// Draws docs/scaling.svg from docs/scaling-native.json (bench/scaling.sh) and
// docs/scaling-page.json (bench/page-scaling.mjs): one panel per axis (batch size, encoder
// width, modalities), steps/s on a log scale, the engine natively, PyTorch natively and the
// page's CPU backend. Plain SVG, no dependency.
//
//   node bench/scaling-plot.mjs        (from the repository root)
import { readFile, writeFile } from "node:fs/promises";

const load = async (file) => JSON.parse(await readFile(file, "utf8"));
const native = await load("docs/scaling-native.json");
const page = await load("docs/scaling-page.json").catch(() => ({ points: [] }));
const series = [
  { name: "engine, native (1 thread)", color: "#1f77b4", points: native.points.map((p) => ({ ...p, y: p.engine })) },
  { name: "PyTorch CPU (1 thread)", color: "#d62728", points: native.points.map((p) => ({ ...p, y: p.pytorch })) },
  { name: "page, CPU backend (worker)", color: "#2ca02c", points: page.points.map((p) => ({ ...p, y: p.page })) },
];
const axes = [
  { axis: "batch-size", title: "batch size" },
  { axis: "width", title: "encoder width" },
  { axis: "modalities", title: "modalities" },
];
const all = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
const [lo, hi] = [Math.min(...all) / 1.5, Math.max(...all) * 1.5];
const W = 300, H = 240, M = { l: 56, r: 12, t: 28, b: 40 };
const y = (v) => M.t + (H - M.t - M.b) * (1 - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W * 3}" height="${H + 40}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n`;
axes.forEach(({ axis, title }, i) => {
  const x0 = i * W;
  const values = [...new Set(series.flatMap((s) => s.points.filter((p) => p.axis === axis).map((p) => p.value)))].sort((a, b) => a - b);
  const logX = axis !== "modalities";
  const f = (v) => (logX ? Math.log(v) : v);
  const x = (v) => x0 + M.l + (W - M.l - M.r) * (values.length > 1 ? (f(v) - f(values[0])) / (f(values.at(-1)) - f(values[0])) : 0.5);
  svg += `<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">steps/s vs ${title}</text>\n`;
  svg += `<line x1="${x0 + M.l}" y1="${H - M.b}" x2="${x0 + W - M.r}" y2="${H - M.b}" stroke="#333"/><line x1="${x0 + M.l}" y1="${M.t}" x2="${x0 + M.l}" y2="${H - M.b}" stroke="#333"/>\n`;
  for (let d = 10 ** Math.floor(Math.log10(lo)); d <= hi; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v < lo || v > hi) continue;
      svg += `<line x1="${x0 + M.l}" y1="${y(v)}" x2="${x0 + W - M.r}" y2="${y(v)}" stroke="#ddd"/><text x="${x0 + M.l - 4}" y="${y(v) + 4}" text-anchor="end">${v}</text>\n`;
    }
  }
  for (const v of values) svg += `<text x="${x(v)}" y="${H - M.b + 14}" text-anchor="middle">${v}</text>\n`;
  svg += `<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle">${title}${logX ? " (log scale)" : ""}</text>\n`;
  for (const s of series) {
    const pts = s.points.filter((p) => p.axis === axis).sort((a, b) => a.value - b.value);
    if (!pts.length) continue;
    svg += `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${x(p.value).toFixed(1)},${y(p.y).toFixed(1)}`).join(" ")}"/>\n`;
    for (const p of pts) svg += `<circle cx="${x(p.value).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${s.color}"/>\n`;
  }
});
series.forEach((s, i) => {
  svg += `<rect x="${20 + i * 240}" y="${H + 14}" width="14" height="4" fill="${s.color}"/><text x="${40 + i * 240}" y="${H + 20}">${s.name}</text>\n`;
});
svg += `<text x="${W * 3 - 8}" y="${H + 34}" text-anchor="end" fill="#666">${native.date}, ${native.machine}; page: ${page.date || "not measured"}</text>\n</svg>\n`;
await writeFile("docs/scaling.svg", svg);
console.log("wrote docs/scaling.svg");
