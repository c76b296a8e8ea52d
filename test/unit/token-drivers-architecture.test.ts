/** Which CPU a driver file is built for, from its header: a 32-bit DLL is reported, not loaded, in a 64-bit host. */
import { describe, expect, it } from 'vitest';
import { openSync, readSync, closeSync } from 'node:fs';
import { ARCHITECTURE_HEADER_BYTES, binaryArchitecture } from '../../native-host/token/drivers/binary-architecture.js';

function elf(machine: number, bigEndian = false): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, bigEndian ? 2 : 1]);
  new DataView(b.buffer).setUint16(18, machine, !bigEndian);
  return b;
}

function pe(machine: number, peOffset = 0x80): Uint8Array {
  const b = new Uint8Array(peOffset + 24);
  const view = new DataView(b.buffer);
  b.set([0x4d, 0x5a]);
  view.setUint32(0x3c, peOffset, true);
  b.set([0x50, 0x45, 0, 0], peOffset);
  view.setUint16(peOffset + 4, machine, true);
  return b;
}

function macho(cpu: number): Uint8Array {
  const b = new Uint8Array(32);
  const view = new DataView(b.buffer);
  view.setUint32(0, 0xfeedfacf, true);
  view.setUint32(4, cpu, true);
  return b;
}

describe('driver binary architecture', () => {
  it('reads ELF e_machine (Linux .so)', () => {
    expect(binaryArchitecture(elf(62))).toBe('x64');
    expect(binaryArchitecture(elf(183))).toBe('arm64');
    expect(binaryArchitecture(elf(3))).toBe('ia32');
    expect(binaryArchitecture(elf(62, true))).toBe('x64');
  });

  it('reads the PE machine of a DLL: a SysWOW64 driver is ia32', () => {
    expect(binaryArchitecture(pe(0x14c))).toBe('ia32');
    expect(binaryArchitecture(pe(0x8664))).toBe('x64');
    expect(binaryArchitecture(pe(0xaa64, 0xf0))).toBe('arm64');
  });

  it('reads the Mach-O cputype of a dylib', () => {
    expect(binaryArchitecture(macho(0x0100000c))).toBe('arm64');
    expect(binaryArchitecture(macho(0x01000007))).toBe('x64');
  });

  it('says nothing about what it cannot read (the host then just tries to load it)', () => {
    expect(binaryArchitecture(new TextEncoder().encode('this is a text file, not a library'))).toBeUndefined();
    expect(binaryArchitecture(new Uint8Array(0))).toBeUndefined();
    expect(binaryArchitecture(pe(0x8664).subarray(0, 0x50))).toBeUndefined(); // PE header beyond what was read
    const fat = new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]);
    expect(binaryArchitecture(fat)).toBeUndefined();
  });

  it('recognises the running Node.js executable as this machine\'s architecture', () => {
    const header = Buffer.alloc(ARCHITECTURE_HEADER_BYTES);
    const fd = openSync(process.execPath, 'r');
    try {
      readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
    expect(binaryArchitecture(header)).toBe(process.arch);
  });
});
