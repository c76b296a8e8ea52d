/** p11-kit module registrations [pkcs11.conf(5)], read from a simulated file system. */
import { describe, expect, it } from 'vitest';
import { isModuleFileName, p11KitModuleCandidates, parseP11KitConfig, type P11KitFiles } from '../../native-host/token/drivers/p11-kit-modules.js';

function simulatedFiles(files: Record<string, string>): P11KitFiles {
  const paths = Object.keys(files);
  return {
    exists: (p) => p in files,
    readFile: (p) => files[p],
    readDir: (dir) => paths.filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)),
  };
}

const find = (files: Record<string, string>, env: NodeJS.ProcessEnv = { HOME: '/home/an' }, programName = 'node') =>
  p11KitModuleCandidates({ env, arch: 'x64', files: simulatedFiles(files), programName }).map((c) => c.path);

describe('p11-kit module files (simulated file system)', () => {
  it('parses key: value lines, ignoring comments, blank lines and white space', () => {
    const keys = parseP11KitConfig('# a comment\n\n  module :  opensc-pkcs11.so  \ncritical: yes\nx-custom: a: b\nnot a setting\n');
    expect([...keys]).toEqual([['module', 'opensc-pkcs11.so'], ['critical', 'yes'], ['x-custom', 'a: b']]);
  });

  it('accepts only file names p11-kit accepts', () => {
    expect(isModuleFileName('opensc-pkcs11.module')).toBe(true);
    expect(isModuleFileName('.hidden.module')).toBe(false);
    expect(isModuleFileName('softhsm2.module~')).toBe(false);
    expect(isModuleFileName('softhsm2.conf')).toBe(false);
  });

  it('a relative module: resolves in p11-kit\'s module folder; an absolute one is taken as is; missing files are dropped', () => {
    expect(find({
      '/usr/share/p11-kit/modules/opensc.module': 'module: opensc-pkcs11.so\n',
      '/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so': '',
      '/usr/share/p11-kit/modules/softhsm2.module': 'module: /usr/lib/softhsm/libsofthsm2.so\n',
      '/usr/lib/softhsm/libsofthsm2.so': '',
      '/usr/share/p11-kit/modules/gone.module': 'module: /opt/uninstalled/libgone.so\n',
    })).toEqual(['/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so', '/usr/lib/softhsm/libsofthsm2.so']);
  });

  it('reads the admin folder and the user folder ($XDG_CONFIG_HOME/pkcs11/modules, else ~/.config/pkcs11/modules)', () => {
    const files = {
      '/etc/pkcs11/modules/vendor.module': 'module: /opt/vendor/libvendor.so\n',
      '/opt/vendor/libvendor.so': '',
      '/home/an/.config/pkcs11/modules/mine.module': 'module: /home/an/lib/libmine.so\n',
      '/home/an/lib/libmine.so': '',
      '/xdg/pkcs11/modules/xdg.module': 'module: /home/an/lib/libxdg.so\n',
      '/home/an/lib/libxdg.so': '',
    };
    expect(find(files)).toEqual(['/home/an/lib/libmine.so', '/opt/vendor/libvendor.so']);
    expect(find(files, { HOME: '/home/an', XDG_CONFIG_HOME: '/xdg' })).toEqual(['/opt/vendor/libvendor.so', '/home/an/lib/libxdg.so']);
  });

  it('a user file with a blank module: disables the system module of that name; a user key overrides a system key', () => {
    const system = {
      '/usr/share/p11-kit/modules/softhsm2.module': 'module: /usr/lib/softhsm/libsofthsm2.so\n',
      '/usr/lib/softhsm/libsofthsm2.so': '',
      '/usr/share/p11-kit/modules/opensc.module': 'module: /usr/lib/opensc-pkcs11.so\n',
      '/usr/lib/opensc-pkcs11.so': '',
    };
    expect(find({ ...system, '/home/an/.config/pkcs11/modules/softhsm2.module': 'module:\n' })).toEqual(['/usr/lib/opensc-pkcs11.so']);
    // merge (the default): the user's disable-in joins the system file's module:
    expect(find({ ...system, '/home/an/.config/pkcs11/modules/opensc.module': 'disable-in: kyso-host, node\n' })).toEqual(['/usr/lib/softhsm/libsofthsm2.so']);
  });

  it('honours user-config: none / only / override from /etc/pkcs11/pkcs11.conf', () => {
    const files = {
      '/usr/share/p11-kit/modules/opensc.module': 'module: /usr/lib/opensc-pkcs11.so\n',
      '/usr/lib/opensc-pkcs11.so': '',
      '/home/an/.config/pkcs11/modules/mine.module': 'module: /home/an/libmine.so\n',
      '/home/an/libmine.so': '',
      '/home/an/.config/pkcs11/modules/opensc.module': 'x-note: no module key here\n',
    };
    expect(find({ ...files, '/etc/pkcs11/pkcs11.conf': 'user-config: none\n' })).toEqual(['/usr/lib/opensc-pkcs11.so']);
    expect(find({ ...files, '/etc/pkcs11/pkcs11.conf': 'user-config: only\n' })).toEqual(['/home/an/libmine.so']);
    // override: the user's opensc.module replaces the system one entirely, and it names no module.
    expect(find({ ...files, '/etc/pkcs11/pkcs11.conf': 'user-config: override\n' })).toEqual(['/home/an/libmine.so']);
    expect(find(files)).toEqual(['/home/an/libmine.so', '/usr/lib/opensc-pkcs11.so']);
  });

  it('enable-in / disable-in are compared with kyso, kyso-host and the executable name', () => {
    const files = {
      '/usr/share/p11-kit/modules/a.module': 'module: /usr/lib/liba.so\nenable-in: seahorse ssh\n',
      '/usr/share/p11-kit/modules/b.module': 'module: /usr/lib/libb.so\nenable-in: firefox,kyso-host\n',
      '/usr/share/p11-kit/modules/c.module': 'module: /usr/lib/libc.so\ndisable-in: node\n',
      '/usr/share/p11-kit/modules/d.module': 'module: /usr/lib/libd.so\ndisable-in: firefox\n',
      '/usr/lib/liba.so': '', '/usr/lib/libb.so': '', '/usr/lib/libc.so': '', '/usr/lib/libd.so': '',
    };
    expect(find(files)).toEqual(['/usr/lib/libb.so', '/usr/lib/libd.so']);
    expect(find(files, { HOME: '/home/an' }, 'kyso-node')).toEqual(['/usr/lib/libb.so', '/usr/lib/libc.so', '/usr/lib/libd.so']);
  });

  it('skips p11-kit\'s proxy (it would re-export every module) and trust module (CA certificates, no keys), and remote: modules', () => {
    expect(find({
      '/usr/share/p11-kit/modules/p11-kit-trust.module': 'module: p11-kit-trust.so\ntrust-policy: yes\n',
      '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-trust.so': '',
      '/etc/pkcs11/modules/proxy.module': 'module: /usr/lib/x86_64-linux-gnu/p11-kit-proxy.so\n',
      '/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so': '',
      '/etc/pkcs11/modules/remote.module': 'remote: |ssh host p11-kit remote /usr/lib/libx.so\n',
    })).toEqual([]);
  });

  it('names the registration file and the vendor when the file name is known', () => {
    const [found] = p11KitModuleCandidates({
      env: { HOME: '/home/an' }, arch: 'x64',
      files: simulatedFiles({ '/usr/share/p11-kit/modules/opensc-pkcs11.module': 'module: opensc-pkcs11.so\n', '/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so': '' }),
    });
    expect(found).toEqual({ path: '/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so', foundBy: 'p11-kit', vendor: 'OpenSC', registeredIn: '/usr/share/p11-kit/modules/opensc-pkcs11.module' });
  });
});
