// What makes up a wasm module: the bytes of its function bodies grouped by the crate each
// function's name starts with (from the module's name section), plus its data segments and
// the rest. Run it on a build that kept its names (bench/wasm-size.sh builds one; trunk's
// release build strips them).
//
//   node bench/wasm-size.mjs MODULE.wasm [--functions N]   (N: also list the N largest)
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error("usage: node bench/wasm-size.mjs MODULE.wasm [--functions N]");
  process.exit(2);
}
const topN = rest[0] === "--functions" ? Number(rest[1]) : 0;
const bytes = readFileSync(file);

let at = 8; // magic and version
function leb() {
  let result = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return result;
}
function name() {
  const length = leb();
  const text = bytes.toString("utf8", at, at + length);
  at += length;
  return text;
}

const sections = []; // { id, custom, start, end }
let importedFunctions = 0;
let bodies = []; // [start, end) of each defined function's body
const names = new Map(); // function index -> name
while (at < bytes.length) {
  const id = bytes[at++];
  const size = leb();
  const start = at, end = at + size;
  const section = { id, start, end, custom: null };
  if (id === 0) {
    section.custom = name();
    if (section.custom === "name") {
      while (at < end) {
        const kind = bytes[at++];
        const subEnd = leb() + at;
        if (kind === 1) {
          for (let n = leb(); n > 0; n--) {
            const index = leb();
            names.set(index, name());
          }
        }
        at = subEnd;
      }
    }
  } else if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      name();
      name();
      const kind = bytes[at++];
      if (kind === 0) { leb(); importedFunctions++; }
      else if (kind === 1) { at++; const flags = leb(); leb(); if (flags & 1) leb(); }
      else if (kind === 2) { const flags = leb(); leb(); if (flags & 1) leb(); }
      else if (kind === 3) { at += 2; }
      else if (kind === 4) { at++; leb(); }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) {
      const length = leb();
      bodies.push([at, at + length]);
      at += length;
    }
  }
  sections.push(section);
  at = end;
}
if (names.size === 0) {
  console.error(`${file} has no function names (a stripped build): build with bench/wasm-size.sh`);
  process.exit(1);
}

/** The crate a function's name starts with. Names are Rust's legacy mangling
 * (`_ZN8burn_std4data...17h<hash>E`): the first path segment is the crate, or, for a trait
 * method (`_ZN67_$LT$X$u20$as$u20$Trait$GT$...`), the crate of X's path, else of the
 * trait's (a generic `<O as burn_optim::Optimizer>` counts as burn_optim). */
function crateOf(fn) {
  if (fn === "(unnamed)") return fn;
  const m = /^_ZN(\d+)/.exec(fn);
  if (!m) return fn.startsWith("__") || /^[a-z_0-9]+$/.test(fn) ? "(runtime and wasm-bindgen glue)" : "(other)";
  const start = m.index + m[0].length;
  const first = fn.slice(start, start + Number(m[1]))
    .replaceAll("$LT$", "<").replaceAll("$GT$", ">").replaceAll("$u20$", " ").replaceAll("$RF$", "&")
    .replaceAll("$BP$", "*").replaceAll("$C$", ",").replaceAll("..", "::").replace(/^_</, "<");
  if (!first.startsWith("<")) return first;
  const crates = [...first.matchAll(/([A-Za-z_][A-Za-z0-9_]*)::/g)].map((c) => c[1]);
  return crates[0] ?? "(other)";
}

const byCrate = new Map();
const functions = [];
bodies.forEach(([s, e], i) => {
  const fn = names.get(i + importedFunctions) ?? "(unnamed)";
  const crate = crateOf(fn);
  const entry = byCrate.get(crate) ?? { bytes: 0, functions: 0, gz: [] };
  entry.bytes += e - s;
  entry.functions += 1;
  entry.gz.push(bytes.subarray(s, e));
  byCrate.set(crate, entry);
  functions.push({ fn, crate, bytes: e - s });
});

const total = bytes.length;
const codeBytes = bodies.reduce((sum, [s, e]) => sum + e - s, 0);
const of = (id, custom) => sections.filter((s) => s.id === id && (custom === undefined || s.custom === custom)).reduce((sum, s) => sum + s.end - s.start, 0);
const dataBytes = of(11);
const nameBytes = of(0, "name");
const customBytes = of(0) - nameBytes;
const kib = (n) => (n / 1024).toFixed(0);
const pct = (n) => ((100 * n) / (total - nameBytes)).toFixed(1);
// Gzip of a crate's bodies alone, concatenated: a guide to its share of the download (the
// whole module compresses a little better, since crates share patterns).
const gz = (parts) => gzipSync(Buffer.concat(parts), { level: 9 }).length;

console.log(`\`node bench/wasm-size.mjs\` on ${file.split("/").pop()}: ${kib(total - nameBytes)} KiB without its name section (${kib(gzipSync(bytes).length)} KiB gzipped with it), ${bodies.length} functions`);
console.log();
console.log("| part | KiB | share | KiB gzipped alone | functions |");
console.log("|---|---|---|---|---|");
const rows = [...byCrate.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
const shown = rows.filter(([, v]) => v.bytes >= 0.005 * codeBytes);
const others = rows.filter(([, v]) => v.bytes < 0.005 * codeBytes);
for (const [crate, v] of shown) console.log(`| ${crate} | ${kib(v.bytes)} | ${pct(v.bytes)} % | ${kib(gz(v.gz))} | ${v.functions} |`);
if (others.length) {
  const b = others.reduce((s, [, v]) => s + v.bytes, 0);
  console.log(`| ${others.length} smaller crates | ${kib(b)} | ${pct(b)} % | ${kib(gz(others.flatMap(([, v]) => v.gz)))} | ${others.reduce((s, [, v]) => s + v.functions, 0)} |`);
}
console.log(`| data segments | ${kib(dataBytes)} | ${pct(dataBytes)} % | ${kib(gz(sections.filter((s) => s.id === 11).map((s) => bytes.subarray(s.start, s.end))))} | |`);
const rest2 = total - nameBytes - codeBytes - dataBytes - customBytes;
console.log(`| other sections (types, imports, tables, exports, custom ${kib(customBytes)} KiB) | ${kib(rest2 + customBytes)} | ${pct(rest2 + customBytes)} % | | |`);

if (topN > 0) {
  console.log();
  console.log(`| the ${topN} largest functions | KiB |`);
  console.log("|---|---|");
  functions.sort((a, b) => b.bytes - a.bytes).slice(0, topN).forEach((f) => console.log(`| \`${f.fn.slice(0, 140).replaceAll("|", "\\|")}\` | ${(f.bytes / 1024).toFixed(1)} |`));
}
