/**
 * Node built-ins the token layer needs only for some requests, loaded on first use instead of at module top.
 * A static `import … from 'node:crypto'` (or worker_threads, child_process) in a start-up module makes Node
 * compile that built-in and its internal modules before the host can answer `host.hello`, which needs none of
 * them: ~14 ms of compileForInternalLoader in a profile of one start (docs/benchmarks.md "Host cold start").
 * process.getBuiltinModule (Node ≥ 20.16) is synchronous, so callers stay synchronous; the module is cached
 * by Node, so later calls cost a map lookup.
 * test/integration/host-startup-bundle.test.ts fails if one of these is loaded before the hello reply again.
 */
type Crypto = typeof import('node:crypto');
type WorkerThreads = typeof import('node:worker_threads');
type ChildProcess = typeof import('node:child_process');

export const nodeCrypto = (): Crypto => process.getBuiltinModule('node:crypto');
export const nodeWorkerThreads = (): WorkerThreads => process.getBuiltinModule('node:worker_threads');
export const nodeChildProcess = (): ChildProcess => process.getBuiltinModule('node:child_process');
