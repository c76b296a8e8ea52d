/**
 * The marker that names the driver the host is inside (driver-call-marker.ts), and how screening turns a marker left
 * by a dead process into the driver memory's `crashed` verdict (driver-screening.ts). The dead process is a real
 * child that exited; file identities are the real files'. The whole path (host, abort in C_Sign, next start, doctor)
 * is test/integration/token-quirks-driver-faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { DriverCallMarker, takeDriversLeftInCall } from '../../native-host/token/drivers/driver-call-marker.js';
import { screenDrivers, type ScreeningSystem } from '../../native-host/token/drivers/driver-screening.js';
import { DriverHealthStore } from '../../native-host/token/drivers/driver-health.js';

/** The pid of a process that has ended. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
const bootedAt = () => Math.round(Date.now() / 1000 - uptime());

function folderWithDrivers(): { dir: string; a: string; b: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-marker-'));
  const a = join(dir, 'liba.so');
  const b = join(dir, 'libb.so');
  writeFileSync(a, 'a');
  writeFileSync(b, 'bb');
  return { dir, a, b };
}

function leftBy(dir: string, pid: number, drivers: Array<{ path: string; work: 'listing' | 'session' }>, booted = bootedAt()): void {
  writeFileSync(join(dir, `in-driver-${pid}.json`), JSON.stringify({
    pid, bootedAt: booted, drivers: drivers.map((d) => ({ ...d, size: statSync(d.path).size, mtimeMs: statSync(d.path).mtimeMs })),
  }));
}

function system(dir: string): ScreeningSystem {
  const health = new DriverHealthStore(join(dir, 'drivers.json'));
  return {
    realpath: (p) => p,
    identity: (p) => ({ size: statSync(p).size, mtimeMs: statSync(p).mtimeMs }),
    header: () => undefined,
    arch: process.arch,
    health,
    probe: () => ({ kind: 'ok', slotsWithToken: 1, library: 'test' }),
    now: () => new Date('2026-12-03T08:00:00Z'),
    leftInCall: () => takeDriversLeftInCall(dir),
  };
}

describe('driver call marker', () => {
  it('a driver in a folder with Vietnamese letters: the marker stays valid JSON and does not grow with each enter and leave', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-marker-'));
    const folder = join(dir, 'Nguyễn Văn Đức');
    mkdirSync(folder);
    const driver = join(folder, 'vnpt-ca-pkcs11.so');
    writeFileSync(driver, 'x');
    const marker = new DriverCallMarker(dir);
    const file = join(dir, `in-driver-${process.pid}.json`);
    marker.enter(driver, 'session');
    const insideSize = statSync(file).size;
    for (let i = 0; i < 50; i++) {
      marker.leave(driver);
      marker.enter(driver, 'session');
    }
    // Padded to the longest text written, in bytes: the same text, the same size, however many writes.
    expect(statSync(file).size).toBe(insideSize);
    expect(JSON.parse(readFileSync(file, 'utf8')).drivers).toEqual([expect.objectContaining({ path: driver, work: 'session' })]);
    marker.leave(driver);
    expect(JSON.parse(readFileSync(file, 'utf8')).drivers).toEqual([]);
    marker.clear();
  });

  it('names the drivers the process is inside, with their file identity only, and is emptied when it leaves them', () => {
    const { dir, a } = folderWithDrivers();
    const marker = new DriverCallMarker(dir);
    marker.enter(a, 'session');
    const file = join(dir, `in-driver-${process.pid}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ pid: process.pid, bootedAt: expect.any(Number), drivers: [{ path: a, size: 1, mtimeMs: statSync(a).mtimeMs, work: 'session' }] });
    marker.leave(a);
    expect(JSON.parse(readFileSync(file, 'utf8')).drivers).toEqual([]);
    // A running process's marker is never taken as a crash.
    marker.enter(a, 'listing');
    expect(takeDriversLeftInCall(dir)).toEqual([]);
    marker.clear();
    expect(readdirSync(dir).filter((n) => n.startsWith('in-driver-'))).toEqual([]);
  });

  it('a dead process\'s marker is taken once; one from before the last boot is dropped', () => {
    const { dir, a, b } = folderWithDrivers();
    const pid = deadPid();
    leftBy(dir, pid, [{ path: a, work: 'listing' }]);
    expect(takeDriversLeftInCall(dir)).toEqual([expect.objectContaining({ pid, path: a, work: 'listing' })]);
    expect(takeDriversLeftInCall(dir)).toEqual([]);
    leftBy(dir, pid, [{ path: b, work: 'session' }], bootedAt() - 86_400);
    expect(takeDriversLeftInCall(dir)).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('in-driver-'))).toEqual([]);
  });
});

describe('screening with a marker left by a dead host', () => {
  const candidates = (a: string, b: string) => [{ path: a, foundBy: 'caller' as const }, { path: b, foundBy: 'caller' as const }];

  it('the driver it died inside is remembered as crashed and skipped while another driver loads', () => {
    const { dir, a, b } = folderWithDrivers();
    leftBy(dir, deadPid(), [{ path: a, work: 'session' }]);
    const screened = screenDrivers(candidates(a, b), system(dir));
    expect(screened[0]!.skip).toEqual({ error: 'DRIVER_CRASHED', detail: expect.stringMatching(/^crashed the host in a session \(C_Login, C_Sign\) \(the host process ended inside the driver\) on 2026-12-03/) });
    expect(screened[1]!.skip).toBeUndefined();
    // Remembered: the next start skips it without any marker.
    const next = screenDrivers(candidates(a, b), system(dir));
    expect(next[0]!.skip?.error).toBe('DRIVER_CRASHED');
    // Until the file changes (an update): then it is probed and loaded again.
    writeFileSync(a, 'a, updated');
    expect(screenDrivers(candidates(a, b), system(dir))[0]!.skip).toBeUndefined();
  });

  it('the only driver that loads is loaded again (and not remembered): skipping it would leave nothing', () => {
    const { dir, a } = folderWithDrivers();
    leftBy(dir, deadPid(), [{ path: a, work: 'session' }]);
    const missing = join(dir, 'libmissing.so');
    const screened = screenDrivers([{ path: a, foundBy: 'caller' }, { path: missing, foundBy: 'caller' }], { ...system(dir), realpath: (p) => (p === missing ? undefined : p) });
    expect(screened[0]!.skip).toBeUndefined();
    expect(new DriverHealthStore(join(dir, 'drivers.json')).bad()).toEqual([]);
  });
});
