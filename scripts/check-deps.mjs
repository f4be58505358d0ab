#!/usr/bin/env node
// Dependency rules from docs/ARCHITECTURE.md, checked on every import in packages/*/src:
//  1. a package imports only the @lifeguard packages it is allowed to (core <- media <- server, ...);
//  2. core imports no vendor or I/O module (sharp, kysely, fastify, pg, ioredis, node:fs, ...);
//  3. no import cycle between files.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const allowed = {
  core: [],
  media: ['core'],
  store: ['core'],
  server: ['core', 'media', 'store'],
  cli: ['core', 'media', 'store', 'server'],
  sdk: [],
  web: ['sdk'],
};
const coreForbidden =
  /^(sharp|kysely|fastify|pg|ioredis|bullmq|better-sqlite3|pg-boss|node:fs|fs|node:child_process|child_process|node:net|net|node:http|http)(\/|$)/;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const errors = [];
const graph = new Map();
const pkgsDir = join(root, 'packages');
for (const pkg of readdirSync(pkgsDir)) {
  const src = join(pkgsDir, pkg, 'src');
  if (!existsSync(src)) continue;
  if (!(pkg in allowed)) errors.push(`package ${pkg} has no entry in the allowed-dependency table`);
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8');
    const edges = [];
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2];
      if (!spec) continue;
      const rel = relative(root, file);
      const lg = /^@lifeguard\/([^/]+)/.exec(spec);
      if (lg && lg[1] !== pkg && !(allowed[pkg] ?? []).includes(lg[1])) {
        errors.push(`${rel}: ${pkg} may not import @lifeguard/${lg[1]}`);
      }
      if (pkg === 'core' && coreForbidden.test(spec) && !file.endsWith('.test.ts')) {
        errors.push(`${rel}: core must stay pure, but imports ${spec}`);
      }
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        edges.push(existsSync(target) ? target : target.replace(/\.ts$/, '.tsx'));
      }
    }
    graph.set(file, edges);
  }
}

// Cycle detection: iterative DFS with colours.
const colour = new Map();
for (const start of graph.keys()) {
  if (colour.get(start)) continue;
  const stack = [[start, 0]];
  const path = [start];
  colour.set(start, 1);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const edges = graph.get(top[0]) ?? [];
    if (top[1] < edges.length) {
      const next = edges[top[1]++];
      const c = colour.get(next);
      if (c === 1) {
        const cyc = path
          .slice(path.indexOf(next))
          .concat(next)
          .map((p) => relative(root, p));
        errors.push(`import cycle: ${cyc.join(' -> ')}`);
      } else if (!c && graph.has(next)) {
        colour.set(next, 1);
        stack.push([next, 0]);
        path.push(next);
      }
    } else {
      colour.set(top[0], 2);
      stack.pop();
      path.pop();
    }
  }
}

if (errors.length) {
  for (const e of errors) console.error(`check-deps: ${e}`);
  process.exit(1);
}
console.log(`check-deps: ${graph.size} files, no forbidden imports, no cycles`);
