import { Readable } from 'node:stream';
import { readCapped } from './capped-body';

describe('readCapped', () => {
  it('keeps a small body whole', async () => {
    expect(await readCapped(Readable.from([Buffer.from('{"ok":'), Buffer.from('true}')]), 16)).toBe(
      '{"ok":true}',
    );
  });

  it('keeps the first maxBytes of a large body, stops reading and destroys the stream', async () => {
    let produced = 0;
    // An endless body: only stopping to read ends this test.
    function* endless(): Generator<Buffer> {
      for (;;) {
        produced += 1;
        yield Buffer.alloc(4096, 'a');
      }
    }
    const body = Readable.from(endless(), { objectMode: false });
    const text = await readCapped(body, 16 * 1024);
    expect(text).toBe('a'.repeat(16 * 1024));
    expect(body.destroyed).toBe(true);
    expect(produced).toBeLessThan(16);
  });

  it('leaves out a UTF-8 character cut at the limit', async () => {
    const text = await readCapped(Readable.from([Buffer.from('ab€')]), 4);
    expect(text).toBe('ab');
  });

  it('reads nothing when the cap is 0', async () => {
    const body = Readable.from([Buffer.from('x')]);
    expect(await readCapped(body, 0)).toBe('');
    expect(body.destroyed).toBe(true);
  });
});
