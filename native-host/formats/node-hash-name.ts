import type { HashAlgorithm } from '../../shared/domain/algorithms.js';

/**
 * node:crypto's name of a hash algorithm ('SHA-256' → 'sha256'), for every format (PDF, CMS, XML). A module of its
 * own, with no imports but a type: the PDF copy pass (pdf/copy-input.ts) must not load pdf-lib through it.
 */
export function nodeHashName(hash: HashAlgorithm): string {
  return hash.replace('-', '').toLowerCase();
}
