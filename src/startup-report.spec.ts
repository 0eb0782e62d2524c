import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningUrl, packageVersion, readyMessage } from './startup-report';

describe('start-up report', () => {
  it('gives the URL a server answers on, IPv6 addresses in brackets', () => {
    expect(listeningUrl({ address: '127.0.0.1', family: 'IPv4', port: 3000 })).toBe('http://127.0.0.1:3000');
    expect(listeningUrl({ address: '::', family: 'IPv6', port: 8080 })).toBe('http://[::]:8080');
    expect(listeningUrl('/tmp/scout.sock')).toBe('/tmp/scout.sock');
  });

  it('reads the version from the nearest package.json above the folder given', () => {
    const root = mkdtempSync(join(tmpdir(), 'scout-version-'));
    try {
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'x', version: '1.2.3' }));
      mkdirSync(join(root, 'dist', 'deep'), { recursive: true });
      expect(packageVersion(join(root, 'dist', 'deep'))).toBe('1.2.3');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('says in one line where it listens and to whom, the database, the instance and the version', () => {
    const message = readyMessage({
      url: 'http://127.0.0.1:3000',
      access: 'protected mode: loopback only',
      database: 'embedded PostgreSQL (PGlite) in /srv/scout/data',
      instanceId: '0b7f3c1e-9d7a-4c8e-8f2a-2a9d1f6e4b10',
      version: '0.1.0',
    });
    expect(message).toBe(
      'Scout Scheduler 0.1.0 ready on http://127.0.0.1:3000 (protected mode: loopback only); database: embedded PostgreSQL (PGlite) in /srv/scout/data; instance 0b7f3c1e-9d7a-4c8e-8f2a-2a9d1f6e4b10',
    );
  });
});
