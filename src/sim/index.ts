export { Digest, hashString32, seedFromText } from '../util/hash';
export { type DeliveryOutcome, type Endpoint, type LatencyModel, type LinkFaults, Network, type TrafficCounters } from './network';
export { type NodeLifecycle, type NodeMetadata, SimNode } from './node';
export { RandomStreams, SeededRandom } from './random';
export { formatVirtualTime, type RunUntilOptions, Scheduler, SimulationTimeoutError } from './scheduler';
export { Simulation, type SimulationOptions } from './simulation';
export { SimDisk } from './disk';
export { formatEvent, Trace, type TraceEvent } from './trace';
export { FAULT_KINDS, type FaultKind, type FaultRecord, Nemesis, type NemesisOptions } from './nemesis';
