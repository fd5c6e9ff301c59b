/** The inputs and outputs of the `kv` model (kv-model.ts), shared with its state space. */

export type KeyValueKind = 'get' | 'put' | 'append';

export interface KeyValueInput {
  readonly kind: KeyValueKind;
  /** The put or appended string; "" for a get. */
  readonly argument: string;
}

export interface KeyValueOutput {
  readonly known: boolean;
  /** What a get returned. */
  readonly value: string;
}
