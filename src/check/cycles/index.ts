export { type Anomaly, type AnomalyType, type CycleCheckOptions, type CycleCheckResult, type CycleStep, checkTransactions, explainAnomalies } from './checker';
export { type CycleMicroOp, type CycleModel, type CycleTxn, readList } from './history';
export type { EdgeKind } from './graph';
