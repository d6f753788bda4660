import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK, secretMask, urlSecretParts } from '../../../src/alerts/secret-mask';

describe('masking secrets by value', () => {
  it('masks every occurrence, also percent-encoded, JSON-escaped or without a trailing newline', () => {
    const mask = secretMask(['s3cr/t+"key"\n', 'R0UT1NG']);
    expect(mask('bad key R0UT1NG, again R0UT1NG')).toBe(`bad key ${MASK}, again ${MASK}`);
    expect(mask('path /hook?k=s3cr%2Ft%2B%22key%22%0A')).toBe(`path /hook?k=${MASK}`);
    expect(mask('{"echo":"s3cr/t+\\"key\\"\\n"}')).toBe(`{"echo":"${MASK}"}`);
    expect(mask('header: s3cr/t+"key"')).toBe(`header: ${MASK}`);
    expect(mask('nothing secret here')).toBe('nothing secret here');
    expect(secretMask([])('as is')).toBe('as is');
  });

  it('masks overlapping secrets as one span, leaving no piece of either', () => {
    expect(secretMask(['abcdef', 'defghi'])('xx abcdefghi yy')).toBe(`xx ${MASK} yy`);
    expect(secretMask(['abcdef', 'cd'])('abcdef cd')).toBe(`${MASK} ${MASK}`);
  });

  it('never leaves a secret in any text, whatever surrounds it', () => {
    fc.assert(fc.property(
      // A secret made of the mask's own character could be read back out of the mask itself.
      fc.array(fc.string({ minLength: 1, maxLength: 12 }).filter((secret) => !secret.includes('*')), { minLength: 1, maxLength: 3 }),
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }),
      (secrets, fillers) => {
        const text = fillers.flatMap((filler, i) => [filler, secrets[i % secrets.length]!]).join('');
        const masked = secretMask(secrets)(text);
        // Only what is left outside the masks can leak.
        for (const piece of masked.split(MASK)) {
          for (const secret of secrets) expect(piece).not.toContain(secret);
        }
      },
    ));
  });

  it('splits a secret URL into the parts a receiver may echo on their own', () => {
    const url = 'https://hooks.slack.com/services/T0TEAM01/B0HOOK02/xoxSecretToken?token=query-secret&v=1';
    const parts = urlSecretParts(url);
    expect(parts).toEqual(expect.arrayContaining([url, '/services/T0TEAM01/B0HOOK02/xoxSecretToken?token=query-secret&v=1', 'T0TEAM01', 'B0HOOK02', 'xoxSecretToken', 'query-secret']));
    // Short parts say nothing alone; the host is not a secret.
    expect(parts).not.toContain('1');
    expect(parts).not.toContain('hooks.slack.com');
    const mask = secretMask(parts);
    expect(mask('no_service: /services/T0TEAM01/B0HOOK02/xoxSecretToken')).toBe(`no_service: ${MASK}`);
    expect(mask('team T0TEAM01 has no hook B0HOOK02')).toBe(`team ${MASK} has no hook ${MASK}`);
    expect(urlSecretParts('not a url')).toEqual(['not a url']);
  });
});
