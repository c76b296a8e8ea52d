/**
 * Source-tree stand-in for dist/sdk/kyso.d.ts, the sibling that server-public.d.ts (shipped as dist/sdk/server.d.ts)
 * imports as './kyso.js'. Without it that import resolves to nothing here and every type it names is `any`.
 * Not shipped: the build copies server-public.d.ts next to the real kyso.d.ts.
 */
export * from '../kyso-public.js';
