/**
 * A field of an untrusted object read as plain data: its own value, or undefined when the
 * field is absent or an accessor, whose getter never runs (a getter is code: it could throw,
 * or answer differently each time it is read). For what must be read of a message before its
 * shape is checked: its type, which the network traces and the node's boundary routes by.
 */
export function ownData(record: object, field: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(record, field);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}
