import { Digest } from '../util/hash';
import type { Principal } from './types';

/**
 * Credentials, simulated. A password is never stored or sent: the client sends a proof
 * derived from user and password, and the role table keeps the proof. The derivation is
 * a 64-bit non-cryptographic digest: it stands in for a password hash and a TLS-protected
 * channel, and protects nothing against an attacker who can read simulated messages.
 */
export function credentialProof(user: string, password: string): string {
  const digest = new Digest();
  digest.update(`phantomdb-credential\u0000${user}\u0000${password}`);
  return digest.hex();
}

export function principal(user: string, password: string): Principal {
  return { user, proof: credentialProof(user, password) };
}
