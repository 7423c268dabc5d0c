// The SDK as an npm package (web/sdk): the committed .d.ts files are what tsc generates from the
// JSDoc now, the examples type-check against them, and `npm pack` ships what package.json says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const sdk = join(process.env.JIM_SOURCE_DIR ?? join(here, '../..'), 'web/sdk');
const tsc = join(here, 'node_modules/.bin/tsc');

test('the committed types are generated from the current JSDoc', () => {
    const out = mkdtempSync(join(tmpdir(), 'jim-sdk-types-'));
    try {
        execFileSync(tsc, ['-p', sdk, '--outDir', out], { stdio: 'pipe' });
        for (const file of readdirSync(out)) {
            assert.equal(readFileSync(join(sdk, 'types', file), 'utf8'),
                readFileSync(join(out, file), 'utf8'), `types/${file} is stale: run npm run types`);
        }
        assert.deepEqual(readdirSync(join(sdk, 'types')).sort(), readdirSync(out).sort());
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
});

test('the examples type-check', () => {
    const examples = readdirSync(join(sdk, 'examples')).map((f) => join(sdk, 'examples', f));
    execFileSync(tsc, ['--noEmit', '--allowJs', '--checkJs', '--strict', '--target', 'es2022',
        '--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', ...examples],
    { stdio: 'pipe' });
});

test('npm pack ships the module, its types, the examples and the README', () => {
    const json = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: sdk, encoding: 'utf8' });
    const files = JSON.parse(json)[0].files.map((f) => f.path).sort();
    for (const f of ['README.md', 'package.json', 'jim.js', 'protocol.js', 'types/jim.d.ts',
        'types/protocol.d.ts', 'examples/echo-bot.mjs', 'examples/history.mjs']) {
        assert.ok(files.includes(f), `${f} missing from the package: ${files}`);
    }
    assert.ok(!files.includes('tsconfig.json'));
    const pkg = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8'));
    assert.equal(pkg.exports['.'].types, './types/jim.d.ts');
    assert.equal(pkg.types, './types/jim.d.ts');
});
