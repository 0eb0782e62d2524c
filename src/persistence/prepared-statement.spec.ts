import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import { PreparedStatement } from './prepared-statement';

/** A data source whose driver pool records each query config and answers or fails it. */
function fakeDataSource(answer: (config: { name: string; text: string; values: unknown[] }) => unknown) {
  const configs: Array<{ name: string; text: string; values: unknown[] }> = [];
  const pool = {
    query: (config: { name: string; text: string; values: unknown[] }) => {
      configs.push(config);
      return Promise.resolve().then(() => answer(config));
    },
  };
  return { configs, dataSource: { driver: { master: pool } } as unknown as DataSource };
}

describe('PreparedStatement', () => {
  const statement = new PreparedStatement<{ id: number }>('scout_test_statement', 'SELECT $1::int AS id');

  it('runs on the pool under its name, so the server parses and plans it once per connection', async () => {
    const { configs, dataSource } = fakeDataSource((config) => ({ rows: [{ id: config.values[0] }] }));

    await expect(statement.run(dataSource, [1])).resolves.toEqual([{ id: 1 }]);
    await expect(statement.run(dataSource, [2])).resolves.toEqual([{ id: 2 }]);

    expect(configs).toEqual([
      { name: 'scout_test_statement', text: 'SELECT $1::int AS id', values: [1] },
      { name: 'scout_test_statement', text: 'SELECT $1::int AS id', values: [2] },
    ]);
  });

  it("fails with TypeORM's QueryFailedError, carrying the statement and the driver's error", async () => {
    const driverError = Object.assign(new Error('null value in column "name"'), { code: '23502' });
    const { dataSource } = fakeDataSource(() => {
      throw driverError;
    });

    const failure = await statement.run(dataSource, [3]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(QueryFailedError);
    expect(failure).toMatchObject({ query: 'SELECT $1::int AS id', parameters: [3], driverError });
  });
});
