/**
 * Invariant checks inside the Raft core. A violated invariant means a bug in the core (or a
 * host that broke the Ready contract), never a recoverable condition, so it throws.
 */
export class RaftInvariantError extends Error {
  constructor(message: string) {
    super(`Raft invariant violated: ${message}`);
    this.name = 'RaftInvariantError';
  }
}

export function assertInvariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new RaftInvariantError(typeof message === 'string' ? message : message());
}
