/*
 * Finds the glossary steps closest to a sentence that matches none, for
 * `npm run steps -- --suggest "..."` and for the undefined-step report of a run.
 *
 * The sentence's concrete values are first turned into the parameters they look like
 * ("node-4" -> {node}, "2 seconds" -> {duration}, "alice" in quotes -> {string}, 3 -> {int}),
 * then sentence and pattern are compared word by word: an edit distance over words (so
 * word order counts) blended with the share of words they have in common (so a reworded
 * sentence still finds its step).
 */

export interface SuggestionCandidate {
  keyword: string;
  pattern: string;
  /** The step's description, which counts a little: it holds the words an author may use instead. */
  summary?: string;
}

export interface Suggestion<T extends SuggestionCandidate> {
  entry: T;
  /** From 0 (nothing in common) to 1 (the same words in the same order). */
  score: number;
}

const LEADING_KEYWORD = /^\s*(Given|When|Then|And|But|\*)\s+/i;
const STOP_WORDS = new Set(['the', 'a', 'an', 'of', 'to', 'is', 'are', 'and', 'in', 'on', 'its', 'it']);

/** A sentence with its values replaced by the parameter they look like. */
export function abstractSentence(sentence: string): string {
  return sentence
    .replace(LEADING_KEYWORD, '')
    .replace(/"[^"]*"/g, '{string}')
    .replace(/\bnode-\d+(?:(?:, | and |, and )node-\d+)+/g, '{nodes}')
    .replace(/\bnode-\d+\b/g, '{node}')
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|milliseconds?|s|seconds?|minutes?|m)\b/g, '{duration}')
    .replace(/\b\d+(?:\.\d+)?\s?%/g, '{percentage}')
    .replace(/\b\d+\b/g, '{int}');
}

/** A pattern's words, with optional text "(s)" and alternatives "a/b" reduced to their first form. */
export function patternWords(pattern: string): string[] {
  return words(pattern.replace(/\(([^)]*)\)/g, '$1').replace(/(\w+)\/\w+/g, '$1'));
}

export function words(text: string): string[] {
  return text.toLowerCase().match(/\{[^}]*\}|[a-z0-9'-]+/g) ?? [];
}

/** Levenshtein distance over words. */
function wordDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (sameWord(a[i - 1], b[j - 1]) ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Words match when equal, when one is the other's plural, or a {node} stands where {nodes} is asked. */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const stem = (word: string): string => word.replace(/(?:es|s)$/, '');
  if (a.startsWith('{') || b.startsWith('{')) return stem(a) === stem(b);
  return a.length > 3 && b.length > 3 && stem(a) === stem(b);
}

function shared(a: readonly string[], b: readonly string[]): number {
  const content = (list: readonly string[]) => list.filter((word) => !STOP_WORDS.has(word));
  const left = content(a);
  const right = content(b);
  if (left.length === 0 || right.length === 0) return 0;
  const used = new Set<number>();
  let common = 0;
  for (const word of left) {
    const index = right.findIndex((candidate, position) => !used.has(position) && sameWord(word, candidate));
    if (index >= 0) {
      used.add(index);
      common++;
    }
  }
  return (2 * common) / (left.length + right.length);
}

/** How alike a sentence and a step are, from 0 to 1: mostly the pattern's words and their order, a little its description and keyword. */
export function similarity(sentence: string, candidate: SuggestionCandidate): number {
  const a = words(abstractSentence(sentence));
  const b = patternWords(candidate.pattern);
  if (a.length === 0 || b.length === 0) return 0;
  const order = 1 - wordDistance(a, b) / Math.max(a.length, b.length);
  const described = candidate.summary ? shared(a, words(candidate.summary)) : 0;
  const keyword = LEADING_KEYWORD.exec(sentence)?.[1].toLowerCase();
  const sameKeyword = keyword !== undefined && keyword === candidate.keyword.toLowerCase() ? 1 : 0;
  return 0.45 * order + 0.4 * shared(a, b) + 0.1 * described + 0.05 * sameKeyword;
}

/** The `count` entries closest to the sentence, best first (ties keep glossary order). */
export function closestSteps<T extends SuggestionCandidate>(sentence: string, entries: readonly T[], count = 3): Suggestion<T>[] {
  return entries
    .map((entry, index) => ({ entry, score: similarity(sentence, entry), index }))
    .sort((x, y) => y.score - x.score || x.index - y.index)
    .slice(0, count)
    .map(({ entry, score }) => ({ entry, score }));
}
