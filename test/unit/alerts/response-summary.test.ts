import { describe, expect, it } from 'vitest';
import { describeAnswer, SNIPPET_CHARS } from '../../../src/alerts/response-summary';
import { MASK, secretMask } from '../../../src/alerts/secret-mask';

const noSecrets = secretMask([]);
const answer = (status: number, body: string, bodyComplete = true) => ({ status, bodyStart: body, bodyBytes: Buffer.byteLength(body), bodyComplete });

describe('what is kept of a receiver answer', () => {
  it('status, length and a one-line snippet', () => {
    expect(describeAnswer(answer(500, 'receiver down'), noSecrets)).toBe('HTTP 500, 13 bytes: receiver down');
    expect(describeAnswer(answer(502, ''), noSecrets)).toBe('HTTP 502');
    expect(describeAnswer(answer(302, ''), noSecrets)).toBe('HTTP 302 (redirects are not followed)');
    expect(describeAnswer({ ...answer(500, 'x'.repeat(100)), bodyBytes: 65_536, bodyComplete: false }, noSecrets)).toMatch(/^HTTP 500, over 65536 bytes: x+$/);
  });

  it('removes control and format characters, which could forge log lines or hide text', () => {
    expect(describeAnswer(answer(400, 'bad\r\nFAKE LOG LINE\u001b[31m red \u202e'), noSecrets)).toMatch(/^HTTP 400, \d+ bytes: bad FAKE LOG LINE \[31m red$/);
  });

  it('masks secrets before cutting, so no part of a secret across the cut is left', () => {
    const secret = 'S'.repeat(40);
    const body = `${'x'.repeat(SNIPPET_CHARS - 20)}${secret}${'y'.repeat(500)}`;
    const described = describeAnswer(answer(500, body), secretMask([secret]));
    expect(described).not.toContain('S');
    expect(described).toContain(MASK);
    expect(described.endsWith('…')).toBe(true);
  });
});
