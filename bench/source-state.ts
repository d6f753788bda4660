import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The measured code may be mid-change: says which commit, and whether `folder` has uncommitted edits. */
export function sourceState(folder: string): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', folder);
    return dirty ? `HEAD ${head} + uncommitted changes (${dirty.split('\n').length} files)` : `HEAD ${head}, clean`;
  } catch {
    return 'unknown (no git)';
  }
}
