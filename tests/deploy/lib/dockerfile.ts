/** A Dockerfile instruction after joining continuation lines and dropping comments. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  /** Base image with global ARG defaults substituted, or an earlier stage's name. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/**
 * Enough of the Dockerfile grammar for static checks: `\` continuations, `#` comment lines
 * (also inside continuations, as BuildKit allows), global ARG defaults used in FROM.
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let current: Instruction | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (!current && !line.trim())) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    if (current) current.args += ` ${body.trim()}`;
    else {
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
      if (!m) throw new Error(`Dockerfile line ${index + 1}: cannot parse "${line}"`);
      current = { keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: index + 1 };
    }
    if (!continued) {
      instructions.push(current);
      current = undefined;
    }
  });
  if (current) instructions.push(current);

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: cannot parse FROM ${ins.args}`);
      const from = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_all, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        const value = globalArgs[name];
        if (value === undefined) throw new Error(`Dockerfile line ${ins.line}: ARG ${name} has no default`);
        return value;
      });
      stages.push({ from, name: m[2], instructions: [] });
    } else if (!stages.length) {
      if (ins.keyword !== 'ARG') throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} before the first FROM`);
      const [name, value] = ins.args.split('=', 2);
      if (value !== undefined) globalArgs[name!.trim()] = value.trim();
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** The JSON (exec) form of ENTRYPOINT/CMD/RUN, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`not an exec form: ${args}`);
  return value;
}

/** `COPY [--flags] src… dest` → flags, sources and destination. */
export function parseCopy(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [k, v = ''] = words.shift()!.slice(2).split('=', 2);
    flags[k!] = v;
  }
  const dest = words.pop();
  if (!dest || !words.length) throw new Error(`COPY needs sources and a destination: ${args}`);
  return { flags, sources: words, dest };
}

/**
 * Whether .dockerignore excludes a context path: patterns are matched against the path and every
 * parent directory (excluding a directory excludes its content); later `!` patterns re-include.
 */
export function dockerignored(patterns: string[], path: string): boolean {
  const toRegExp = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/^\/+|\/+$/g, '')
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) =>
          part === '**/'
            ? '(?:.*/)?'
            : part === '**'
              ? '.*'
              : part === '*'
                ? '[^/]*'
                : part === '?'
                  ? '[^/]'
                  : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('')}$`,
    );
  const segments = path.replace(/^\.\/|\/+$/g, '').split('/');
  const candidates = segments.map((_s, i) => segments.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const re = toRegExp(negate ? raw.slice(1) : raw);
    if (candidates.some((c) => re.test(c))) excluded = !negate;
  }
  return excluded;
}

export function readDockerignore(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
