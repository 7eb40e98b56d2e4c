// Output paths built from task data (image names, labels, emails) must never leave the output
// directory or archive: no absolute paths, no `..`, no empty or NUL segments.

import { UsageError } from '../errors.js';

export function safeRelativePath(path: string): string {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .map((p) => p.replace(/\0/g, ''))
    .filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new UsageError(`empty output path "${path}"`);
  return parts.map((p) => (p === '..' ? '__' : p)).join('/');
}
