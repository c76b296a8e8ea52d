/** Where the signing history lives per platform, and the KYSO_DATA_DIR override tests and portable installs use. */
import { describe, expect, it } from 'vitest';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { kysoDataDir } from '../../native-host/history/data-dir.js';

describe('kysoDataDir', () => {
  it('KYSO_DATA_DIR wins everywhere', () => {
    expect(kysoDataDir({ KYSO_DATA_DIR: '/srv/kyso', XDG_DATA_HOME: '/x' }, 'linux')).toBe('/srv/kyso');
    expect(kysoDataDir({ KYSO_DATA_DIR: 'D:\\kyso' }, 'win32')).toBe('D:\\kyso');
  });
  it('Linux: $XDG_DATA_HOME/kyso, else ~/.local/share/kyso; a relative XDG_DATA_HOME is ignored (XDG spec)', () => {
    expect(kysoDataDir({ XDG_DATA_HOME: '/home/an/.data' }, 'linux')).toBe('/home/an/.data/kyso');
    expect(kysoDataDir({}, 'linux')).toBe(join(homedir(), '.local', 'share', 'kyso'));
    expect(kysoDataDir({ XDG_DATA_HOME: 'relative/data' }, 'linux')).toBe(join(homedir(), '.local', 'share', 'kyso'));
  });
  it('Windows: %LOCALAPPDATA%\\Kyso; macOS: ~/Library/Application Support/Kyso', () => {
    expect(kysoDataDir({ LOCALAPPDATA: 'C:\\Users\\An\\AppData\\Local' }, 'win32')).toBe(join('C:\\Users\\An\\AppData\\Local', 'Kyso'));
    expect(kysoDataDir({}, 'darwin')).toBe(join(homedir(), 'Library', 'Application Support', 'Kyso'));
  });
});
