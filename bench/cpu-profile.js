'use strict';
// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and lists where the time went: the top frames by
// self time (the function itself was on top of the stack) and by inclusive time (it was anywhere on the
// stack, counted once per sample even when recursive), and self time per package.

const { readFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const META = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** Where a frame's code lives, short: "express/lib/router/index.js", "dist/auth/x.js", "node:internal/...". */
function shortUrl(url) {
  if (!url) return '';
  let file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return file.slice(nm + '/node_modules/'.length);
  if (file.startsWith(`${ROOT}/`)) file = file.slice(ROOT.length + 1);
  return file;
}

/** The package (or "gateway", "node", "v8") a frame belongs to, for the per-package totals. */
function ownerOf(callFrame) {
  if (META.has(callFrame.functionName)) return `v8 ${callFrame.functionName}`;
  const url = callFrame.url;
  if (!url) return 'v8/native';
  if (url.startsWith('node:')) return 'node';
  const file = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = file.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (file.startsWith('dist/')) return 'gateway (dist)';
  if (file.startsWith('bench/')) return 'bench';
  return file;
}

function frameKey(callFrame) {
  const name = callFrame.functionName || '(anonymous)';
  if (META.has(name) || !callFrame.url) return name;
  return `${name} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
}

/**
 * @param {object} profile   a parsed .cpuprofile
 * @param {object} [window]  { fromUs, toUs } in the profile's clock; samples outside are ignored
 */
function summarize(profile, { fromUs = -Infinity, toUs = Infinity, top = 25 } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const stackKeys = new Map(); // node id -> distinct frame keys from it to the root
  const keysOf = (id) => {
    if (stackKeys.has(id)) return stackKeys.get(id);
    const node = byId.get(id);
    const up = parent.has(id) ? keysOf(parent.get(id)) : new Set();
    const keys = new Set(up);
    if (node.callFrame.functionName !== '(root)') keys.add(frameKey(node.callFrame));
    stackKeys.set(id, keys);
    return keys;
  };

  const self = new Map();
  const inclusive = new Map();
  const owners = new Map();
  let t = profile.startTime;
  let samples = 0;
  let idle = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const node = byId.get(profile.samples[i]);
    if (node.callFrame.functionName === '(idle)') {
      idle += 1;
      continue;
    }
    samples += 1;
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + 1);
    const owner = ownerOf(node.callFrame);
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    for (const k of keysOf(node.id)) inclusive.set(k, (inclusive.get(k) ?? 0) + 1);
  }
  const spanMs = samples + idle > 1 ? (last - first) / 1000 : 0;
  const rank = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, count]) => ({
        frame,
        samples: count,
        percent: Math.round((count / samples) * 1000) / 10,
      }));
  return {
    windowMs: Math.round(spanMs),
    busySamples: samples,
    idleSamples: idle,
    idlePercent: samples + idle > 0 ? Math.round((idle / (samples + idle)) * 1000) / 10 : 0,
    topSelf: rank(self, top),
    topInclusive: rank(inclusive, top),
    byPackage: rank(owners, top),
  };
}

function load(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function printSummary(summary, print = console.log) {
  print(
    `${summary.busySamples} busy samples over ${summary.windowMs} ms (idle ${summary.idlePercent} %); columns: % of busy samples, samples, frame\n`,
  );
  for (const [title, rows] of [
    ['top self', summary.topSelf],
    ['top inclusive', summary.topInclusive],
    ['self by package', summary.byPackage],
  ]) {
    print(`${title}:`);
    for (const row of rows)
      print(`  ${row.percent.toFixed(1).padStart(5)} %  ${String(row.samples).padStart(6)}  ${row.frame}`);
    print('');
  }
}

module.exports = { summarize, load, printSummary };

// `node bench/cpu-profile.js FILE.cpuprofile [top]` summarises any profile (whole duration).
if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/cpu-profile.js FILE.cpuprofile [top]');
    process.exit(2);
  }
  printSummary(summarize(load(file), { top: top ? Number(top) : 25 }));
}
