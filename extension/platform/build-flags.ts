/**
 * Build flavour, fixed at build time by vite `define` (scripts/build.mjs).
 * Development builds allow http://localhost and http://127.0.0.1 on any port (tests, the demo, portal
 * developers); production builds allow no origin until admin policy or the person does.
 */
declare const __KYSO_DEVELOPMENT_BUILD__: boolean;
declare const __KYSO_VERSION__: string;

export const IS_DEVELOPMENT_BUILD: boolean = typeof __KYSO_DEVELOPMENT_BUILD__ === 'boolean' ? __KYSO_DEVELOPMENT_BUILD__ : false;
export const EXTENSION_VERSION: string = typeof __KYSO_VERSION__ === 'string' ? __KYSO_VERSION__ : '0.0.0';
