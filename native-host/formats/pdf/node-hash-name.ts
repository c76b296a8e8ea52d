import type { HashAlgorithm } from '../../../shared/domain/algorithms.js';

/** node:crypto's name of a hash algorithm ('SHA-256' → 'sha256'). Its own module: copy-input.ts must not load pdf-lib. */
export function nodeHashName(hash: HashAlgorithm): string {
  return hash.replace('-', '').toLowerCase();
}
