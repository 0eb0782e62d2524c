import { describeServer } from './database-endpoint';

describe('describeServer', () => {
  it('shows the host, port and database of a server URL and never its user or password', () => {
    const shown = describeServer('postgres://scout:s3cret-pass@db.internal:6543/scout_prod?sslmode=require');
    expect(shown).toBe('PostgreSQL server db.internal:6543, database scout_prod');
    expect(shown).not.toMatch(/s3cret|scout:/);
  });

  it('fills in the default port, the default database and a socket directory given as ?host=', () => {
    expect(describeServer('postgresql://user:pw@localhost')).toBe(
      'PostgreSQL server localhost:5432, database (the default)',
    );
    expect(describeServer('postgres:///scout?host=/var/run/postgresql')).toBe(
      'PostgreSQL server /var/run/postgresql:5432, database scout',
    );
  });

  it('shows nothing of a URL that does not parse', () => {
    const shown = describeServer('postgres://user:p@ss:word@[bad/db');
    expect(shown).toBe('PostgreSQL server (its URL does not parse, so it is not shown)');
  });
});
