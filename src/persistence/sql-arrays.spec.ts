import { plainArray } from './sql-arrays';

describe('plainArray', () => {
  it('writes uuids, numbers and NULLs as one array literal', () => {
    const rows = [
      { id: '0190a5f4-8c1e-7b3a-9d2e-1f0a2b3c4d5e', at: 1764212345678 },
      { id: '0190a5f4-8c1e-7b3a-9d2e-1f0a2b3c4d5f', at: null },
    ];
    expect(plainArray(rows, (row) => row.id)).toBe(
      '{0190a5f4-8c1e-7b3a-9d2e-1f0a2b3c4d5e,0190a5f4-8c1e-7b3a-9d2e-1f0a2b3c4d5f}',
    );
    expect(plainArray(rows, (row) => row.at)).toBe('{1764212345678,NULL}');
  });

  it('writes an empty array', () => {
    expect(plainArray([], () => 1)).toBe('{}');
  });
});
