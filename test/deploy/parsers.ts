/*
 * Small parsers for the deploy artefacts that are not YAML: a Dockerfile, systemd units and an nginx
 * site. They read what the checks need (instructions, keys and values, blocks and directives), no more.
 */

export interface DockerInstruction {
  keyword: string;
  /** the rest of the instruction, continuation lines joined */
  value: string;
  /** the build stage it belongs to (0 is the first FROM's) */
  stage: number;
}

export function parseDockerfile(text: string): DockerInstruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  let stage = -1;
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage++;
    return { keyword: keyword.toUpperCase(), value: rest.join(' '), stage };
  });
}

/** `KEY=value KEY2="value 2"` (ENV, ARG) as pairs. */
export function parseAssignments(value: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) pairs[match[1]!] = match[2]!.replace(/^"|"$/g, '');
  return pairs;
}

/** A systemd unit: each section's keys, with every value a key was given (in order). */
export type SystemdUnit = Record<string, Record<string, string[]>>;

export function parseSystemdUnit(text: string): SystemdUnit {
  const unit: SystemdUnit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = unit[header[1]!] ??= {};
      continue;
    }
    const equals = line.indexOf('=');
    if (!section || equals < 1) throw new Error(`not a unit line: ${line}`);
    (section[line.slice(0, equals).trim()] ??= []).push(line.slice(equals + 1).trim());
  }
  return unit;
}

/** `Environment="A=1" "B=2"` lines as pairs. */
export function systemdEnvironment(values: string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const value of values) {
    for (const match of value.matchAll(/"([^"=]+)=([^"]*)"|([^\s"=]+)=(\S*)/g)) pairs[match[1] ?? match[3]!] = match[2] ?? match[4]!;
  }
  return pairs;
}

/** An nginx directive: its name, its arguments, and its block's directives when it has one. */
export interface NginxDirective {
  name: string;
  args: string[];
  block?: NginxDirective[];
}

function nginxTokens(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[0].startsWith('#')) continue;
    tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4]!);
  }
  return tokens;
}

export function parseNginx(text: string): NginxDirective[] {
  const tokens = nginxTokens(text);
  let position = 0;
  const block = (nested: boolean): NginxDirective[] => {
    const directives: NginxDirective[] = [];
    while (position < tokens.length) {
      if (tokens[position] === '}') {
        if (!nested) throw new Error('unbalanced }');
        position++;
        return directives;
      }
      const words: string[] = [];
      while (position < tokens.length && tokens[position] !== ';' && tokens[position] !== '{' && tokens[position] !== '}') words.push(tokens[position++]!);
      const end = tokens[position++];
      const [name, ...args] = words;
      if (name === undefined) throw new Error(`empty directive before ${end}`);
      if (end === '{') directives.push({ name, args, block: block(true) });
      else if (end === ';') directives.push({ name, args });
      else throw new Error(`directive ${name} not ended by ;`);
    }
    if (nested) throw new Error('unclosed {');
    return directives;
  };
  return block(false);
}

/** Every directive named `name`, at any depth. */
export function nginxFind(directives: NginxDirective[], name: string): NginxDirective[] {
  return directives.flatMap((directive) => [...(directive.name === name ? [directive] : []), ...nginxFind(directive.block ?? [], name)]);
}

/** The first value of a directive in this block (not nested ones). */
export const nginxValue = (directives: NginxDirective[], name: string) => directives.find((directive) => directive.name === name)?.args;
