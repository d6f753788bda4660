/**
 * How a receiver's answer to a failed delivery is recorded: its status, its length and a short
 * snippet with control characters removed and secrets masked, never the body itself. The snippet
 * is cut after masking, so a secret cut in half cannot leave its first part behind.
 */
import type { SecretMask } from './secret-mask';

/** Enough for a receiver's reason (Slack's `invalid_token`, PagerDuty's JSON error) and little else. */
export const SNIPPET_CHARS = 160;

export interface ReceiverAnswer {
  status: number;
  /** The start of the body, as much as was read. */
  bodyStart: string;
  bodyBytes: number;
  /** false when reading stopped before the end of the body. */
  bodyComplete: boolean;
}

export function isSuccess(answer: Pick<ReceiverAnswer, 'status'>): boolean {
  return answer.status >= 200 && answer.status < 300;
}

export function describeAnswer(answer: ReceiverAnswer, mask: SecretMask): string {
  const redirect = answer.status >= 300 && answer.status < 400 ? ' (redirects are not followed)' : '';
  if (answer.bodyBytes === 0) return `HTTP ${answer.status}${redirect}`;
  const size = `${answer.bodyComplete ? '' : 'over '}${answer.bodyBytes} bytes`;
  return `HTTP ${answer.status}${redirect}, ${size}: ${sanitisedSnippet(answer.bodyStart, mask)}`;
}

export function sanitisedSnippet(text: string, mask: SecretMask): string {
  // Control and format characters (newlines, ANSI escapes, bidi overrides) would forge lines or hide text in logs and the CLI.
  const clean = mask(text).replace(/[\p{Cc}\p{Cf}\p{Z}\s]+/gu, ' ').trim();
  return clean.length <= SNIPPET_CHARS ? clean : `${clean.slice(0, SNIPPET_CHARS - 1)}…`;
}
