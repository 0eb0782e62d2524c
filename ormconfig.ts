import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/persistence/data-source.options';

/**
 * The TypeORM CLI data source (`npm run typeorm -- migration:run`, `migration:generate`).
 * The CLI needs a real server: set DATABASE_URL. The service itself runs migrations at start-up.
 */
export default new DataSource(
  buildDataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', {
    poolSize: 2,
  }),
);
