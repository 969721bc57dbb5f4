#!/usr/bin/env node
// Checks the links of README.md and docs/**/*.md: every relative link must name a file or
// directory of the repository, every #anchor a heading (or an explicit id) of its target, and
// no link may leave the repository (absolute URLs, absolute paths, `../` above the root).
// Prints file:line and the link for each problem; exit 1 when there is any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function markdownFiles() {
  const files = [join(ROOT, 'README.md')];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk(join(ROOT, 'docs'));
  return files;
}

/** The lines of a Markdown file with fenced code blocks blanked and inline code spans removed. */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```+|~~~+)/.exec(line);
    if (marker) {
      if (fence === null) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = null;
      return '';
    }
    if (fence !== null) return '';
    return line.replace(/(`+)[\s\S]*?\1/g, '');
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
function anchorsOf(file, cache) {
  if (cache.has(file)) return cache.get(file);
  const anchors = new Set();
  const seen = new Map();
  let fence = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line);
    if (marker) {
      if (fence === null) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*~]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  cache.set(file, anchors);
  return anchors;
}

function linksOf(lines) {
  const links = [];
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/!?\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: i + 1, target: m[1] });
    }
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(line);
    if (def) links.push({ line: i + 1, target: def[1] });
    for (const m of line.matchAll(/<a\s+[^>]*href="([^"]+)"/g)) links.push({ line: i + 1, target: m[1] });
    // Autolinks, and bare URLs that GitHub turns into links, outside the targets found above.
    const rest = line.replace(/\]\([^)]*\)/g, '](…)').replace(/^\s{0,3}\[[^\]]+\]:.*$/, '');
    for (const m of rest.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>|\b((?:https?|ftp):\/\/[^\s<>)]+|www\.[^\s<>)]+)/gi)) {
      links.push({ line: i + 1, target: m[1] ?? m[2] });
    }
  });
  return links;
}

function problemOf(file, target, cache) {
  if (target === '') return 'empty link';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || /^(\/\/|www\.)/i.test(target)) return 'leaves the repository';
  if (target.startsWith('/')) return 'absolute path (use a relative link)';
  if (/shared\/spec/.test(target)) return 'points to the shared contract, outside the repository';
  const [pathPart, anchor] = target.split('#', 2);
  const path = decodeURIComponent(pathPart);
  const resolved = path === '' ? file : resolve(dirname(file), path);
  const rel = relative(ROOT, resolved);
  if (rel.startsWith('..') || rel.split(sep)[0] === '..') return 'leaves the repository';
  if (!existsSync(resolved)) return 'no such file';
  if (anchor !== undefined) {
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) return 'anchor on a non-Markdown target';
    if (!anchorsOf(resolved, cache).has(decodeURIComponent(anchor))) return 'no such anchor';
  }
  return undefined;
}

const cache = new Map();
const problems = [];
let count = 0;
for (const file of markdownFiles()) {
  for (const { line, target } of linksOf(proseLines(readFileSync(file, 'utf8')))) {
    count++;
    const problem = problemOf(file, target, cache);
    if (problem) problems.push(`${relative(ROOT, file)}:${line}: ${target} (${problem})`);
  }
}
for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`docs:check: ${problems.length} broken link(s) of ${count}`);
  process.exit(1);
}
console.log(`docs:check: ${count} links OK`);
