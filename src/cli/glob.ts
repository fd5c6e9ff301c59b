import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Expands a file pattern the way a shell would, for patterns passed quoted (or from shells
 * that do not expand them): `*` and `?` within one path segment, `[abc]` classes, and `**`
 * for any number of folders. Hidden entries match only a segment that starts with a dot.
 * A name without pattern characters is returned as is, whether or not it exists (reading
 * it reports the problem). Matches come back sorted, so output is stable.
 */
export function expandPattern(pattern: string): string[] {
  if (!isPattern(pattern)) return [pattern];
  const absolute = path.isAbsolute(pattern);
  const segments = pattern.split(/[\\/]+/).filter((segment, index) => segment !== '' || index === 0);
  const start = absolute ? path.parse(pattern).root : '.';
  const matches = walk(start, absolute ? segments.slice(1) : segments, absolute ? '' : undefined);
  return [...new Set(matches)].sort();
}

export function isPattern(text: string): boolean {
  return /[*?[]/.test(text);
}

function walk(directory: string, segments: readonly string[], shown: string | undefined): string[] {
  if (segments.length === 0) return [];
  const [segment, ...rest] = segments;
  const join = (name: string): string => (shown === undefined ? name : path.join(shown === '' ? directory : shown, name));
  if (!isPattern(segment)) {
    const next = path.join(directory, segment);
    if (rest.length === 0) return fs.existsSync(next) ? [join(segment)] : [];
    return isDirectory(next) ? walk(next, rest, join(segment)) : [];
  }
  const entries = readDirectory(directory);
  if (segment === '**') {
    const here = walk(directory, rest, shown);
    const deeper = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).flatMap((entry) => walk(path.join(directory, entry.name), segments, join(entry.name)));
    return [...here, ...deeper];
  }
  const matcher = segmentMatcher(segment);
  return entries
    .filter((entry) => matcher.test(entry.name) && (segment.startsWith('.') || !entry.name.startsWith('.')))
    .flatMap((entry) => {
      if (rest.length === 0) return [join(entry.name)];
      return entry.isDirectory() ? walk(path.join(directory, entry.name), rest, join(entry.name)) : [];
    });
}

function segmentMatcher(segment: string): RegExp {
  let source = '';
  for (let index = 0; index < segment.length; index++) {
    const character = segment[index];
    if (character === '*') source += '[^/]*';
    else if (character === '?') source += '[^/]';
    else if (character === '[') {
      const close = segment.indexOf(']', index + 1);
      if (close < 0) source += '\\[';
      else {
        const body = segment.slice(index + 1, close).replace(/\\/g, '\\\\');
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        index = close;
      }
    } else source += character.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function readDirectory(directory: string): fs.Dirent[] {
  try {
    return fs.readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}
