import type { MessageBoundary } from './message-boundary';
import type { Message, NodeEnv, NodeId, NodeProcess } from './ports';

/** One protocol running on a node (membership, a Raft group host, the KV server, ...). */
export interface NodeService {
  onMessage(from: NodeId, message: Message): void;
  onStop?(): void;
}

/**
 * The process of one virtual node: it hosts several services and routes each incoming
 * message to the service that owns its type's namespace (the part before the first dot:
 * `swim.ping` goes to the service registered as `swim`).
 */
export class NodeRuntime implements NodeProcess {
  private readonly services = new Map<string, NodeService>();
  /** Cache of `serviceFor`; cleared whenever a service is registered. */
  private readonly serviceByType = new Map<string, NodeService | undefined>();
  /** When set, every message passes it first (admission and shape; see message-boundary.ts). */
  private boundary: MessageBoundary | undefined;

  constructor(readonly env: NodeEnv) {}

  /** Puts a boundary in front of every service (once, before messages arrive). */
  guard(boundary: MessageBoundary): void {
    if (this.boundary !== undefined) throw new Error(`${this.env.id} already has a message boundary`);
    this.boundary = boundary;
  }

  register(namespace: string, service: NodeService): void {
    if (namespace.includes('.')) throw new Error(`a service namespace has no dots: ${namespace}`);
    if (this.services.has(namespace)) throw new Error(`service ${namespace} is already registered on ${this.env.id}`);
    this.services.set(namespace, service);
    this.serviceByType.clear();
  }

  service<T extends NodeService>(namespace: string): T | undefined {
    return this.services.get(namespace) as T | undefined;
  }

  onMessage(from: NodeId, message: Message): void {
    if (this.boundary !== undefined && !this.boundary.accept(from, message)) return;
    const service = this.serviceFor(message.type);
    // A message for a service this node does not run is dropped, like a closed port.
    if (service) service.onMessage(from, message);
  }

  /** The service owning a message type; remembered per type so that no namespace string
   *  is cut out of the type for every message. */
  private serviceFor(type: string): NodeService | undefined {
    let service = this.serviceByType.get(type);
    if (service === undefined && !this.serviceByType.has(type)) {
      const dot = type.indexOf('.');
      service = this.services.get(dot < 0 ? type : type.slice(0, dot));
      // Types are protocol constants; the bound only guards against a sender inventing them.
      if (this.serviceByType.size >= 1024) this.serviceByType.clear();
      this.serviceByType.set(type, service);
    }
    return service;
  }

  onStop(): void {
    for (const service of this.services.values()) service.onStop?.();
  }
}
