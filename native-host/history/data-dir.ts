/**
 * The host's per-user data folder (signing history lives here): KYSO_DATA_DIR when set (tests, portable
 * installs), else the platform's per-user application data place — $XDG_DATA_HOME/kyso (default
 * ~/.local/share/kyso) [XDG Base Directory Specification], %LOCALAPPDATA%\Kyso on Windows,
 * ~/Library/Application Support/Kyso on macOS. Created 0700: the history names the sites a person signs for.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function kysoDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KYSO_DATA_DIR) return env.KYSO_DATA_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Kyso');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Kyso');
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored [XDG Base Directory Specification].
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(xdg, 'kyso');
}

/** Create the folder (and parents) if missing; make the folder itself 0700 even when it existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') await chmod(dir, 0o700);
}
