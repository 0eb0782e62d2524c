export const MAX_RESULT_BYTES = 64 * 1024;

/** Large results are cut, not refused: history keeps a preview. */
export function boundResult(result: unknown): unknown {
  if (result === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch {
    // Circular structures or BigInt: keep a note rather than fail the run.
    return { unserializable: true };
  }
  if (text === undefined) return null;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_RESULT_BYTES) return result;
  // Cut on bytes; a character split at the end decodes to U+FFFD, so the preview stays valid text.
  return { truncated: true, preview: bytes.subarray(0, MAX_RESULT_BYTES / 2).toString('utf8') };
}
