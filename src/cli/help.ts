/**
 * Help and suggestions drawn from the usage text, which stays the one description of every command.
 */

/**
 * The usage entries of one command or command group, then the shared footer (Options and
 * Environment); null when no entry starts with these words. An entry's alternatives count as
 * separate words: 'schedule pause' matches `schedule delete|trigger|pause|unpause <model>`.
 */
export function commandHelp(usage: string, words: readonly string[]): string | null {
  const lines = usage.split('\n');
  const footerStart = lines.findIndex((line) => line === 'Options');
  const body = footerStart < 0 ? lines : lines.slice(0, footerStart);
  const entries: string[][] = [];
  for (const line of body) {
    if (isEntryStart(line)) entries.push([line]);
    // Continuation lines belong to the entry above; a section heading or blank line ends it.
    else if (isContinuation(line) && entries.length > 0) entries.at(-1)!.push(line);
    else entries.push([]);
  }
  const matching = entries.filter((entry) => entry.length > 0 && entryNames(entry[0]!, words));
  if (matching.length === 0) return null;
  const footer = footerStart < 0 ? [] : ['', ...lines.slice(footerStart)];
  return [lines[0]!, '', ...matching.flat(), ...footer].join('\n');
}

const ENTRY_INDENT = '  ';

function isEntryStart(line: string): boolean {
  return line.startsWith(ENTRY_INDENT) && line[ENTRY_INDENT.length] !== ' ';
}

function isContinuation(line: string): boolean {
  return line.startsWith(`${ENTRY_INDENT} `);
}

function entryNames(firstLine: string, words: readonly string[]): boolean {
  const tokens = firstLine.trim().split(/\s+/);
  return words.every((word, i) => tokens[i] !== undefined && tokens[i]!.split('|').includes(word));
}

/** The closest candidate within `maxDistance` edits (a swap of neighbours counts as one), or null. */
export function closestMatch(word: string, candidates: readonly string[], maxDistance = 2): string | null {
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= maxDistance && (best === null || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate ?? null;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, at(i - 2, j - 2) + 1);
      rows[i]![j] = distance;
    }
  }
  return at(a.length, b.length);
}
