import { parse, type Statement } from 'pgsql-ast-parser';
import { lineAndColumn, QueryError } from './errors';

/**
 * The query text to a syntax tree, with pgsql-ast-parser (PostgreSQL dialect). Errors say
 * where (line and column) and what was expected, in a few words rather than the parser's
 * list of grammar states. A leading EXPLAIN [ANALYZE] is taken off here (the parser does
 * not know it) and replaced by spaces, so that positions in the rest stay right.
 */

/** Longer texts are refused before parsing: the parser's work grows with the input. */
export const queryLengthMax = 20_000;

export type ExplainMode = 'none' | 'plan' | 'analyze';

export interface ParsedQuery {
  readonly text: string;
  readonly explain: ExplainMode;
  readonly statement: Statement;
}

export function parseQuery(text: unknown): ParsedQuery {
  if (typeof text !== 'string') throw new QueryError('syntax', `a query is text, got ${typeof text}`);
  if (text.length > queryLengthMax) throw new QueryError('syntax', `the query is ${text.length} characters long; at most ${queryLengthMax} are accepted`);
  const explainMatch = /^\s*explain(\s+analyze)?\b/i.exec(text);
  const explain: ExplainMode = explainMatch === null ? 'none' : explainMatch[1] !== undefined ? 'analyze' : 'plan';
  const body = explainMatch === null ? text : ' '.repeat(explainMatch[0].length) + text.slice(explainMatch[0].length);
  if (body.trim() === '' || body.trim() === ';') throw new QueryError('syntax', explain === 'none' ? 'the query is empty' : 'EXPLAIN needs a query to explain');
  let statements: Statement[];
  try {
    statements = parse(body, { locationTracking: true });
  } catch (error) {
    throw syntaxError(body, error);
  }
  if (statements.length !== 1) throw new QueryError('unsupported', `one statement at a time, please: the text holds ${statements.length}`);
  return { text, explain, statement: statements[0] };
}

interface ParserToken {
  readonly text?: string;
  readonly type?: string;
  readonly offset?: number;
}

function syntaxError(text: string, error: unknown): QueryError {
  const message = error instanceof Error ? error.message : String(error);
  const token = (error as { token?: ParserToken }).token;
  if (token === undefined || typeof token.offset !== 'number') {
    const end = lineAndColumn(text, text.trimEnd().length);
    const lastWord = text.trimEnd().split(/\s+/).pop() ?? '';
    return new QueryError('syntax', `syntax error at line ${end.line}, column ${end.column}: the query ends too early, after "${lastWord}"; something must follow`);
  }
  const { line, column } = lineAndColumn(text, token.offset);
  const expected = expectedTokens(message);
  const found = token.type === 'eof' ? 'the end of the query' : `"${token.text ?? ''}"`;
  const wanted = expected.length === 0 ? 'nothing more (the statement was already complete)' : describeList(expected);
  return new QueryError('syntax', `syntax error at line ${line}, column ${column}: found ${found} but expected ${wanted}`);
}

const tokenWords: Readonly<Record<string, string>> = {
  word: 'a name',
  quoted_word: 'a quoted name',
  star: '*',
  lparen: '(',
  rparen: ')',
  comma: ',',
  semicolon: ';',
  dot: '.',
  int: 'a number',
  float: 'a number',
  string: 'a string',
  eString: 'a string',
  qparam: 'a parameter',
  op_plus: '+',
  op_minus: '-',
  op_mul: '*',
  op_div: '/',
  op_mod: '%',
  op_eq: '=',
  op_neq: '<>',
  op_lt: '<',
  op_gt: '>',
  op_lte: '<=',
  op_gte: '>=',
};

/** The token kinds in the parser's "I was expecting to see one of the following" list, in words. */
function expectedTokens(message: string): string[] {
  const seen = new Set<string>();
  for (const match of message.matchAll(/A "([a-zA-Z_]+)" token/g)) {
    const kind = match[1];
    const word = kind.startsWith('kw_') ? kind.slice(3).toUpperCase().replace(/_/g, ' ') : (tokenWords[kind] ?? kind.replace(/_/g, ' '));
    seen.add(word);
  }
  return [...seen];
}

function describeList(items: readonly string[]): string {
  const shown = items.slice(0, 8);
  const rest = items.length - shown.length;
  const text = shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
  return rest > 0 ? `${text} (or ${rest} more)` : text;
}
