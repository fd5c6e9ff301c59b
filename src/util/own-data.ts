/**
 * Reading untrusted objects (messages) as plain data: a field's own value, never running a
 * getter (a getter is code: it could throw, or answer differently each time it is read). The
 * wire checks read every field this way (src/runtime/wire-check.ts), and so does what must read a
 * message before its shape is checked: its type, which the network traces and the node's
 * boundary routes by.
 */

/** What `ownField` answers for an accessor (getter or setter), whose code it never runs. */
export const ACCESSOR = Symbol.for('phantomdb.accessor');

/** The own field's value, undefined when absent, ACCESSOR when it is an accessor. */
export function ownField(record: object, field: string | number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(record, field);
  if (descriptor === undefined) return undefined;
  return 'value' in descriptor ? descriptor.value : ACCESSOR;
}

/** The own field's value as plain data: undefined when absent or an accessor. */
export function ownData(record: object, field: string): unknown {
  const item = ownField(record, field);
  return item === ACCESSOR ? undefined : item;
}
