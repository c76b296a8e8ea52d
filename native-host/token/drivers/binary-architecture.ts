/**
 * The CPU a driver library was built for, read from its file header, so a driver the host cannot load (a
 * 32-bit DLL from SysWOW64 in a 64-bit host, an x86-64 .so on an ARM machine) is reported as such instead of
 * failing in dlopen/LoadLibrary with a bare "not found". Returns names as Node's `process.arch` spells them,
 * or undefined when the format is not recognised (then the host just tries to load it).
 *
 * Formats: ELF e_ident/e_machine [System V ABI §4 "ELF Header"]; PE "MZ", e_lfanew at 0x3C, "PE\0\0",
 * IMAGE_FILE_HEADER.Machine [Microsoft PE format §"Machine Types"]; Mach-O mach_header cputype (a universal
 * "fat" file holds several, so it is not judged).
 */

/** Bytes to read from the start of a file: enough for the DOS stub and the PE header of ordinary DLLs. */
export const ARCHITECTURE_HEADER_BYTES = 4096;

const ELF_MACHINES: Readonly<Record<number, string>> = { 3: 'ia32', 62: 'x64', 183: 'arm64', 40: 'arm' };
const PE_MACHINES: Readonly<Record<number, string>> = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64', 0x1c4: 'arm' };
const MACHO_CPUS: Readonly<Record<number, string>> = { 0x01000007: 'x64', 0x0100000c: 'arm64', 7: 'ia32' };

export function binaryArchitecture(header: Uint8Array): string | undefined {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length >= 20 && header[0] === 0x7f && header[1] === 0x45 && header[2] === 0x4c && header[3] === 0x46) {
    const littleEndian = header[5] !== 2;
    return ELF_MACHINES[view.getUint16(18, littleEndian)];
  }
  if (header.length >= 0x40 && header[0] === 0x4d && header[1] === 0x5a) {
    const peOffset = view.getUint32(0x3c, true);
    if (peOffset + 6 > header.length) return undefined;
    if (view.getUint32(peOffset, false) !== 0x50450000) return undefined; // "PE\0\0"
    return PE_MACHINES[view.getUint16(peOffset + 4, true)];
  }
  if (header.length >= 8) {
    const magic = view.getUint32(0, true);
    if (magic === 0xfeedface || magic === 0xfeedfacf) return MACHO_CPUS[view.getUint32(4, true)];
  }
  return undefined;
}
