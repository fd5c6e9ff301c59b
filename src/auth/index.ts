export { AuditLog, type AuditEntry } from './audit';
export { covers, decide, describeGrant, neededPermission, permits } from './authorize';
export { credentialProof, principal } from './credentials';
export { type AuthCommand, type AuthLogEntry, type AuthResult, type AuthSnapshot, authLimits, describeCommand, isAuthEntry, RoleTable } from './role-table';
export * from './types';
