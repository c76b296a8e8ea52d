/**
 * The `kyso` command line: one module per command, loaded only when named (the host's start-up stays small).
 * Each module exports `run(argv: string[]): Promise<number>` (the exit code).
 */
export interface CliCommand {
  readonly summary: string;
  readonly load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

export const COMMANDS: Readonly<Record<string, CliCommand>> = {
  'sign-pdf': { summary: 'Sign PDF files (PAdES, visible stamp, --tsa for a timestamp)', load: () => import('./sign-pdf.js') },
  'sign-cms': { summary: 'Sign files or portal-computed digests as CMS/CAdES-BES (.p7s)', load: () => import('./sign-cms.js') },
  'sign-xml': { summary: 'Sign XML (XMLDSig enveloped, --xades for XAdES-BES, e-invoices)', load: () => import('./sign-xml.js') },
  extend: { summary: 'Renew a signed PDF for the long term: add validation data (B-LT) and a document time-stamp (B-LTA)', load: () => import('./extend.js') },
  verify: { summary: 'Verify signatures in a PDF, XML or CMS file (exit 0 valid, 1 invalid, 2 indeterminate)', load: () => import('./verify.js') },
  list: { summary: 'List tokens and their certificates (MST, CCCD… as fields; --json)', load: () => import('./list.js') },
  install: { summary: 'Register the native host for a browser (and profile)', load: () => import('./install.js') },
  doctor: { summary: 'Check every link (browsers, registration, drivers, tokens, certificates, clock, trust, policy); --report for the help desk', load: () => import('./doctor.js') },
  policy: { summary: 'Write admin policy files (allowlist, operations, force-install) for Chrome/Edge/Chromium, Windows, Firefox', load: () => import('./policy.js') },
  history: { summary: 'List the signing history (--json, --since DATE, --origin O); --verify checks its hash chain', load: () => import('./history.js') },
  uninstall: { summary: 'Remove the native host registration written by "kyso install"', load: () => import('./uninstall.js') },
};
