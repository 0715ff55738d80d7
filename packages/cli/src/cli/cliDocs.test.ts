// docs/cli.md against the program itself: every command and option commander defines has its place there, and
// no option is documented that its command no longer has. Sections are headed `verinet <path>` in backticks; an
// option may be documented in its command's section or an ancestor's (the network options once under `task`).
// (Tested against itself: dropping a row of docs/cli.md, or an option of a command, makes it fail.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { commandModules, createProgram } from './createProgram.js';

const docsFile = resolve(fileURLToPath(import.meta.url), '../../../../../docs/cli.md');

/** docs/cli.md's sections by the command path in their heading (`verinet task run` → its text). */
function readSections(): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | undefined;
  // Examples do not count as documentation: code blocks are left out.
  const text = readFileSync(docsFile, 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```\n/gm, '');
  for (const line of text.split('\n')) {
    const heading = /^#{2,3} `(verinet[^`<[]*)/.exec(line);
    if (/^#{1,3} /.test(line)) current = heading ? (heading[1] ?? '').trim() : undefined;
    if (current !== undefined) sections.set(current, `${sections.get(current) ?? ''}${line}\n`);
  }
  return sections;
}

type Entry = { path: string; options: string[] };

/** Every command of the program with its long option flags (help aside), root first. */
async function listCommands(): Promise<Entry[]> {
  const root = await createProgram([]);
  const entries: Entry[] = [];
  const walk = (command: Command, path: string) => {
    entries.push({
      path,
      options: command.options
        .map((option) => option.long ?? option.flags)
        .filter((flag) => flag !== '--help'),
    });
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
  };
  entries.push({ path: 'verinet', options: root.options.map((option) => option.long ?? option.flags) });
  for (const entry of commandModules) walk(await entry.load(), `verinet ${entry.name}`);
  return entries;
}

const ancestors = (path: string) =>
  path
    .split(' ')
    .map((_, index, words) => words.slice(0, index + 1).join(' '))
    .reverse();

describe('docs/cli.md documents every command and option of the program', () => {
  it('each command has a section, each option is in it or in an ancestor command’s', async () => {
    const sections = readSections();
    const missing: string[] = [];
    for (const { path, options } of await listCommands()) {
      if (!sections.has(path)) {
        missing.push(`section \`${path}\``);
        continue;
      }
      for (const flag of options) {
        const mentioned = new RegExp(`(^|[^\\w-])${flag}(?![\\w-])`, 'm');
        const documented = ancestors(path).some((at) => mentioned.test(sections.get(at) ?? ''));
        if (!documented) missing.push(`${path} ${flag}`);
      }
    }
    assert.deepEqual(missing, [], `docs/cli.md lacks: ${missing.join('; ')}`);
  });

  it('no section documents an option its command (or an ancestor) does not have', async () => {
    const sections = readSections();
    const byPath = new Map((await listCommands()).map((entry) => [entry.path, entry.options]));
    const stale: string[] = [];
    for (const [path, text] of sections) {
      if (!byPath.has(path)) {
        stale.push(`section \`${path}\` (no such command)`);
        continue;
      }
      // A section may document its own options, its ancestors' and those its sub-commands share.
      const related = [...byPath.keys()].filter(
        (other) => ancestors(path).includes(other) || other.startsWith(`${path} `),
      );
      const known = new Set(related.flatMap((at) => byPath.get(at) ?? []));
      for (const row of text.split('\n').filter((line) => line.startsWith('| `-'))) {
        for (const flag of (row.split('|')[1] ?? '').match(/--[a-z][a-z-]*/g) ?? [])
          if (!known.has(flag)) stale.push(`${path} ${flag}`);
      }
    }
    assert.deepEqual(stale, [], `docs/cli.md documents options that do not exist: ${stale.join('; ')}`);
  });
});
