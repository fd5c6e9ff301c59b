export { Digest, hashString32, seedFromText } from '../util/hash';
