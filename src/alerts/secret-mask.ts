/**
 * Masks secrets by value in text that leaves the delivery code: errors, alert_deliveries, activity
 * failures (workflow history) and logs. A receiver may echo back what it was sent (the request
 * path, headers, body) in several forms, so each secret is masked as sent, percent-encoded and
 * escaped inside a JSON string; a URL that is itself a secret (a Slack webhook) is masked by each of
 * its path segments and query values too, so a receiver that echoes only part of it leaks nothing.
 */

export const MASK = '***';

/**
 * Shorter path segments and query values ('v1', 'T0') carry no secret on their own, and masking
 * every short word in an error would make it unreadable.
 */
export const MIN_MASKED_PART_LENGTH = 6;

export type SecretMask = (text: string) => string;

export function secretMask(secrets: Iterable<string>): SecretMask {
  const needles = [...new Set([...secrets].flatMap(echoedForms))].filter((needle) => needle.length > 0);
  return (text) => replaceSpans(text, needles.flatMap((needle) => occurrences(text, needle)));
}

/** The parts of a secret URL worth masking on their own, besides the whole URL. */
export function urlSecretParts(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const segments = parsed.pathname.split('/').flatMap((segment) => [segment, decodedOrSame(segment)]);
  const parts = [
    `${parsed.pathname}${parsed.search}`, parsed.pathname, ...segments, ...parsed.searchParams.values(), parsed.username, decodedOrSame(parsed.password),
  ];
  return [url, parsed.href, ...parts.filter((part) => part.length >= MIN_MASKED_PART_LENGTH)];
}

/** A value read from a file often ends in a newline that the receiver never sees. */
function echoedForms(secret: string): string[] {
  return [secret, secret.trim(), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
}

function decodedOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

type Span = [start: number, end: number];

function occurrences(text: string, needle: string): Span[] {
  const spans: Span[] = [];
  for (let start = text.indexOf(needle); start !== -1; start = text.indexOf(needle, start + 1)) {
    spans.push([start, start + needle.length]);
  }
  return spans;
}

/** Overlapping secrets are masked as one span, so no piece of either is left between two masks. */
function replaceSpans(text: string, spans: Span[]): string {
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let masked = '';
  let cursor = 0;
  let openEnd = -1;
  for (const [start, end] of spans) {
    if (start > openEnd) {
      masked += `${text.slice(cursor, start)}${MASK}`;
    }
    openEnd = Math.max(openEnd, end);
    cursor = openEnd;
  }
  return masked + text.slice(cursor);
}
