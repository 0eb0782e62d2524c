import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createEmbeddedDatabase } from './embedded-database-creation';

describe('createEmbeddedDatabase', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scout-create-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('leaves a folder that already holds a database alone', async () => {
    // A PG_VERSION alone is no database PGlite could open: a creating process would fail on it.
    writeFileSync(join(directory, 'PG_VERSION'), '18\n');
    await createEmbeddedDatabase(directory);
    expect(readdirSync(directory)).toEqual(['PG_VERSION']);
  });

  it("rejects with the creating process's error when it cannot create the database", async () => {
    const file = join(directory, 'a-file');
    writeFileSync(file, '');
    await expect(createEmbeddedDatabase(join(file, 'pgdata'))).rejects.toThrow(
      /^Creating the embedded database failed \(exit code 1\): .+/s,
    );
  });
});
