/**
 * From candidate drivers to the ones the host loads in process, each at most once:
 * 1. the same file reached twice (a p11-kit registration and a known path, a symlink) counts once, by real path;
 * 2. a library built for another CPU (a 32-bit DLL in a 64-bit host) is reported, not loaded;
 * 3. a driver remembered as hung or crashed (driver-health.ts) is skipped until its file changes;
 * 4. a driver not seen before is probed in a child process (driver-probe.ts) and loaded only if it answered;
 * 5. a driver an earlier host process was inside when that process died (driver-call-marker.ts) is remembered as
 *    crashed and skipped — when another driver loads; the only driver is loaded again, since skipping it would leave
 *    nothing to sign with and a process killed from outside while in a driver leaves the same trace as a crash.
 */
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DriverCandidate } from './driver-candidate.js';
import { ARCHITECTURE_HEADER_BYTES, binaryArchitecture } from './binary-architecture.js';
import { DriverHealthStore, type DriverHealthEntry, type FileIdentity } from './driver-health.js';
import { probeDriver, type ProbeVerdict } from './driver-probe.js';
import { takeDriversLeftInCall, type DriverLeftInCall } from './driver-call-marker.js';

/** Why a driver is not loaded, when it is not: a catalogue code, a CKR name, or one of these. */
export type DriverSkipReason = 'DRIVER_HUNG' | 'DRIVER_CRASHED' | 'DRIVER_NOT_FOR_THIS_CPU';

export interface ScreenedDriver {
  readonly candidate: DriverCandidate;
  /** The file's real path (the candidate path when it does not exist). */
  readonly realPath: string;
  /** Set when the driver must not be loaded. */
  readonly skip?: { readonly error: string; readonly detail?: string };
  /** C_GetInfo manufacturer / description from the probe, when known. */
  readonly library?: string;
}

export interface ScreeningSystem {
  readonly realpath: (path: string) => string | undefined;
  readonly identity: (path: string) => FileIdentity | undefined;
  readonly header: (path: string) => Uint8Array | undefined;
  readonly arch: string;
  readonly health: DriverHealthStore;
  readonly probe: (path: string, initArgs?: string) => ProbeVerdict;
  readonly now: () => Date;
  /** Drivers that earlier processes were inside when they died (read once, and removed). */
  readonly leftInCall: () => DriverLeftInCall[];
}

export function realScreeningSystem(health: DriverHealthStore = new DriverHealthStore()): ScreeningSystem {
  return {
    realpath: (path) => {
      try {
        return realpathSync.native(path);
      } catch {
        return undefined;
      }
    },
    identity: (path) => {
      try {
        const s = statSync(path);
        return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
      } catch {
        return undefined;
      }
    },
    header: (path) => {
      let fd: number | undefined;
      try {
        fd = openSync(path, 'r');
        const buffer = Buffer.alloc(ARCHITECTURE_HEADER_BYTES);
        const n = readSync(fd, buffer, 0, buffer.length, 0);
        return buffer.subarray(0, n);
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    arch: process.arch,
    health,
    probe: (path, initArgs) => probeDriver(path, initArgs ? { initArgs } : {}),
    now: () => new Date(),
    leftInCall: () => takeDriversLeftInCall(dirname(health.file)),
  };
}

function describeBad(entry: DriverHealthEntry): string {
  const what = entry.verdict === 'hung' ? `hung in ${entry.stage ?? '?'} (${entry.how ?? 'no answer'})` : `crashed the ${entry.how === IN_HOST ? 'host' : 'process'} in ${entry.stage ?? '?'} (${entry.how ?? '?'})`;
  return `${what} on ${entry.at.slice(0, 10)}; skipped until the driver file changes`;
}

/** `how` of a crash seen through a marker: the host died while inside the driver (the signal is not known). */
const IN_HOST = 'the host process ended inside the driver';
const WORK_STAGE = { listing: 'a listing (C_GetSlotList … C_GetAttributeValue)', session: 'a session (C_Login, C_Sign)' } as const;

export function screenDrivers(candidates: readonly DriverCandidate[], system: ScreeningSystem): ScreenedDriver[] {
  const screened = screenEach(candidates, system);
  const left = system.leftInCall();
  if (left.length === 0) return screened;
  // Which loadable drivers an earlier process died inside (same file as then: an update gets a fresh chance).
  const crashedIn = new Map<number, DriverLeftInCall>();
  screened.forEach((s, i) => {
    if (s.skip) return;
    const identity = system.identity(s.realPath);
    const hit = left.find((l) => l.path === s.realPath && identity && l.size === identity.size && l.mtimeMs === identity.mtimeMs);
    if (hit) crashedIn.set(i, hit);
  });
  const othersLoad = screened.some((s, i) => !s.skip && !crashedIn.has(i));
  if (!othersLoad) return screened;
  return screened.map((s, i) => {
    const hit = crashedIn.get(i);
    if (!hit) return s;
    const entry: DriverHealthEntry = { verdict: 'crashed', size: hit.size, mtimeMs: hit.mtimeMs, stage: WORK_STAGE[hit.work], how: IN_HOST, at: system.now().toISOString(), ...(s.library ? { library: s.library } : {}) };
    system.health.remember(s.realPath, entry);
    return { candidate: s.candidate, realPath: s.realPath, skip: { error: 'DRIVER_CRASHED', detail: describeBad(entry) }, ...(s.library ? { library: s.library } : {}) };
  });
}

function screenEach(candidates: readonly DriverCandidate[], system: ScreeningSystem): ScreenedDriver[] {
  const out: ScreenedDriver[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const realPath = system.realpath(candidate.path);
    const identity = realPath ? system.identity(realPath) : undefined;
    if (!realPath || !identity) {
      if (seen.has(candidate.path)) continue;
      seen.add(candidate.path);
      out.push({ candidate, realPath: candidate.path, skip: { error: 'PKCS11_MODULE_NOT_FOUND' } });
      continue;
    }
    if (seen.has(realPath)) continue;
    seen.add(realPath);

    const header = system.header(realPath);
    const builtFor = header ? binaryArchitecture(header) : undefined;
    if (builtFor && builtFor !== system.arch) {
      out.push({ candidate, realPath, skip: { error: 'DRIVER_NOT_FOR_THIS_CPU', detail: `built for ${builtFor}, this host is ${system.arch}: install the driver's ${system.arch} version` } });
      continue;
    }

    const remembered = system.health.get(realPath, identity);
    if (remembered?.verdict === 'ok') {
      out.push({ candidate, realPath, ...(remembered.library ? { library: remembered.library } : {}) });
      continue;
    }
    if (remembered) {
      out.push({ candidate, realPath, skip: { error: remembered.verdict === 'hung' ? 'DRIVER_HUNG' : 'DRIVER_CRASHED', detail: describeBad(remembered) } });
      continue;
    }

    const verdict = system.probe(realPath, candidate.initArgs);
    const at = system.now().toISOString();
    switch (verdict.kind) {
      case 'ok':
        system.health.remember(realPath, { verdict: 'ok', ...identity, ...(verdict.library ? { library: verdict.library } : {}), at });
        out.push({ candidate, realPath, ...(verdict.library ? { library: verdict.library } : {}) });
        break;
      case 'failed':
        out.push({ candidate, realPath, skip: { error: verdict.error, detail: `failed in ${verdict.stage}` } });
        break;
      case 'hung': {
        const entry: DriverHealthEntry = { verdict: 'hung', ...identity, stage: verdict.stage, how: `no answer in ${verdict.timeoutMs} ms`, at };
        system.health.remember(realPath, entry);
        out.push({ candidate, realPath, skip: { error: 'DRIVER_HUNG', detail: describeBad(entry) } });
        break;
      }
      case 'crashed': {
        const entry: DriverHealthEntry = { verdict: 'crashed', ...identity, stage: verdict.stage, how: verdict.how, at };
        system.health.remember(realPath, entry);
        out.push({ candidate, realPath, skip: { error: 'DRIVER_CRASHED', detail: describeBad(entry) } });
        break;
      }
    }
  }
  return out;
}
