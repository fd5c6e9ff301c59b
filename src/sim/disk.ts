import type { DiskPort } from '../runtime/ports';

type JournalEntry =
  | { readonly op: 'put'; readonly key: string; readonly value: unknown }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'append'; readonly key: string; readonly items: readonly unknown[] }
  | { readonly op: 'truncate'; readonly key: string; readonly length: number };

/**
 * A simulated disk. Writes go to a journal and to the process's view; `sync()` applies the
 * journal to the durable image. A crash replaces the view with the durable image, so the
 * unsynced tail is lost exactly as on a real machine without fsync.
 *
 * Invariant: view == durable + journal applied in order.
 */
export class SimDisk implements DiskPort {
  private durable = new Map<string, unknown>();
  private view = new Map<string, unknown>();
  private journal: JournalEntry[] = [];

  put(key: string, value: unknown): void {
    this.write({ op: 'put', key, value });
  }

  get<T>(key: string): T | undefined {
    return this.view.get(key) as T | undefined;
  }

  delete(key: string): void {
    this.write({ op: 'delete', key });
  }

  append(key: string, items: readonly unknown[]): void {
    if (items.length === 0) return;
    this.write({ op: 'append', key, items: items.slice() });
  }

  truncate(key: string, length: number): void {
    if (!(length >= 0) || !Number.isInteger(length)) throw new RangeError(`truncate() needs a length >= 0, got ${length}`);
    this.write({ op: 'truncate', key, length });
  }

  sync(): void {
    for (const entry of this.journal) apply(this.durable, entry);
    this.journal = [];
  }

  /** What a crash now would leave under `key` (the durable image, not the view). For tests
   *  of durability points: "when this message left, was its promise already on disk?" */
  durableValue<T>(key: string): T | undefined {
    const value = this.durable.get(key);
    return (Array.isArray(value) ? value.slice() : value) as T | undefined;
  }

  /** What survives a power loss: the view becomes a copy of the durable image. */
  crash(): void {
    this.journal = [];
    this.view = copyImage(this.durable);
  }

  /** Deletes everything, durable or not (a replaced machine). */
  wipe(): void {
    this.journal = [];
    this.durable = new Map();
    this.view = new Map();
  }

  private write(entry: JournalEntry): void {
    this.journal.push(entry);
    apply(this.view, entry);
  }
}

function apply(image: Map<string, unknown>, entry: JournalEntry): void {
  switch (entry.op) {
    case 'put':
      // Each image owns its lists: a list shared by the view and the durable image would
      // let later unsynced appends leak into the durable one.
      image.set(entry.key, Array.isArray(entry.value) ? entry.value.slice() : entry.value);
      return;
    case 'delete':
      image.delete(entry.key);
      return;
    case 'append': {
      const list = listAt(image, entry.key);
      for (const item of entry.items) list.push(item);
      return;
    }
    case 'truncate': {
      const list = listAt(image, entry.key);
      if (list.length > entry.length) list.length = entry.length;
      return;
    }
  }
}

function listAt(image: Map<string, unknown>, key: string): unknown[] {
  let list = image.get(key);
  if (list === undefined) {
    list = [];
    image.set(key, list);
  }
  if (!Array.isArray(list)) throw new TypeError(`disk key ${key} holds a value, not a list`);
  return list;
}

/** Lists are copied (the two images must not share arrays); values are immutable by contract. */
function copyImage(image: Map<string, unknown>): Map<string, unknown> {
  const copy = new Map<string, unknown>();
  for (const [key, value] of image) copy.set(key, Array.isArray(value) ? value.slice() : value);
  return copy;
}
