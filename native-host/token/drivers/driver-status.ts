/** One driver as `kyso doctor`, `kyso list --json` and `host.hello` report it. */
import type { DriverFoundBy } from './driver-candidate.js';

export interface DriverStatus {
  readonly path: string;
  readonly loaded: boolean;
  /** Why it is not loaded: a catalogue code, a CKR name, DRIVER_HUNG, DRIVER_CRASHED or DRIVER_NOT_FOR_THIS_CPU. */
  readonly error?: string;
  /** More words on `error` for a person (which call hung, since when). */
  readonly detail?: string;
  /** The driver's maker, when its file name is in the known-drivers table. */
  readonly vendor?: string;
  /** How it was found; absent when the code that made the TokenService named it. */
  readonly foundBy?: Exclude<DriverFoundBy, 'caller'>;
  /** The p11-kit `.module` file or Kyso config file that named it. */
  readonly registeredIn?: string;
  /** The driver's own description (C_GetInfo manufacturerID / libraryDescription). */
  readonly library?: string;
}
