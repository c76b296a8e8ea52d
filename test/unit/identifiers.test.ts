import { describe, expect, it } from 'vitest';
import { normaliseIdentifier, parseSubjectIdentifiers, sameIdentifierValue } from '../../shared/certificates/subject-identifiers.js';

describe('parseSubjectIdentifiers', () => {
  it('reads every prefix VN CAs use into typed fields', () => {
    const ids = parseSubjectIdentifiers(['MST:0101234567-001', 'CCCD:001099012345', 'CMT:123456789', 'PASSPORT:C1234567', 'BHXH:0123456789', 'MNS:1034567']);
    expect(ids).toEqual({
      mst: '0101234567-001', cccd: '001099012345', cmnd: '123456789', passport: 'C1234567', bhxh: '0123456789', mns: '1034567',
      all: ['MST:0101234567-001', 'CCCD:001099012345', 'CMND:123456789', 'HC:C1234567', 'BHXH:0123456789', 'MNS:1034567'],
    });
  });

  it('accepts lower case, blanks and "=" as written by some CAs, and finds ids inside a CN', () => {
    const ids = parseSubjectIdentifiers(['mst = 0312345678', 'Nguyễn Văn An - CCCD: 079201000123']);
    expect(ids.mst).toBe('0312345678');
    expect(ids.cccd).toBe('079201000123');
  });

  it('keeps the first value per field and lists duplicates once', () => {
    const ids = parseSubjectIdentifiers(['MST:0101234567', 'MST:0101234567', 'MST:0309999999']);
    expect(ids.mst).toBe('0101234567');
    expect(ids.all).toEqual(['MST:0101234567', 'MST:0309999999']);
  });

  it('does not see identifiers in words that merely contain a prefix', () => {
    expect(parseSubjectIdentifiers(['THCS Nguyễn Du', 'PHCM:123456']).all).toEqual([]);
  });

  it('normalises a portal-given identifier and compares values', () => {
    expect(normaliseIdentifier(' cmt: 123456789 ')).toBe('CMND:123456789');
    expect(normaliseIdentifier('ABC:1')).toBeUndefined();
    expect(sameIdentifierValue('0101234567-001', '0101234567')).toBe(false);
    expect(sameIdentifierValue(' c1234567 ', 'C1234567')).toBe(true);
  });
});
