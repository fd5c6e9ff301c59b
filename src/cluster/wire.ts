import { type Check, bool, finite, int, list, literal, nonEmptyStr, optional, record, str, variant } from '../runtime/wire-check';

/**
 * Shapes of discovery (`join.*`) and SWIM (`swim.*`) messages as they arrive from the
 * network. Membership already ignores news from non-members; these checks make sure a
 * malformed message never reaches the core at all.
 */

const nodeId = nonEmptyStr(256);
const incarnation = int(0);
const metadata = record({ region: str(256), zone: str(256), capacity: finite });

const memberUpdate = record({
  memberId: nodeId,
  state: literal('alive', 'suspect', 'dead', 'left'),
  incarnation,
  instanceId: str(256),
  metadata,
  suspecterId: optional(nodeId),
});

const updates = list(memberUpdate, 10_000);
const swim = { fromIncarnation: incarnation, updates };

export const clusterMessageCheck: Check = variant('type', {
  'join.request': record({ clusterName: str(256), joinToken: str(1024), instanceId: str(256), incarnation, restarted: bool, metadata }),
  'join.accept': record({ instanceId: str(256), incarnation, members: updates }),
  'join.reject': record({ instanceId: str(256), reason: literal('wrong-token', 'wrong-cluster', 'duplicate-id', 'seeds-unreachable'), text: str() }),
  'swim.ping': record({ ...swim, sequence: int(0) }),
  'swim.ack': record({ ...swim, sequence: int(0) }),
  'swim.ping-req': record({ ...swim, sequence: int(0), targetId: nodeId }),
  'swim.indirect-ack': record({ ...swim, sequence: int(0), targetId: nodeId }),
  'swim.gossip': record(swim),
  'swim.push-pull': record({ ...swim, isReply: bool, members: updates }),
});

export const CLUSTER_MESSAGE_TYPES = [
  'join.request',
  'join.accept',
  'join.reject',
  'swim.ping',
  'swim.ack',
  'swim.ping-req',
  'swim.indirect-ack',
  'swim.gossip',
  'swim.push-pull',
] as const;
