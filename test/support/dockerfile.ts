import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export interface Instruction {
  keyword: string;
  /** The instruction's text after the keyword, continuation lines joined. */
  args: string;
  flags: Record<string, string>;
  /** The arguments without the leading --flags. */
  rest: string;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** A Dockerfile's stages and instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword, argText] = /^(\S+)\s*(.*)$/.exec(line)!;
    const instruction = parseInstruction(keyword.toUpperCase(), argText);
    if (instruction.keyword === 'FROM') {
      const [image, , name] = instruction.rest.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), from: substitute(image, args), instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value] = instruction.rest.split('=');
      args[name] = value ?? '';
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { args, stages };
}

function parseInstruction(keyword: string, args: string): Instruction {
  const flags: Record<string, string> = {};
  let rest = args;
  for (
    let match = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest);
    match;
    match = /^--([\w-]+)(?:=(\S+))?\s+/.exec(rest)
  ) {
    flags[match[1]] = match[2] ?? 'true';
    rest = rest.slice(match[0].length);
  }
  return { keyword, args, flags, rest };
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced, bare) => args[braced ?? bare] ?? '');
}

/** Exec form (`["node", "x.js"]`) as a list; shell form as undefined. */
export function execForm(instruction: Instruction): string[] | undefined {
  try {
    const parsed = JSON.parse(instruction.rest) as unknown;
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The build context as `docker build` sends it: every file under `root` that .dockerignore does not
 * exclude (patterns in order, the last match wins, `!` re-includes; `**` crosses directories).
 */
export function buildContext(root: string, dockerignore: string): string[] {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = path.posix.normalize((include ? line.slice(1) : line).replace(/^\/+/, ''));
      return { include, pattern, regex: globToRegex(pattern) };
    });
  const excluded = (file: string): boolean =>
    rules.reduce((out, rule) => (rule.regex.test(file) ? !rule.include : out), false);
  // A directory is entered when it is not excluded, or when a later `!` rule could re-include something in it.
  const mayHoldIncluded = (dir: string): boolean =>
    !excluded(dir) || rules.some((rule) => rule.include && rule.pattern.startsWith(`${dir}/`));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (mayHoldIncluded(relative)) walk(relative);
      } else if (!excluded(relative)) {
        files.push(relative);
      }
    }
  };
  walk('');
  return files.sort();
}

function globToRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern that names a directory excludes everything under it too.
  return new RegExp(`^${source}(?:/.*)?$`);
}
