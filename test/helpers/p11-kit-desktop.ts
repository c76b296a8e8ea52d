/**
 * A machine as a person's desktop has it, for the tests of drivers found with no configuration (issue 13): no Kyso
 * module variable and no config file, a HOME of its own, and token drivers registered with p11-kit only. Debian's
 * softhsm2 package registers SoftHSM2 (SYSTEM_REGISTRATION); a user registers a driver in
 * ~/.config/pkcs11/modules, where a blank `module:` line switches off a system registration of the same name
 * [pkcs11.conf(5)].
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoToken } from './demo-token.js';
import { parseP11KitConfig } from '../../native-host/token/drivers/p11-kit-modules.js';

export const SYSTEM_REGISTRATION = '/usr/share/p11-kit/modules/softhsm2.module';

/** The SoftHSM2 module Debian's registration names; throws, saying what to do, on a machine these tests cannot use. */
export function registeredSoftHsmDriver(): string {
  if (!existsSync(SYSTEM_REGISTRATION)) throw new Error(`${SYSTEM_REGISTRATION} is missing: apt-get install -y softhsm2 (Debian registers it with p11-kit)`);
  if (existsSync('/etc/kyso/config.json')) throw new Error('/etc/kyso/config.json exists: these tests need a machine with no Kyso config file');
  return parseP11KitConfig(readFileSync(SYSTEM_REGISTRATION, 'utf8')).get('module')!;
}

/** No Kyso configuration at all, `home` as HOME, and the demo token's SoftHSM configuration (a real token needs none). */
export function unconfiguredEnv(home: string, token: DemoToken): Record<string, string> {
  return {
    KYSO_PKCS11_MODULE: '',
    KYSO_CONFIG: '',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    KYSO_STATE_DIR: join(home, 'state'),
    SOFTHSM2_CONF: token.softhsm2Conf,
  };
}

/**
 * A copy of `driver` "installed" in `home` as `fileName`, registered by the user with p11-kit, and the system
 * SoftHSM2 registration switched off: the copy is then the only way p11-kit names to the token.
 */
export function registerUserDriver(home: string, driver: string, fileName: string): { path: string; modules: string; registration: string } {
  const path = join(home, 'drivers', fileName);
  mkdirSync(join(home, 'drivers'), { recursive: true });
  copyFileSync(driver, path);
  const modules = join(home, '.config', 'pkcs11', 'modules');
  mkdirSync(modules, { recursive: true });
  const registration = join(modules, 'kyso-user-token.module');
  writeFileSync(registration, `# registered by the user\nmodule: ${path}\n`);
  writeFileSync(join(modules, 'softhsm2.module'), 'module:\n');
  return { path, modules, registration };
}
