/**
 * tokenChainIsComplete (complete-chain.ts' shortcut): where it says the token's chain cannot be completed further,
 * the full path building (trust/build-chain.ts with an empty trust store, as `kyso sign-*` without KYSO_TRUST_DIR)
 * must give back exactly that chain; where anything could differ it must say no.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { TestPki } from '../helpers/test-pki.js';
import { tokenChainIsComplete } from '../../native-host/formats/cms/token-chain-complete.js';
import { completeChain } from '../../native-host/formats/cms/complete-chain.js';
import { buildChain } from '../../native-host/trust/build-chain.js';
import { TrustStore } from '../../native-host/trust/trust-store.js';

let pki: TestPki;
let plainLeaf: Uint8Array;
let aiaLeaf: Uint8Array;
const savedTrustDir = process.env.KYSO_TRUST_DIR;

beforeAll(async () => {
  delete process.env.KYSO_TRUST_DIR;
  pki = await TestPki.create({ label: 'Chain Test' });
  plainLeaf = (await pki.issue({ subject: '/C=VN/CN=Plain Leaf' })).certDer;
  const withAia = await TestPki.create({ label: 'Chain AIA', caIssuersUrl: 'http://127.0.0.1:9/issuing.crt' });
  aiaLeaf = (await withAia.issue({ subject: '/C=VN/CN=AIA Leaf' })).certDer;
  await withAia.dispose();
}, 60_000);
afterAll(async () => { await pki?.dispose(); if (savedTrustDir !== undefined) process.env.KYSO_TRUST_DIR = savedTrustDir; });
afterEach(() => { delete process.env.KYSO_TRUST_DIR; });

/** What path building without the shortcut gives (no AIA fetcher: these cases have nothing to fetch). */
async function fullPath(certificate: Uint8Array, chain: Uint8Array[]): Promise<Uint8Array[]> {
  const built = await buildChain(new x509.X509Certificate(certificate as Uint8Array<ArrayBuffer>), { store: TrustStore.empty(), extra: chain.map((d) => new x509.X509Certificate(d as Uint8Array<ArrayBuffer>)) });
  const found = built.path.slice(1).map((c) => new Uint8Array(c.rawData));
  return found.length >= chain.length ? found : chain;
}

describe('tokenChainIsComplete', () => {
  it('yes for a chain in path order (to the root, or to an intermediate without caIssuers), and the full building agrees', async () => {
    const cases = [
      [pki.intermediate.certDer, pki.root.certDer],
      [pki.intermediate.certDer],
      [],
    ];
    for (const chain of cases) {
      const signer = { certificate: plainLeaf, chain };
      expect(tokenChainIsComplete(signer)).toBe(true);
      expect(await completeChain(signer)).toEqual(chain);
      expect(await fullPath(plainLeaf, chain)).toEqual(chain);
    }
  });

  it('no when path building could do something else: out of order, a gap, the leaf repeated, a caIssuers URL, a trust store, not DER', () => {
    const { intermediate, root } = pki;
    expect(tokenChainIsComplete({ certificate: plainLeaf, chain: [root.certDer, intermediate.certDer] })).toBe(false);
    expect(tokenChainIsComplete({ certificate: plainLeaf, chain: [root.certDer] })).toBe(false);
    expect(tokenChainIsComplete({ certificate: plainLeaf, chain: [plainLeaf, intermediate.certDer] })).toBe(false);
    expect(tokenChainIsComplete({ certificate: aiaLeaf, chain: [] })).toBe(false);
    expect(tokenChainIsComplete({ certificate: plainLeaf, chain: [intermediate.certDer, intermediate.certDer] })).toBe(false);
    expect(tokenChainIsComplete({ certificate: Uint8Array.of(0x30, 0x00), chain: [] })).toBe(false);
    process.env.KYSO_TRUST_DIR = pki.root.certPath;
    expect(tokenChainIsComplete({ certificate: plainLeaf, chain: [intermediate.certDer] })).toBe(false);
  });

  it('a chain given out of order is still put in path order by the full building', async () => {
    const chain = [pki.root.certDer, pki.intermediate.certDer];
    expect(await completeChain({ certificate: plainLeaf, chain })).toEqual([pki.intermediate.certDer, pki.root.certDer]);
  });
});
