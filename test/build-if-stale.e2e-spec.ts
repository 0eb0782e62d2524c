import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start`'s build step (scripts/build-if-stale.js) in a project of its own, whose `build`
 * script only counts its calls: it builds when dist/main.js is missing or older than the sources,
 * and never otherwise.
 */
describe('scripts/build-if-stale.js', () => {
  let project: string;
  const builds = () =>
    existsSync(join(project, 'builds')) ? readFileSync(join(project, 'builds'), 'utf8').length : 0;
  const at = (path: string, seconds: number) => utimesSync(join(project, path), seconds, seconds);
  const run = () => {
    const result = spawnSync(process.execPath, [join(project, 'scripts', 'build-if-stale.js')], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    return result;
  };

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'scout-build-'));
    mkdirSync(join(project, 'scripts'));
    mkdirSync(join(project, 'src', 'config'), { recursive: true });
    copyFileSync(
      join(process.cwd(), 'scripts', 'build-if-stale.js'),
      join(project, 'scripts', 'build-if-stale.js'),
    );
    const build = `node -e "const fs=require('fs');fs.mkdirSync('dist/dashboard',{recursive:true});fs.writeFileSync('dist/main.js','');fs.writeFileSync('dist/dashboard/index.html','');fs.appendFileSync('builds','x')"`;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'p', scripts: { build } }));
    writeFileSync(join(project, 'tsconfig.json'), '{}');
    writeFileSync(join(project, 'src', 'config', 'environment.ts'), '');
    writeFileSync(join(project, 'src', 'config', 'environment.spec.ts'), '');
    mkdirSync(join(project, 'dashboard', 'src'), { recursive: true });
    writeFileSync(join(project, 'dashboard', 'src', 'app.tsx'), '');
    for (const path of [
      'dashboard/src/app.tsx',
      'dashboard/src',
      'dashboard',
      'package.json',
      'tsconfig.json',
      'src/config/environment.ts',
      'src/config/environment.spec.ts',
      'src/config',
      'src',
    ])
      at(path, 1_000);
  });

  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('builds when there is no build yet, and says so on standard error', () => {
    const { stdout, stderr } = run();
    expect(builds()).toBe(1);
    expect(stderr).toContain('no build yet: building');
    expect(stdout).toBe('');
  });

  it('does not build when dist/main.js is newer than every source, spec files left aside', () => {
    run();
    at('dist/main.js', 2_000);
    at('dist/dashboard/index.html', 2_000);
    at('src/config/environment.spec.ts', 3_000);
    run();
    expect(builds()).toBe(1);
  });

  it("builds when the dashboard's page is missing", () => {
    run();
    rmSync(join(project, 'dist', 'dashboard', 'index.html'));
    run();
    expect(builds()).toBe(2);
  });

  it.each([
    'src/config/environment.ts',
    'tsconfig.json',
    'package.json',
    'src/config',
    'dashboard/src/app.tsx',
  ])('builds again when %s is newer than the build', (path) => {
    run();
    at('dist/main.js', 2_000);
    at('dist/dashboard/index.html', 2_000);
    at(path, 3_000);
    const { stderr } = run();
    expect(builds()).toBe(2);
    expect(stderr).toContain('dist is older than the sources: building');
  });
});
