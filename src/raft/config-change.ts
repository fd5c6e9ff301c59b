import { assertInvariant } from './invariants';
import type { ClusterConfig, ConfigChange, ConfigChangeEntryData, ConfigChangeRejection, Entry, NodeId } from './types';

/**
 * Single-server membership changes (thesis §4.1): each change adds or removes one voter,
 * so any majority of the old configuration overlaps any majority of the new one and no
 * joint consensus is needed. A configuration takes effect as soon as its entry is
 * appended to a log, committed or not; a truncated config entry reverts it.
 */

export type ApplyConfigChangeResult =
  | { readonly ok: true; readonly config: ClusterConfig }
  | { readonly ok: false; readonly reason: ConfigChangeRejection };

export function applyConfigChange(config: ClusterConfig, change: ConfigChange): ApplyConfigChangeResult {
  const isVoter = config.voters.includes(change.node);
  const isLearner = config.learners.includes(change.node);
  switch (change.type) {
    case 'add-learner':
      if (isVoter || isLearner) return { ok: false, reason: 'already-member' };
      return { ok: true, config: { voters: [...config.voters], learners: [...config.learners, change.node] } };
    case 'add-voter':
      if (isVoter) return { ok: false, reason: 'already-member' };
      return {
        ok: true,
        config: { voters: [...config.voters, change.node], learners: config.learners.filter((id) => id !== change.node) },
      };
    case 'promote':
      if (!isLearner) return { ok: false, reason: 'not-a-learner' };
      return {
        ok: true,
        config: { voters: [...config.voters, change.node], learners: config.learners.filter((id) => id !== change.node) },
      };
    case 'remove':
      if (!isVoter && !isLearner) return { ok: false, reason: 'not-a-member' };
      if (isVoter && config.voters.length === 1) return { ok: false, reason: 'would-remove-last-voter' };
      return {
        ok: true,
        config: {
          voters: config.voters.filter((id) => id !== change.node),
          learners: config.learners.filter((id) => id !== change.node),
        },
      };
  }
}

export function isConfigEntry(entry: Entry): boolean {
  return entry.kind === 'config';
}

export function configOfEntry(entry: Entry): ClusterConfig {
  const data = entry.data as ConfigChangeEntryData | undefined;
  assertInvariant(data !== undefined && data.resultingConfig !== undefined, () =>
    `config entry ${entry.index} carries no resulting configuration`);
  return data.resultingConfig;
}

export function normalizeConfig(config: ClusterConfig): ClusterConfig {
  const voters = [...new Set(config.voters)];
  const learners = [...new Set(config.learners)].filter((id) => !voters.includes(id));
  return { voters, learners };
}

export function isMember(config: ClusterConfig, id: NodeId): boolean {
  return config.voters.includes(id) || config.learners.includes(id);
}

interface ConfigRecord {
  readonly index: number;
  readonly config: ClusterConfig;
}

/**
 * The configurations found in the log, so that a truncation can fall back to the one
 * before. records[0] is the base: the snapshot's configuration (or the bootstrap one).
 * Invariant: record indexes strictly increase; records.length >= 1.
 */
export class ConfigHistory {
  private records: ConfigRecord[];

  constructor(baseIndex: number, baseConfig: ClusterConfig) {
    this.records = [{ index: baseIndex, config: baseConfig }];
  }

  get current(): ClusterConfig { return this.records[this.records.length - 1].config; }
  /** Index of the entry (or snapshot) that set the current configuration. */
  get currentIndex(): number { return this.records[this.records.length - 1].index; }

  configAt(index: number): ClusterConfig {
    for (let position = this.records.length - 1; position > 0; position--) {
      if (this.records[position].index <= index) return this.records[position].config;
    }
    return this.records[0].config;
  }

  record(index: number, config: ClusterConfig): void {
    assertInvariant(index > this.currentIndex, () =>
      `config recorded at ${index} does not follow the current one at ${this.currentIndex}`);
    this.records.push({ index, config });
  }

  /** Forget configurations whose entries were truncated (index >= fromIndex). */
  truncateFrom(fromIndex: number): void {
    while (this.records.length > 1 && this.records[this.records.length - 1].index >= fromIndex) this.records.pop();
  }

  /** The prefix up to `index` became a snapshot whose configuration is configAt(index). */
  compactTo(index: number): void {
    const base = { index, config: this.configAt(index) };
    this.records = [base, ...this.records.filter((record) => record.index > index)];
  }

  resetTo(index: number, config: ClusterConfig): void {
    this.records = [{ index, config }];
  }
}
