/** The packaging scripts are plain ESM; the manifest/registry/policy logic they reuse is TypeScript (one source). */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ROOT } from '../prerequisites.mjs';

/** @param {string} relativePath a .ts module under the repository root */
export async function importTs(relativePath) {
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(join(ROOT, relativePath)).href, import.meta.url);
}
