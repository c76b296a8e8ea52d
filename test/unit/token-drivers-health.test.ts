/** The per-user memory of drivers that hung or crashed (and of good ones, so they are not probed again). */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverHealthStore, driverHealthFile } from '../../native-host/token/drivers/driver-health.js';

const at = '2026-12-01T08:00:00.000Z';

describe('driver health state file', () => {
  it('lives in the per-user state folder of each OS', () => {
    expect(driverHealthFile({ HOME: '/home/an' }, 'linux')).toBe('/home/an/.local/state/kyso/drivers.json');
    expect(driverHealthFile({ HOME: '/home/an', XDG_STATE_HOME: '/xdg/state' }, 'linux')).toBe('/xdg/state/kyso/drivers.json');
    // A relative XDG_STATE_HOME is invalid [XDG Base Directory spec] and ignored.
    expect(driverHealthFile({ HOME: '/home/an', XDG_STATE_HOME: 'state' }, 'linux')).toBe('/home/an/.local/state/kyso/drivers.json');
    expect(driverHealthFile({ HOME: '/Users/an' }, 'darwin')).toBe('/Users/an/Library/Application Support/Kyso/drivers.json');
    expect(driverHealthFile({ HOME: '/h', KYSO_STATE_DIR: '/srv/kyso' }, 'linux')).toBe('/srv/kyso/drivers.json');
  });

  it('remembers a verdict only for the same file: another size or modification time forgets it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kyso-health-')), 'sub', 'drivers.json');
    const store = new DriverHealthStore(file);
    store.remember('/usr/lib/libhang.so', { verdict: 'hung', size: 100, mtimeMs: 1000, stage: 'C_Initialize', how: 'no answer in 5000 ms', at });
    const again = new DriverHealthStore(file);
    expect(again.get('/usr/lib/libhang.so', { size: 100, mtimeMs: 1000 })).toMatchObject({ verdict: 'hung', stage: 'C_Initialize' });
    expect(again.get('/usr/lib/libhang.so', { size: 100, mtimeMs: 2000 })).toBeUndefined();
    expect(again.get('/usr/lib/libhang.so', { size: 101, mtimeMs: 1000 })).toBeUndefined();
    expect(again.bad().map(([p]) => p)).toEqual(['/usr/lib/libhang.so']);
    // Private to the user: the folder 0700, the file 0600.
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps what another process wrote meanwhile', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kyso-health-')), 'drivers.json');
    const first = new DriverHealthStore(file);
    const second = new DriverHealthStore(file);
    first.remember('/a.so', { verdict: 'ok', size: 1, mtimeMs: 1, at });
    second.remember('/b.so', { verdict: 'crashed', size: 2, mtimeMs: 2, stage: 'C_Initialize', how: 'SIGSEGV', at });
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).drivers).sort()).toEqual(['/a.so', '/b.so']);
  });

  it('a damaged file or damaged entries are ignored (drivers are then probed again), never trusted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kyso-health-'));
    const file = join(dir, 'drivers.json');
    writeFileSync(file, '{ not json');
    expect(new DriverHealthStore(file).get('/a.so', { size: 1, mtimeMs: 1 })).toBeUndefined();
    writeFileSync(file, JSON.stringify({ drivers: { '/a.so': { verdict: 'fine', size: 1, mtimeMs: 1, at }, '/b.so': { verdict: 'ok', size: '2', mtimeMs: 2, at } } }));
    const store = new DriverHealthStore(file);
    expect(store.get('/a.so', { size: 1, mtimeMs: 1 })).toBeUndefined();
    expect(store.get('/b.so', { size: 2, mtimeMs: 2 })).toBeUndefined();
  });

  it('a state folder that cannot be written only loses the memory: no throw, no hang (Node 20 mkdir -p never returns under /proc)', () => {
    const store = new DriverHealthStore('/proc/kyso-cannot-write-here/drivers.json');
    expect(() => store.remember('/a.so', { verdict: 'ok', size: 1, mtimeMs: 1, at })).not.toThrow();
  });
});
