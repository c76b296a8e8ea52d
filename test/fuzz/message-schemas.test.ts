/**
 * Fuzz: every page and host message schema (shared/protocol). Arbitrary values — random JSON, near-valid
 * envelopes with random payloads, prototype-polluting keys — either parse or are refused by parseOrThrow with
 * a typed KysoError (BAD_REQUEST), never another kind of throw; what parses parses again to the same value.
 * Also the host→browser reply chunk joiner on random chunk sequences.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/limits.js';
import { HOST_OPERATIONS, HostReplySchema, HostRequestSchema } from '../../shared/protocol/host-messages.js';
import { PAGE_OPERATIONS, PageEnvelopeSchema, PageReplySchema, PageRequestSchema } from '../../shared/protocol/page-messages.js';
import { ChunkJoiner, splitReply, type ChunkFrame } from '../../shared/protocol/chunking.js';
import { parseOrThrow } from '../../shared/protocol/validate.js';
import { expectTypedRejection, fuzz } from './fuzz-harness.js';

const hostTypes = Object.keys(HOST_OPERATIONS);
const pageTypes = Object.keys(PAGE_OPERATIONS);
const hostile = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'then', '', 'payload', 'type', 'id', 'v');
const anyValue = fc.anything({ maxDepth: 4, key: fc.oneof(fc.string(), hostile), withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true });

/** A message that is right in its envelope and random (or a random near-miss) inside. */
function nearValid(types: string[]): fc.Arbitrary<unknown> {
  return fc.record({
    v: fc.oneof(fc.constant(PROTOCOL_VERSION), anyValue),
    id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), anyValue),
    type: fc.oneof(fc.constantFrom(...types), fc.string()),
    payload: fc.oneof(fc.jsonValue({ maxDepth: 4 }), anyValue, fc.dictionary(fc.oneof(fc.string(), hostile), fc.jsonValue({ maxDepth: 2 }))),
  }, { requiredKeys: [] });
}

function parsesOrTyped(schema: v.GenericSchema) {
  return async (input: unknown) => {
    let output: unknown;
    let parsed = false;
    await expectTypedRejection(() => { output = parseOrThrow(schema, input, 'BAD_REQUEST'); parsed = true; }, ['BAD_REQUEST']);
    if (parsed) expect(parseOrThrow(schema, output, 'BAD_REQUEST')).toEqual(output);
  };
}

describe('fuzz: page and host message schemas', () => {
  it('host requests: parse, or BAD_REQUEST as a KysoError', async () => {
    await fuzz('schema-host-request', fc.oneof(nearValid(hostTypes), anyValue), parsesOrTyped(HostRequestSchema));
  });

  it('page requests and envelopes: parse, or BAD_REQUEST as a KysoError', async () => {
    await fuzz('schema-page-request', fc.oneof(nearValid(pageTypes), anyValue, fc.record({ channel: fc.oneof(fc.constant('kyso/page-request'), fc.string()), request: anyValue })), async (input) => {
      await parsesOrTyped(PageRequestSchema)(input);
      await parsesOrTyped(PageEnvelopeSchema)(input);
    });
  });

  it('host and page replies, and every operation\'s request and result payloads: parse or typed refusal', async () => {
    const schemas: v.GenericSchema[] = [HostReplySchema, PageReplySchema,
      ...Object.values(HOST_OPERATIONS).flatMap((o) => [o.request, o.result] as v.GenericSchema[]),
      ...Object.values(PAGE_OPERATIONS).flatMap((o) => [o.request, o.result] as v.GenericSchema[])];
    await fuzz('schema-payloads', fc.record({ which: fc.nat({ max: schemas.length - 1 }), input: fc.oneof(fc.jsonValue({ maxDepth: 4 }), anyValue, nearValid(hostTypes).map((m) => (m as { payload?: unknown }).payload)) }), ({ which, input }) => parsesOrTyped(schemas[which]!)(input));
  });

  it('reply chunks: a random sequence of chunk frames joins to the reply or fails with a typed error', async () => {
    const reply = fc.record({ id: fc.constant('r1'), type: fc.constant('host.result'), payload: fc.string({ minLength: 80, maxLength: 400 }) });
    await fuzz('chunk-join', fc.record({ reply, slice: fc.integer({ min: 8, max: 64 }), order: fc.array(fc.nat(), { maxLength: 12 }), junk: fc.option(fc.record({ id: fc.constantFrom('r1', 'r2'), index: fc.integer({ min: -2, max: 80 }), count: fc.integer({ min: -1, max: 5000 }), data: fc.string() })) }), async ({ reply, slice, order, junk }) => {
      const chunks = splitReply(reply.id, JSON.stringify(reply), slice);
      // Play the chunks in order, or permuted / duplicated per `order`, with one foreign chunk mixed in.
      const sequence: Array<Pick<ChunkFrame, 'id' | 'index' | 'count' | 'data'>> = order.length === 0 ? [...chunks] : order.map((i) => chunks[i % chunks.length]!);
      if (junk) sequence.splice(order.length % (sequence.length + 1), 0, junk);
      const joiner = new ChunkJoiner(reply.id);
      let whole: unknown;
      await expectTypedRejection(() => {
        for (const c of sequence) {
          const done = joiner.add(c);
          if (done !== undefined) { whole = done; break; }
        }
      }, ['PROTOCOL_ERROR', 'FRAME_TOO_LARGE']);
      if (whole !== undefined) expect(whole).toEqual(reply);
    });
  });
});
