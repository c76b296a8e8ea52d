/**
 * The content script carries hand-written copies of two things so it can stay tiny (extension/content/relay.ts):
 * the list of page operations and the messages of the five errors it answers itself. These must be the protocol's
 * and the catalogue's own — a new operation missing here would be refused by every page, a changed message would
 * show two texts for one error.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_OPERATIONS } from '../../shared/protocol/page-messages.js';
import { PAGE_OPERATION_NAMES } from '../../shared/protocol/page-frame.js';
import { ERROR_CATALOGUE } from '../../shared/errors/catalogue.js';
import { RELAY_ERROR_TEXT, type RelayErrorCode } from '../../extension/content/relay-errors.js';

describe('the tiny relay’s copies', () => {
  it('names exactly the protocol’s page operations', () => {
    expect([...PAGE_OPERATION_NAMES].sort()).toEqual(Object.keys(PAGE_OPERATIONS).sort());
  });

  it('answers its errors with the catalogue’s Vietnamese and English messages', () => {
    for (const code of Object.keys(RELAY_ERROR_TEXT) as RelayErrorCode[]) {
      expect(RELAY_ERROR_TEXT[code], code).toEqual({ vi: ERROR_CATALOGUE[code].vi, en: ERROR_CATALOGUE[code].en });
    }
  });
});
